"""TangoFlux text-to-audio (the studio profile's sound model), as our own small pipeline.

declare-lab/TangoFlux = Flan-T5-large text encoder + the duration-conditioned Flux DiT of
`flux_audio_dit.py` + the Stable Audio Open Oobleck VAE; 44.1 kHz stereo, at most ~30 s per call (the renderer
joins longer clips with crossfades). The upstream `tangoflux` package pins torch 2.4 / transformers 4.44, so the
checkpoint is read directly:

    config.json              DiT hyper-parameters + "text_encoder_name" (google/flan-t5-large)
    tangoflux.safetensors    text_encoder.* (T5 encoder), fc.*, duration_emebdder.*, transformer.*
    vae.safetensors          AutoencoderOobleck state dict (default config)

Optional files our `save_pretrained` adds (tiny test checkpoints, mirrors that should not download twice):
`vae_config.json` (non-default VAE), `text_encoder_config.json` (T5 config), tokenizer files in the root.
Without them the T5 config and tokenizer come from `text_encoder_name`.

Public API: `TangoFluxPipeline.from_pretrained(repo_id_or_path)`, `pipe(prompt, duration, ...)`,
`pipe.save_pretrained(dir)`; the backend `TangoFluxSound(repo_id_or_path, steps, guidance_scale, ...)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from .base import BackendError, CancelToken, Capabilities, ClipRequest, Clip
from .flux_audio_dit import AudioFluxDiT, Conditioning, DiTConfig, decode_latents
from .text_to_audio import fit_peak, sound_prompt
from .steps import StepHook
from .torch_runtime import LazyModel, local_snapshot, match_weight_norm, randn, read_json

DEFAULT_REPO = "declare-lab/TangoFlux"
DEFAULT_TEXT_ENCODER = "google/flan-t5-large"
LICENCE = ("TangoFlux: non-commercial research use only (WavCaps academic-only data) and the Stability AI "
           "Community License (\"Powered by Stability AI\"); Flan-T5: Apache-2.0")
MAX_TEXT_TOKENS = 512  # flan-t5's model_max_length; tokenizers built without one report ~1e30
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "spiece.model", "special_tokens_map.json")


def _load_strict(module: torch.nn.Module, state: dict[str, torch.Tensor], what: str,
                 allowed_missing: set[str] = frozenset()) -> None:
    missing, unexpected = module.load_state_dict(state, strict=False, assign=True)
    missing = [k for k in missing if k not in allowed_missing]
    if missing or unexpected:
        raise BackendError(f"{what}: checkpoint does not match the model ({len(missing)} missing keys, e.g. "
                           f"{missing[:3]}; {len(unexpected)} unexpected, e.g. {unexpected[:3]}); is it a TangoFlux "
                           f"checkpoint?")


def _unique_tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """safetensors refuses tied tensors: keep the first name of each storage (T5 ties embed_tokens to shared)."""
    seen: set[tuple[int, int]] = set()
    out = {}
    for k, v in state.items():
        key = (v.untyped_storage().data_ptr(), v.storage_offset())
        if key in seen:
            continue
        seen.add(key)
        out[k] = v.detach().contiguous()
    return out


class TangoFluxPipeline:
    """Tokenizer + T5 encoder → AudioFluxDiT → Oobleck VAE. Built on CPU; move with `.to(device)`."""

    def __init__(self, tokenizer, text_encoder, dit: AudioFluxDiT, vae, text_encoder_name: str = DEFAULT_TEXT_ENCODER,
                 dtype: torch.dtype = torch.float32) -> None:
        self.tokenizer = tokenizer
        self.text_encoder = text_encoder
        self.dit = dit
        self.vae = vae
        self.text_encoder_name = text_encoder_name
        self.dtype = dtype

    # --- loading / saving -------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, repo_id_or_path: str, dtype: torch.dtype = torch.float32) -> "TangoFluxPipeline":
        from accelerate import init_empty_weights
        from diffusers import AutoencoderOobleck
        from safetensors.torch import load_file
        from transformers import AutoTokenizer, T5Config, T5EncoderModel

        what = f"TangoFlux ({repo_id_or_path})"
        root = local_snapshot(repo_id_or_path, what=what, allow_patterns=["*.json", "*.safetensors", "spiece.model"])
        config = read_json(root / "config.json", what)
        try:
            dit_config = DiTConfig.from_dict(config)
        except (TypeError, ValueError) as e:
            raise BackendError(f"{what}: config.json is not a TangoFlux config ({e})") from None
        te_name = str(config.get("text_encoder_name", DEFAULT_TEXT_ENCODER))

        def text_encoder_root(weights: bool = False) -> Path:
            # the release carries the encoder weights; only its config and tokenizer come from text_encoder_name
            patterns = ["config.json", *_TOKENIZER_FILES] + (["*.safetensors"] if weights else [])
            return local_snapshot(te_name, what=f"{what} text encoder", allow_patterns=patterns)

        tok_dir = root if any((root / f).exists() for f in _TOKENIZER_FILES) else text_encoder_root()
        tokenizer = AutoTokenizer.from_pretrained(tok_dir)
        te_cfg_path = root / "text_encoder_config.json"
        t5_config = T5Config.from_dict(read_json(te_cfg_path if te_cfg_path.exists()
                                                 else text_encoder_root() / "config.json", what))
        weights_path = root / "tangoflux.safetensors"
        if not weights_path.exists():
            raise BackendError(f"{what}: tangoflux.safetensors is missing in {root}")
        weights = load_file(weights_path)
        parts: dict[str, dict[str, torch.Tensor]] = {"text_encoder": {}, "dit": {}}
        for k, v in weights.items():
            if k.startswith("text_encoder."):
                parts["text_encoder"][k[len("text_encoder."):]] = v
            else:
                parts["dit"][k] = v
        del weights

        # T5 v1.1/flan overflows in fp16; keep it in fp32 then (bf16 has fp32's range and is fine)
        te_dtype = torch.float32 if dtype == torch.float16 else dtype
        if parts["text_encoder"]:
            with init_empty_weights():
                text_encoder = T5EncoderModel(t5_config)
            state = parts["text_encoder"]
            if "encoder.embed_tokens.weight" not in state and "shared.weight" in state:
                state["encoder.embed_tokens.weight"] = state["shared.weight"]
            _load_strict(text_encoder, state, f"{what} text encoder")
            text_encoder.tie_weights()
        else:  # checkpoints that leave the encoder to its own repo
            text_encoder = T5EncoderModel.from_pretrained(text_encoder_root(weights=True), dtype=te_dtype)
        text_encoder = text_encoder.to(te_dtype).eval()

        with init_empty_weights():
            dit = AudioFluxDiT(dit_config, cond_dim=t5_config.d_model)
        _load_strict(dit, parts["dit"], f"{what} DiT")
        dit = dit.to(dtype).eval()

        vae_cfg_path = root / "vae_config.json"
        vae_kwargs = read_json(vae_cfg_path, what) if vae_cfg_path.exists() else {}
        vae_kwargs = {k: v for k, v in vae_kwargs.items() if not k.startswith("_")}
        vae = AutoencoderOobleck(**vae_kwargs)
        vae_path = root / "vae.safetensors"
        if not vae_path.exists():
            raise BackendError(f"{what}: vae.safetensors is missing in {root}")
        vae_state = match_weight_norm(load_file(vae_path), vae)
        missing, unexpected = vae.load_state_dict(vae_state, strict=False)
        if missing or unexpected:
            raise BackendError(f"{what}: vae.safetensors does not match the Oobleck VAE ({len(missing)} missing, "
                               f"{len(unexpected)} unexpected keys)")
        vae = vae.float().eval()  # 156 M params: fp32 costs 0.3 GB and keeps the decoder's snake activations exact
        return cls(tokenizer, text_encoder, dit, vae, te_name, dtype)

    def save_pretrained(self, path: str | Path) -> Path:
        """Writes the upstream layout plus vae_config.json, text_encoder_config.json and tokenizer files."""
        from safetensors.torch import save_file

        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        config = {**self.dit.config.to_dict(), "text_encoder_name": self.text_encoder_name, "uncondition": False}
        (out / "config.json").write_text(json.dumps(config, indent=2))
        state = {f"text_encoder.{k}": v for k, v in self.text_encoder.state_dict().items()}
        state.update(self.dit.state_dict())
        save_file(_unique_tensors(state), out / "tangoflux.safetensors")
        save_file(_unique_tensors(self.vae.state_dict()), out / "vae.safetensors")
        (out / "vae_config.json").write_text(json.dumps(dict(self.vae.config), indent=2, default=list))
        (out / "text_encoder_config.json").write_text(self.text_encoder.config.to_json_string())
        self.tokenizer.save_pretrained(out)
        return out

    def modules(self) -> list[torch.nn.Module]:
        return [self.text_encoder, self.dit, self.vae]

    # --- inference ------------------------------------------------------------------------------------------
    @property
    def sample_rate(self) -> int:
        return int(self.vae.config.sampling_rate)

    @property
    def hop_length(self) -> int:
        return int(np.prod(self.vae.config.downsampling_ratios))

    @property
    def max_duration(self) -> float:
        """Seconds one call can make: the latent window, and the duration embedder's clamp."""
        window = self.dit.config.audio_seq_len * self.hop_length / self.sample_rate
        return float(min(window, self.dit.config.max_duration))

    @torch.no_grad()
    def encode_text(self, prompt: str) -> tuple[Conditioning, Conditioning]:
        """(conditional, unconditional) T5 states; "" padded to the prompt's length is the unconditional input."""
        device = self.text_encoder.device
        tok = self.tokenizer([prompt], max_length=min(self.tokenizer.model_max_length, MAX_TEXT_TOKENS), padding=True,
                             truncation=True,
                             return_tensors="pt")
        null = self.tokenizer([""], max_length=tok.input_ids.shape[1], padding="max_length", truncation=True,
                              return_tensors="pt")
        ids = torch.cat([tok.input_ids, null.input_ids]).to(device)
        mask = torch.cat([tok.attention_mask, null.attention_mask]).to(device)
        states = self.text_encoder(input_ids=ids, attention_mask=mask)[0]
        return Conditioning(states[:1], mask[:1]), Conditioning(states[1:], mask[1:])

    @torch.no_grad()
    def __call__(self, prompt: str, duration: float, *, steps: int = 25, guidance_scale: float = 4.5, seed: int = 0,
                 on_step: Callable[[int], None] | None = None) -> np.ndarray:
        """Audio (samples, 2) at `sample_rate`, exactly `duration` seconds (≤ max_duration)."""
        if not (0 < duration <= self.max_duration + 1e-6):
            raise BackendError(f"TangoFlux makes 0–{self.max_duration:.2f} s per call, {duration:.2f} s was asked")
        cond, uncond = self.encode_text(prompt)
        seconds = torch.tensor([float(duration)], device=self.dit.device)
        cfg = self.dit.config
        noise = randn((1, cfg.audio_seq_len, cfg.in_channels), seed, self.dit.device, torch.float32)
        latents = self.dit.sample(cond, seconds, noise, steps=steps, guidance_scale=guidance_scale, uncond=uncond,
                                  on_step=on_step)
        n = int(round(duration * self.sample_rate))
        audio = decode_latents(self.vae, latents, n)
        if audio.shape[0] < n:
            audio = np.concatenate([audio, np.zeros((n - audio.shape[0], audio.shape[1]), np.float32)])
        return audio


# ------------------------------------------------------------------------------------------------------------
# the backend


class TangoFluxSound(LazyModel):
    """SoundModel: caption (+ intensity, distance, environment) and duration → 44.1 kHz stereo clip."""

    what = "TangoFlux (sound)"

    def __init__(self, repo_id_or_path: str = DEFAULT_REPO, *, steps: int = 25, guidance_scale: float = 4.5,
                 device: str | None = None, dtype: str | None = None, allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.steps = int(steps)
        self.guidance_scale = float(guidance_scale)

    def _load(self, device, dtype):
        pipe = TangoFluxPipeline.from_pretrained(self.repo_id_or_path, dtype=dtype)
        return pipe, pipe.modules()

    @property
    def capabilities(self) -> Capabilities:
        pipe: TangoFluxPipeline | None = self._model
        return Capabilities(
            name="tangoflux", model_id=self.repo_id_or_path, kinds=("sound",), languages=("en",),
            max_duration=pipe.max_duration if pipe else 645 * 2048 / 44100, sample_rate=pipe.sample_rate if pipe
            else 44100, channels=2, controls=("source", "intensity", "distance", "environment"), licence=LICENCE)

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if request.duration <= 0:
            raise BackendError("a sound clip needs a duration in seconds")
        prompt = sound_prompt(request.caption or request.instruction, request.attributes or {})
        if not prompt:
            raise BackendError("a sound clip needs a caption describing what it sounds like")
        hook = StepHook(cancel, self.steps, "sound")
        audio = self.run(lambda pipe: pipe(prompt, request.duration, steps=self.steps,
                                           guidance_scale=self.guidance_scale, seed=request.seed, on_step=hook))
        audio, gain = fit_peak(audio)
        pipe: TangoFluxPipeline = self._model
        return Clip(audio, pipe.sample_rate, parameters={
            "prompt": prompt, "steps": self.steps, "guidance_scale": self.guidance_scale,
            "duration_conditioning": float(min(request.duration, pipe.dit.config.max_duration)),
            "peak_gain": round(gain, 4)})
