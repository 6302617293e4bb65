"""AudioStory-3B (TencentARC/AudioStory-3B): the seed system's own unified model, as our own implementation.

One Qwen2.5 LLM (with merged LoRA) reasons about the story, then writes per clip a caption, a `<timestamp>`
duration and two forced runs of special tokens (`<t5_*>` semantic, `<aud_*>` residual). The last-layer hidden
states at those positions go through two projection heads and a cross-attention fusion into the conditioning of
the duration-conditioned Flux DiT of `flux_audio_dit.py`; the Oobleck VAE decodes 44.1 kHz stereo. The DiT never
sees caption text, so a caption edit must re-run the LLM for that clip (see `AudioStory3B.regenerate_clip`).
Spec: reference/audiostory_inference_spec.md (section numbers below refer to it).

On-disk layout read by `AudioStory3B.from_pretrained(root)`:

    root/config.yaml            num_t5_out_tokens, num_aud_out_tokens, t5_feature_scale, model_dims (required),
                                paths of the base LLM / tokenizer / detokenizer, optional lora_alpha,
                                add_tokens_path
    root/pytorch_model.bin      (or model.safetensors) the unified state dict (seedx.*, multihead_attention.*,
                                tangoflux.*); peft-0.4 LoRA layout
    <detokenizer>/config.json   DiT hyper-parameters + text_encoder_name (Flan-T5, for the CFG null branch)
    <detokenizer>/model.safetensors   Oobleck VAE (vae_config.json next to it if not the default VAE)
    <base LLM>/                 Qwen2.5-3B-Instruct: config.json, generation_config.json, tokenizer, weights
Relative paths in config.yaml (upstream writes "ckpt/…") are looked up in root, root's parent, and by folder
name there, then on the hub.

Public API: `AudioStory3B.from_pretrained`, `.plan_story`, `.regenerate_clip`, `.render_clip`, `.render_story`;
the planner adapter `AudioStoryPlanner` and the sound adapter `AudioStorySound`.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .base import BackendError, CancelToken, Capabilities, Clip, ClipRequest
from .flux_audio_dit import AudioFluxDiT, Conditioning, DiTConfig, decode_latents
from .text_to_audio import fit_peak
from .steps import StepHook
from .torch_runtime import LazyModel, local_snapshot, match_weight_norm, randn, read_json

DEFAULT_REPO = "TencentARC/AudioStory-3B"
LICENCE = ("AudioStory-3B: non-commercial. Qwen2.5-3B-Instruct base: Qwen Research License; DiT/VAE derived from "
           "TangoFlux (non-commercial research) and Stable Audio Open's VAE: Stability AI Community License "
           "(\"Powered by Stability AI\"); Flan-T5: Apache-2.0")
SYSTEM_TEXT = "You are a helpful assistant."
# one of the 20 training lead phrases (the spec quotes this one; the others are not reproduced here)
DEFAULT_LEAD = "Develop a comprehensive audio that fully represents "
CROSSFADE_S = 3.0

# §2.1: the 612 added tokens in file order; their ids are len(base tokenizer) + index
ADDED_TOKENS: tuple[str, ...] = (
    "</t5>", "<video_padding>", "<timestamp>", "</timestamp>", "<t5>",
    *(f"<t5_{i:05d}>" for i in range(100)), "<aud>", "</aud>", *(f"<aud_{i:05d}>" for i in range(501)),
    "<|gen|>", "<|/gen|>", "<|think|>", "<|/think|>",
)
_UNUSED_PREFIXES = ("seedx.input_resampler.", "seedx.output_resampler.", "seedx.whisper_resampler_llava.")
_LLM_PREFIX = "seedx.llm.base_model.model."
_LORA = re.compile(r"^(.*)\.lora_([AB])\.default\.weight$")


# ------------------------------------------------------------------------------------------------------------
# config and files


def _find(tree: Any, key: str) -> Any:
    """First value of `key` anywhere in the nested config (Hydra configs nest the same values differently)."""
    if isinstance(tree, dict):
        if key in tree and tree[key] is not None:
            return tree[key]
        for v in tree.values():
            found = _find(v, key)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for v in tree:
            found = _find(v, key)
            if found is not None:
                return found
    return None


def _strings(tree: Any) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, dict):
        return [s for v in tree.values() for s in _strings(v)]
    if isinstance(tree, list):
        return [s for v in tree for s in _strings(v)]
    return []


def _resolve(name: str, root: Path, what: str, patterns: list[str] | None = None) -> Path:
    p = Path(name).expanduser()
    candidates = [p] if p.is_absolute() else [root / p, root.parent / p, root / p.name, root.parent / p.name]
    for c in candidates:
        if c.is_dir():
            return c
    return local_snapshot(name, what=what, allow_patterns=patterns)


def _required(cfg: dict, key: str, what: str) -> Any:
    v = _find(cfg, key)
    if v is None:
        raise BackendError(f"{what}: config.yaml has no '{key}'; it must come from the checkpoint (not guessed)")
    return v


def _load_weights(root: Path, what: str) -> dict[str, torch.Tensor]:
    st = sorted(root.glob("*.safetensors"))
    if (root / "pytorch_model.bin").exists():
        try:
            try:
                return torch.load(root / "pytorch_model.bin", map_location="cpu", weights_only=True, mmap=True)
            except RuntimeError:  # legacy (pre-zip) pickles cannot be memory-mapped
                return torch.load(root / "pytorch_model.bin", map_location="cpu", weights_only=True)
        except Exception as e:  # noqa: BLE001 - a pickle with objects, or a corrupt file
            raise BackendError(f"{what}: pytorch_model.bin cannot be read as a plain tensor dict ({e}); convert it "
                               f"to safetensors once") from None
    if st:
        from safetensors.torch import load_file

        out: dict[str, torch.Tensor] = {}
        for f in st:
            out.update(load_file(f))
        return out
    raise BackendError(f"{what}: neither pytorch_model.bin nor *.safetensors in {root}")


def _check(module: nn.Module, state: dict[str, torch.Tensor], prefix: str, allowed_missing=frozenset()) -> list[str]:
    """Problems (named with checkpoint keys) if `state` does not fill `module` exactly."""
    want = module.state_dict()
    problems = [f"missing {prefix}{k}" for k in want if k not in state and k not in allowed_missing]
    problems += [f"unexpected {prefix}{k}" for k in state if k not in want]
    problems += [f"shape mismatch {prefix}{k}: checkpoint {tuple(v.shape)} vs model {tuple(want[k].shape)}"
                 for k, v in state.items() if k in want and tuple(v.shape) != tuple(want[k].shape)]
    return problems


def _raise_if(problems: list[str], what: str) -> None:
    if problems:
        shown = "; ".join(problems[:25]) + (f"; … {len(problems) - 25} more" if len(problems) > 25 else "")
        raise BackendError(f"{what}: the checkpoint does not match the model ({len(problems)} problems): {shown}")


# ------------------------------------------------------------------------------------------------------------
# data


@dataclass
class StoryClip:
    caption: str
    duration: float
    semantic: torch.Tensor  # (N, D) last-layer states at the <t5_*> positions
    residual: torch.Tensor  # (M, D) at the <aud_*> positions
    gen_start: int  # index of this clip's <|gen|> in Story.gen_ids (everything before it is the context)


@dataclass
class Story:
    instruction: str
    total: float
    prompt_ids: list[int]
    gen_ids: list[int]
    reasoning: str
    clips: list[StoryClip]
    warnings: list[str] = field(default_factory=list)
    # (clip index, edited caption) → the clip's tokens re-generated for that caption
    edits: dict[tuple[int, str], StoryClip] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return hashlib.sha256(repr((self.prompt_ids, self.gen_ids)).encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------------------------------------
# the model


def _mlp2x(d_in: int, d_hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Linear(d_hidden, d_out))


class AudioStory3B:
    def __init__(self, *, tokenizer, llm, projector: nn.Module, audio_projector: nn.Module,
                 fusion: nn.MultiheadAttention, dit: AudioFluxDiT, vae, null_states: torch.Tensor, n_sem: int,
                 n_res: int, feature_scale: float, repetition_penalty: float, eos_ids: tuple[int, ...],
                 name: str = DEFAULT_REPO) -> None:
        self.tokenizer, self.llm, self.dit, self.vae = tokenizer, llm, dit, vae
        self.projector, self.audio_projector, self.fusion = projector, audio_projector, fusion
        self.null_states = null_states  # (1, N, D) Flan-T5("") padded to N: the CFG unconditional branch
        self.n_sem, self.n_res = int(n_sem), int(n_res)
        self.feature_scale = float(feature_scale)
        self.repetition_penalty = float(repetition_penalty)
        self.eos_ids = tuple(eos_ids)
        self.name = name
        self.llm_calls = 0  # decoding runs (tests and the UI can tell a re-plan from a cached clip)
        ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<t5>", "</t5>", "<aud>", "</aud>", "<|gen|>",
                                                              "<|/gen|>", "<|think|>", "<|/think|>", "<timestamp>",
                                                              "</timestamp>")}
        self.tok = ids
        self.sem_ids = [tokenizer.convert_tokens_to_ids(f"<t5_{i:05d}>") for i in range(self.n_sem)]
        self.res_ids = [tokenizer.convert_tokens_to_ids(f"<aud_{i:05d}>") for i in range(self.n_res)]
        self._sem_follow = torch.tensor(self.sem_ids + [ids["</t5>"]])
        self._res_follow = torch.tensor(self.res_ids + [ids["</aud>"]])
        self._forced = set(self.sem_ids) | set(self.res_ids)
        # §3.4: once any token of a run L = [<t5>, <t5_0>…<t5_{N-1}>, </t5>] but the last is emitted, the rest of
        # L is forced; map each such token to the remainder so it can be fed in one forward pass
        self._rest: dict[int, list[int]] = {}
        for run in ([ids["<t5>"], *self.sem_ids, ids["</t5>"]], [ids["<aud>"], *self.res_ids, ids["</aud>"]]):
            for i, t in enumerate(run[:-1]):
                self._rest[t] = run[i + 1:]
        import inspect

        # transformers renamed past_key_values to cache (5.x); use whichever this version takes
        params = inspect.signature(llm.model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"

    def modules(self) -> list[nn.Module]:
        return [self.llm, self.projector, self.audio_projector, self.fusion, self.dit, self.vae]

    @property
    def device(self) -> torch.device:
        return self.llm.device

    @property
    def sample_rate(self) -> int:
        return int(self.vae.config.sampling_rate)

    @property
    def max_duration(self) -> float:
        hop = int(np.prod(self.vae.config.downsampling_ratios))
        return float(min(self.dit.config.audio_seq_len * hop / self.sample_rate, self.dit.config.max_duration))

    # --- loading -------------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, repo_id_or_path: str, dtype: torch.dtype = torch.float32) -> "AudioStory3B":
        import yaml
        from diffusers import AutoencoderOobleck
        from safetensors.torch import load_file
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, T5Config, T5EncoderModel

        what = f"AudioStory ({repo_id_or_path})"
        root = local_snapshot(repo_id_or_path, what=what)
        try:
            cfg = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise BackendError(f"{what}: config.yaml is missing in {root}; is this an AudioStory checkpoint?") from None
        n_sem = int(_required(cfg, "num_t5_out_tokens", what))
        n_res = int(_required(cfg, "num_aud_out_tokens", what))
        scale = float(_required(cfg, "t5_feature_scale", what))
        model_dims = int(_required(cfg, "model_dims", what))

        # --- base LLM folder and tokenizer (§2.1)
        base_name = (_find(cfg.get("llm_model") or {}, "pretrained_model_name_or_path")
                     or _find(cfg.get("tokenizer") or {}, "pretrained_model_name_or_path")
                     or _find(cfg.get("tokenizer") or {}, "pretrained_model_path") or "Qwen/Qwen2.5-3B-Instruct")
        base = _resolve(str(base_name), root, f"{what} base LLM")
        tok_name = _find(cfg.get("tokenizer") or {}, "pretrained_model_path") or \
            _find(cfg.get("tokenizer") or {}, "pretrained_model_name_or_path")
        tokenizer = AutoTokenizer.from_pretrained(_resolve(str(tok_name), root, f"{what} tokenizer")
                                                  if tok_name else base)
        added = list(ADDED_TOKENS)
        add_path = _find(cfg, "add_tokens_path")
        if add_path:
            p = Path(add_path) if Path(add_path).is_absolute() else next(
                (c for c in (root / add_path, root.parent / add_path, root / Path(add_path).name) if c.exists()), None)
            if p is None:
                raise BackendError(f"{what}: add_tokens_path {add_path!r} from config.yaml was not found")
            added = list(read_json(p, what))  # only the key order matters; the stored ids are stale
        first = tokenizer.convert_tokens_to_ids(added[0])
        if first is not None and first != tokenizer.unk_token_id and first == len(tokenizer) - len(added):
            n_base = first  # a tokenizer saved with the added tokens already in place
        else:
            n_base = len(tokenizer)
            tokenizer.add_tokens(added, special_tokens=True)
        wrong = [t for i, t in enumerate(added) if tokenizer.convert_tokens_to_ids(t) != n_base + i]
        if wrong:
            raise BackendError(f"{what}: added tokens did not get sequential ids after the base vocabulary "
                               f"(first: {wrong[:3]}); the base tokenizer already defines them")
        for need in ("<t5>", "</t5>", "<aud>", "</aud>", "<|gen|>", "<|think|>", "<timestamp>", f"<t5_{n_sem - 1:05d}>",
                     f"<aud_{n_res - 1:05d}>"):
            if need not in added:
                raise BackendError(f"{what}: the added tokens lack {need} (config asks for {n_sem} semantic and "
                                   f"{n_res} residual tokens)")
        gen_cfg = base / "generation_config.json"
        gcfg = read_json(gen_cfg, what) if gen_cfg.exists() else {}
        rep = float(gcfg.get("repetition_penalty", 1.0))
        eos = gcfg.get("eos_token_id", tokenizer.convert_tokens_to_ids("<|im_end|>"))
        eos_ids = tuple(eos) if isinstance(eos, list) else (int(eos),)

        # --- split the unified state dict by component (§4.1)
        state = _load_weights(root, what)
        llm_sd: dict[str, torch.Tensor] = {}
        lora: dict[str, dict[str, torch.Tensor]] = {}
        parts: dict[str, dict[str, torch.Tensor]] = {"proj": {}, "aproj": {}, "mha": {}, "t5": {}, "dit": {}}
        problems: list[str] = []
        for k, v in state.items():
            if k.startswith(_LLM_PREFIX):
                rest = k[len(_LLM_PREFIX):]
                m = _LORA.match(rest)
                if m:
                    lora.setdefault(m.group(1), {})[m.group(2)] = v
                elif ".original_module." in rest:
                    continue  # peft keeps the frozen copy; inference uses modules_to_save.default
                else:
                    llm_sd[rest.replace(".modules_to_save.default.", ".").replace(".base_layer.", ".")] = v
            elif k.startswith("seedx.projector."):
                parts["proj"][k[len("seedx.projector."):]] = v
            elif k.startswith("seedx.audio_projector."):
                parts["aproj"][k[len("seedx.audio_projector."):]] = v
            elif k.startswith("multihead_attention."):
                parts["mha"][k[len("multihead_attention."):]] = v
            elif k.startswith("tangoflux.text_encoder."):
                parts["t5"][k[len("tangoflux.text_encoder."):]] = v
            elif k.startswith("tangoflux."):
                parts["dit"][k[len("tangoflux."):]] = v
            elif not k.startswith(_UNUSED_PREFIXES):
                problems.append(f"unexpected {k}")
        del state

        # --- LLM: base architecture, checkpoint weights, base-repo fallback for frozen weights (§1.1), LoRA merge
        llm_cfg = AutoConfig.from_pretrained(base)
        emb = llm_sd.get("model.embed_tokens.weight")
        if emb is None:
            problems.append(f"missing {_LLM_PREFIX}model.embed_tokens.weight (the resized, trained embeddings)")
        else:
            llm_cfg.vocab_size = int(emb.shape[0])
            if emb.shape[0] != len(tokenizer):
                problems.append(f"shape mismatch {_LLM_PREFIX}model.embed_tokens.weight: {emb.shape[0]} rows vs "
                                f"{len(tokenizer)} tokens")
        if llm_cfg.hidden_size != model_dims:
            problems.append(f"config.yaml model_dims {model_dims} != LLM hidden size {llm_cfg.hidden_size}")
        if emb is None:
            _raise_if(problems, what)
        with torch.device("meta"):
            llm = AutoModelForCausalLM.from_config(llm_cfg)
        want = llm.state_dict()
        missing = [k for k in want if k not in llm_sd]
        if missing:
            base_files = sorted(base.glob("*.safetensors"))
            base_sd: dict[str, torch.Tensor] = {}
            for f in base_files:
                base_sd.update(load_file(f))
            for k in missing:
                if k in base_sd and k != "model.embed_tokens.weight":
                    llm_sd[k] = base_sd[k]
            del base_sd
        tied = bool(getattr(llm_cfg, "tie_word_embeddings", False))
        allowed = {"lm_head.weight"} if tied else set()
        if tied:
            llm_sd.pop("lm_head.weight", None)
        problems += _check(llm, llm_sd, _LLM_PREFIX, allowed)
        alpha = _find(cfg, "lora_alpha")
        for name, ab in lora.items():
            target = f"{name}.weight"
            if set(ab) != {"A", "B"}:
                problems.append(f"LoRA {_LLM_PREFIX}{name} has only lora_{''.join(ab)}")
            elif target not in want:
                problems.append(f"unexpected LoRA target {_LLM_PREFIX}{name}")
            elif (ab["B"].shape[0], ab["A"].shape[1]) != tuple(want[target].shape):
                problems.append(f"shape mismatch LoRA {_LLM_PREFIX}{name}: B·A {(ab['B'].shape[0], ab['A'].shape[1])} "
                                f"vs {tuple(want[target].shape)}")
        # --- heads, fusion, DiT, T5, VAE
        proj = _mlp_from(parts["proj"], "seedx.projector.", problems)
        aproj = _mlp_from(parts["aproj"], "seedx.audio_projector.", problems)
        det_name = next((s for s in _strings(cfg.get("seedx_dit_model_cfg") or {}) if "detokenizer" in s.lower()),
                        "Flux_detokenizer")
        det = _resolve(det_name, root, f"{what} detokenizer")
        det_cfg = read_json(det / "config.json", what)
        dit_cfg = DiTConfig.from_dict(det_cfg)
        with torch.device("meta"):
            dit = AudioFluxDiT(dit_cfg)
        problems += _check(dit, parts["dit"], "tangoflux.")
        joint = dit_cfg.joint_attention_dim
        heads = int(_find(cfg, "num_heads") or 8)  # §2.4: nn.MultiheadAttention(1024, 8)
        if joint % heads:
            problems.append(f"fusion: {joint} dims cannot be split into {heads} heads")
            heads = 1
        mha = nn.MultiheadAttention(joint, heads)
        problems += _check(mha, parts["mha"], "multihead_attention.")
        for name, head in (("seedx.projector", proj), ("seedx.audio_projector", aproj)):
            if head is not None and (head[0].in_features != model_dims or head[2].out_features != joint):
                problems.append(f"{name}: maps {head[0].in_features}→{head[2].out_features}, needs "
                                f"{model_dims}→{joint}")
        te_name = str(det_cfg.get("text_encoder_name", "google/flan-t5-large"))
        te_root = _resolve(te_name, det, f"{what} text encoder")
        t5_cfg = T5Config.from_pretrained(te_root)
        if t5_cfg.d_model != joint:
            problems.append(f"text encoder width {t5_cfg.d_model} != DiT joint_attention_dim {joint}")
        with torch.device("meta"):
            t5 = T5EncoderModel(t5_cfg)
        if parts["t5"]:
            if "encoder.embed_tokens.weight" not in parts["t5"] and "shared.weight" in parts["t5"]:
                parts["t5"]["encoder.embed_tokens.weight"] = parts["t5"]["shared.weight"]
        else:
            for f in sorted(te_root.glob("*.safetensors")):
                parts["t5"].update(load_file(f))
            parts["t5"].setdefault("encoder.embed_tokens.weight", parts["t5"].get("shared.weight"))
            parts["t5"] = {k: v for k, v in parts["t5"].items() if v is not None and not k.startswith("decoder.")}
        problems += _check(t5, parts["t5"], "tangoflux.text_encoder.")
        vae_cfg_path = det / "vae_config.json"
        vae_kwargs = {k: v for k, v in (read_json(vae_cfg_path, what) if vae_cfg_path.exists() else {}).items()
                      if not k.startswith("_")}
        vae = AutoencoderOobleck(**vae_kwargs)
        if not (det / "model.safetensors").exists():
            problems.append(f"missing {det / 'model.safetensors'} (the Oobleck VAE)")
        else:
            vae_sd = match_weight_norm(load_file(det / "model.safetensors"), vae)
            problems += _check(vae, vae_sd, "Flux_detokenizer/model.safetensors:")
        _raise_if(problems, what)

        # --- materialise
        llm.load_state_dict(llm_sd, strict=False, assign=True)
        if tied:
            llm.tie_weights()
        _materialise_buffers(llm)
        scale_lora = None
        with torch.no_grad():
            for name, ab in lora.items():
                r = ab["A"].shape[0]
                scale_lora = float(alpha) / r if alpha is not None else 1.0
                w = llm.get_submodule(name).weight
                w.copy_((w.float() + scale_lora * (ab["B"].float() @ ab["A"].float())).to(w.dtype))
        llm = llm.to(dtype).eval()
        proj, aproj = proj.to(dtype).eval(), aproj.to(dtype).eval()
        mha.load_state_dict(parts["mha"])
        mha = mha.to(dtype).eval()
        dit.load_state_dict(parts["dit"], strict=True, assign=True)
        _materialise_buffers(dit)
        dit = dit.to(dtype).eval()
        t5.load_state_dict(parts["t5"], strict=True, assign=True)
        t5.tie_weights()
        _materialise_buffers(t5)
        vae.load_state_dict(vae_sd, strict=True)
        vae = vae.float().eval()
        # the null branch depends only on N: compute once in fp32 (T5 overflows in fp16, §5.10) and drop T5
        t5_tok = AutoTokenizer.from_pretrained(te_root)
        null_in = t5_tok([""], padding="max_length", max_length=n_sem, truncation=True, return_tensors="pt")
        with torch.no_grad():
            null = t5.float()(input_ids=null_in.input_ids, attention_mask=null_in.attention_mask)[0]
        del t5
        return cls(tokenizer=tokenizer, llm=llm, projector=proj, audio_projector=aproj, fusion=mha, dit=dit, vae=vae,
                   null_states=null.to(dtype), n_sem=n_sem, n_res=n_res, feature_scale=scale,
                   repetition_penalty=rep, eos_ids=eos_ids, name=str(repo_id_or_path))

    def to(self, device) -> "AudioStory3B":
        for m in self.modules():
            m.to(device)
        self.null_states = self.null_states.to(device)
        return self

    # --- prompt and decoding (§3) --------------------------------------------------------------------------
    @staticmethod
    def instruction_text(caption: str, total: float, lead: str = DEFAULT_LEAD) -> str:
        whole = (lead + caption.strip()).strip()
        return f"{whole} The total duration is {float(total):.1f} seconds."

    def prompt_ids(self, instruction: str) -> list[int]:
        text = (f"<|im_start|>system\n{SYSTEM_TEXT}<|im_end|>\n<|im_start|>user\n{instruction}<|im_end|>\n"
                f"<|im_start|>assistant\n<|think|>")
        return self.tokenizer.encode(text, add_special_tokens=False)

    @torch.no_grad()
    def decode(self, prompt: list[int], forced: list[int] = (), *, max_new_tokens: int = 1600,
               stop_after_residual: bool = False, cancel: CancelToken | None = None
               ) -> tuple[list[int], dict[int, torch.Tensor]]:
        """Greedy decoding with repetition penalty and the forced token runs. Returns the generated ids (forced
        prefix included) and the last-layer hidden state for every generated position inside a forced run."""
        from transformers import DynamicCache

        self.llm_calls += 1
        dev = self.device
        cache = DynamicCache()
        gen: list[int] = list(forced)
        hidden: dict[int, torch.Tensor] = {}
        seen = torch.zeros(self.llm.config.vocab_size, dtype=torch.bool, device=dev)
        seen[torch.tensor(list(prompt) + gen, device=dev, dtype=torch.long)] = True
        feed = list(prompt) + gen
        hook = StepHook(cancel, max_new_tokens, "story")
        while True:
            out = self.llm.model(input_ids=torch.tensor([feed], device=dev), use_cache=True, **{self._cache_kw: cache})
            h = out.last_hidden_state[0]
            n_gen = min(len(feed), len(gen))  # the fed tokens that are generated ones (the rest is prompt)
            for j in range(n_gen):
                pos = len(gen) - n_gen + j
                if gen[pos] in self._forced:
                    hidden[pos] = h[len(feed) - n_gen + j].float().cpu()
            last = gen[-1] if gen else prompt[-1]
            if stop_after_residual and last == self.tok["</aud>"]:
                break
            if len(gen) >= max_new_tokens:
                break
            run = self._rest.get(last)
            if run is None:
                logits = self.llm.lm_head(h[-1:]).float()[0]
                if self.repetition_penalty != 1.0:
                    sel = logits[seen]
                    logits[seen] = torch.where(sel < 0, sel * self.repetition_penalty, sel / self.repetition_penalty)
                # outside a run the run tokens get logit 0 (§3.4: not -inf, the model can still pick them)
                logits[self._sem_follow.to(dev)] = 0.0
                logits[self._res_follow.to(dev)] = 0.0
                run = [int(logits.argmax())]
            run = run[: max_new_tokens - len(gen)]
            gen += run
            seen[torch.tensor(run, device=dev)] = True
            feed = run
            hook(len(gen) - 1)
            if run[-1] in self.eos_ids:
                break
        return gen, hidden

    def parse(self, gen: list[int], hidden: dict[int, torch.Tensor], total: float) -> tuple[str, list[StoryClip],
                                                                                           list[str]]:
        """§3.5–3.7, keeping every complete clip (a truncated last clip is dropped with a warning)."""
        t = self.tok
        warnings: list[str] = []
        end_think = gen.index(t["<|/think|>"]) if t["<|/think|>"] in gen else \
            (gen.index(t["<|gen|>"]) if t["<|gen|>"] in gen else len(gen))
        reasoning = self.tokenizer.decode(gen[:end_think], skip_special_tokens=False).strip()
        starts = [i for i, x in enumerate(gen) if x == t["<|gen|>"]]
        clips: list[StoryClip] = []
        for n, g in enumerate(starts):
            stop = starts[n + 1] if n + 1 < len(starts) else len(gen)
            span = gen[g:stop]
            try:
                s0 = g + span.index(t["<t5>"])
                a0 = g + span.index(t["<aud>"])
            except ValueError:
                warnings.append(f"clip {n + 1} is incomplete (no <t5>/<aud> run) and was dropped")
                continue
            sem_pos = list(range(s0 + 1, s0 + 1 + self.n_sem))
            res_pos = list(range(a0 + 1, a0 + 1 + self.n_res))
            if not all(p in hidden for p in sem_pos + res_pos):
                warnings.append(f"clip {n + 1} was cut off by the token limit and was dropped")
                continue
            text = self.tokenizer.decode(gen[g + 1:s0], skip_special_tokens=False)
            m = re.search(r"<timestamp>\s*([0-9]*\.?[0-9]+)\s*</timestamp>", text)
            caption = re.sub(r"<timestamp>.*?</timestamp>", " ", text).strip()
            duration = float(m.group(1)) if m else 0.0
            clips.append(StoryClip(caption, duration, torch.stack([hidden[p] for p in sem_pos]),
                                   torch.stack([hidden[p] for p in res_pos]), g))
        for c in clips:  # §5.7: a clip without a usable duration gets an even share of what is left
            if not c.duration > 0:
                rest = max(total - sum(x.duration for x in clips), 1.0)
                c.duration = round(rest / max(1, sum(1 for x in clips if not x.duration > 0)), 1)
                warnings.append(f"clip '{c.caption[:40]}' had no duration; {c.duration} s assumed")
        if not clips:
            warnings.append("the model wrote no complete clip")
        return reasoning, clips, warnings

    def plan_story(self, caption: str, total: float, *, lead: str = DEFAULT_LEAD, max_new_tokens: int = 1600,
                   cancel: CancelToken | None = None) -> Story:
        instruction = self.instruction_text(caption, total, lead)
        prompt = self.prompt_ids(instruction)
        gen, hidden = self.decode(prompt, max_new_tokens=max_new_tokens, cancel=cancel)
        reasoning, clips, warnings = self.parse(gen, hidden, total)
        return Story(instruction, float(total), prompt, gen, reasoning, clips, warnings)

    def restore_story(self, instruction: str, total: float, prompt_ids: list[int], gen_ids: list[int],
                      cancel: CancelToken | None = None) -> Story:
        """A story planned earlier (in another process), from its tokens: one forced pass over them gives back
        the hidden states of every clip, so clips render and re-plan with their story context again."""
        gen, hidden = self.decode(list(prompt_ids), list(gen_ids), max_new_tokens=len(gen_ids), cancel=cancel)
        reasoning, clips, warnings = self.parse(gen, hidden, float(total))
        return Story(instruction, float(total), list(prompt_ids), list(gen_ids), reasoning, clips, warnings)

    def regenerate_clip(self, story: Story, index: int, caption: str, duration: float | None = None,
                        cancel: CancelToken | None = None) -> StoryClip:
        """Re-run the LLM for clip `index` with `caption` (and its duration) forced into the prefix, the
        reasoning and the earlier clips kept as context, so the new tokens describe the edited caption."""
        if not 0 <= index < len(story.clips):
            raise BackendError(f"clip {index} is not in this story ({len(story.clips)} clips)")
        d = float(duration if duration is not None else story.clips[index].duration)
        context = story.gen_ids[: story.clips[index].gen_start]
        head = self.tokenizer.encode(f"<|gen|>{caption.strip()}<timestamp>{d:.1f}</timestamp><t5>",
                                     add_special_tokens=False)
        budget = len(context) + len(head) + self.n_sem + self.n_res + 8
        gen, hidden = self.decode(story.prompt_ids, context + head, max_new_tokens=budget,
                                  stop_after_residual=True, cancel=cancel)
        gen_tail = gen[len(context):]
        hid = {k - len(context): v for k, v in hidden.items() if k >= len(context)}
        _, clips, warnings = self.parse(gen_tail, hid, d)
        if not clips:
            raise BackendError(f"re-planning clip {index + 1} failed: {'; '.join(warnings)}")
        c = clips[0]
        return StoryClip(caption.strip(), d, c.semantic, c.residual, story.clips[index].gen_start)

    # --- bridge and rendering (§2.4–2.8) --------------------------------------------------------------------
    @torch.no_grad()
    def conditioning(self, clip: StoryClip) -> torch.Tensor:
        dt = self.projector[0].weight.dtype
        dev = self.projector[0].weight.device
        p = self.projector(clip.semantic[None].to(dev, dt))  # (1, N, C)
        a = self.audio_projector(clip.residual[None].to(dev, dt))  # (1, M, C)
        fused, _ = self.fusion(p.transpose(0, 1), a.transpose(0, 1), a.transpose(0, 1), need_weights=False)
        return (p + fused.transpose(0, 1)) / self.feature_scale

    @torch.no_grad()
    def render_clip(self, clip: StoryClip, duration: float, *, seed: int = 0, steps: int = 50,
                    guidance_scale: float = 4.0, cancel: CancelToken | None = None) -> np.ndarray:
        """(samples, 2) float32 at `sample_rate`, exactly `duration` seconds (≤ max_duration)."""
        if not 0 < duration <= self.max_duration + 1e-6:
            raise BackendError(f"AudioStory makes 0–{self.max_duration:.2f} s per clip, {duration:.2f} s was asked")
        cond_states = self.conditioning(clip)
        ones = torch.ones(cond_states.shape[:2])
        cond = Conditioning(cond_states, ones)  # every token counts in the pooled mean (pads too, §2.5)
        uncond = Conditioning(self.null_states.to(cond_states), ones)
        cfg = self.dit.config
        noise = randn((1, cfg.audio_seq_len, cfg.in_channels), seed, self.dit.device, torch.float32)
        hook = StepHook(cancel, steps, "sound")
        latents = self.dit.sample(cond, torch.tensor([float(duration)], device=self.dit.device), noise, steps=steps,
                                  guidance_scale=guidance_scale, uncond=uncond, on_step=hook)
        n = int(round(duration * self.sample_rate))
        audio = decode_latents(self.vae, latents, n)
        if audio.shape[0] < n:
            audio = np.concatenate([audio, np.zeros((n - audio.shape[0], audio.shape[1]), np.float32)])
        return audio

    def render_story(self, story: Story, *, seed: int = 0, steps: int = 50, guidance_scale: float = 4.0,
                     crossfade: float = CROSSFADE_S, cancel: CancelToken | None = None) -> np.ndarray:
        """The whole story as upstream does it: non-last clips +crossfade s, joined by linear crossfades."""
        out: np.ndarray | None = None
        sr = self.sample_rate
        for k, c in enumerate(story.clips):
            last = k == len(story.clips) - 1
            d = min(c.duration + (0.0 if last else crossfade), self.max_duration)
            a = self.render_clip(c, d, seed=seed, steps=steps, guidance_scale=guidance_scale, cancel=cancel)
            n = int(round(crossfade * sr))
            if out is None:
                out = a
            elif out.shape[0] >= n and a.shape[0] >= n:
                ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
                out = np.concatenate([out[:-n], out[-n:] * (1 - ramp) + a[:n] * ramp, a[n:]])
            else:
                out = np.concatenate([out, a])
        return out if out is not None else np.zeros((0, 2), np.float32)


def _materialise_buffers(model: nn.Module) -> None:
    """Modules built on the meta device keep their computed (non-persistent) buffers there; rebuild the rotary
    tables on CPU, and refuse anything else rather than run with missing data."""
    config = getattr(model, "config", None)
    for name, mod in list(model.named_modules()):
        if not any(b.is_meta for b in mod.buffers(recurse=False)):
            continue
        if hasattr(mod, "inv_freq") and config is not None:
            parent, _, attr = name.rpartition(".")
            setattr(model.get_submodule(parent) if parent else model, attr, type(mod)(config=config))
        else:
            raise BackendError(f"internal: buffer of {name} was not initialised when loading")
    left = [n for n, t in list(model.named_parameters()) + list(model.named_buffers()) if t.is_meta]
    if left:
        raise BackendError(f"weights never loaded: {left[:10]}")


def _mlp_from(sd: dict[str, torch.Tensor], prefix: str, problems: list[str]) -> nn.Sequential | None:
    """mlp2x_gelu with its sizes read from the weights (checked against model_dims and the DiT width later)."""
    need = ("0.weight", "0.bias", "2.weight", "2.bias")
    miss = [f"missing {prefix}{k}" for k in need if k not in sd]
    extra = [f"unexpected {prefix}{k}" for k in sd if k not in need]
    if miss or extra:
        problems += miss + extra
        return None
    hid, d_in = sd["0.weight"].shape
    d_out = sd["2.weight"].shape[0]
    head = _mlp2x(d_in, hid, d_out)
    bad = _check(head, sd, prefix)
    if bad:
        problems += bad
        return None
    head.load_state_dict(sd)
    return head


# ------------------------------------------------------------------------------------------------------------
# engine adapters: a Planner and a SoundModel sharing one loaded model and the story contexts

_MODELS: dict[tuple, AudioStory3B] = {}
_STORIES: dict[str, Story] = {}
_LOCK = threading.Lock()
_LINK = re.compile(r"audiostory:([0-9a-f]{12}):(\d+)")


def _linked(story: Story, k: int) -> str:
    return f"audiostory:{story.key}:{k}"


class _Shared(LazyModel):
    what = "AudioStory-3B"

    @property
    def cache_name(self) -> str:  # planner and sound share one resident model
        return f"AudioStory3B:{self.repo_id_or_path}"

    def _load(self, device, dtype):
        key = (self.repo_id_or_path, str(device), str(dtype))
        with _LOCK:
            if key not in _MODELS:
                _MODELS[key] = AudioStory3B.from_pretrained(self.repo_id_or_path, dtype=dtype)
            m = _MODELS[key]
        return m, m.modules()

    def run(self, fn):
        def on_device(model: AudioStory3B):
            model.to(self.device)
            return fn(model)
        return super().run(on_device)

    def _caps(self, kinds) -> Capabilities:
        m: AudioStory3B | None = self._model
        return Capabilities(name="audiostory", model_id=self.repo_id_or_path, kinds=kinds, languages=("en",),
                            max_duration=m.max_duration if m else 645 * 2048 / 44100,
                            sample_rate=m.sample_rate if m else 44100, channels=2, licence=LICENCE)


class AudioStoryPlanner(_Shared):
    """Planner: the model's reasoning, per-clip captions and durations become foreground sound segments."""

    def __init__(self, repo_id_or_path: str = DEFAULT_REPO, *, max_new_tokens: int = 1600, lead: str = DEFAULT_LEAD,
                 default_duration: float = 60.0, device: str | None = None, dtype: str | None = None,
                 allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.max_new_tokens = int(max_new_tokens)
        self.lead = lead
        self.default_duration = float(default_duration)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps(("sound",))

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None, seed: int = 0):
        from engine.plan import Plan, Segment

        if not instruction.strip():
            raise ValueError("the instruction is empty; describe the story to plan")
        if language not in (None, "en"):
            raise BackendError("AudioStory-3B plans English instructions only; use the studio profile for Chinese")
        total = float(duration or _duration_in(instruction) or self.default_duration)
        caption = re.sub(r"\s*The total duration is [0-9.]+ seconds\.?", "", instruction).strip()
        if caption and caption[0].isupper() and self.lead:
            caption = caption[0].lower() + caption[1:]  # the training captions continue the lead phrase
        if caption and not caption.endswith("."):
            caption += "."
        story = self.run(lambda m: m.plan_story(caption, total, lead=self.lead, max_new_tokens=self.max_new_tokens))
        if not story.clips:
            raise BackendError("AudioStory-3B wrote no complete clip: " + "; ".join(story.warnings))
        with _LOCK:
            _STORIES[story.key] = story
        segments = [Segment(id=f"as{k + 1:02d}", kind="sound", duration=max(0.1, min(c.duration, 30 * 60)),
                            caption=c.caption[:500] or f"clip {k + 1}", instruction=_linked(story, k))
                    for k, c in enumerate(story.clips)]
        notes = ([f"AudioStory reasoning: {story.reasoning}"] if story.reasoning else []) + story.warnings
        return Plan(title=caption[:60].rstrip(".") or "AudioStory", instruction=instruction, language="en",
                    target_duration=max(0.1, sum(s.duration for s in segments)), sample_rate=44100,
                    seed=int(seed), segments=segments, notes=notes)


class AudioStorySound(_Shared):
    """SoundModel: renders a planned clip from its stored LLM states; after a caption edit (or for a clip this
    process never planned) the LLM is re-run for that clip with the caption forced into the prefix."""

    def __init__(self, repo_id_or_path: str = DEFAULT_REPO, *, steps: int = 50, guidance_scale: float = 4.0,
                 device: str | None = None, dtype: str | None = None, allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.steps = int(steps)
        self.guidance_scale = float(guidance_scale)

    @property
    def capabilities(self) -> Capabilities:
        return self._caps(("sound",))

    @staticmethod
    def _story(model: AudioStory3B, key: str, request: ClipRequest, cancel) -> Story | None:
        """The story a clip belongs to: in memory, else restored from the project's contexts/ folder. A story
        planned in this process is saved there the first time one of its clips is rendered for a project."""
        path = Path(request.project_dir) / "contexts" / f"{key}.json" if request.project_dir else None
        story = _STORIES.get(key)
        if story is None and path is not None and path.is_file():
            saved = json.loads(path.read_text(encoding="utf-8"))
            story = model.restore_story(saved["instruction"], saved["total"], saved["prompt_ids"], saved["gen_ids"],
                                        cancel=cancel)
            if story.key != key:
                raise BackendError(f"{path} does not hold the story it is named after; delete it and plan again")
            with _LOCK:
                _STORIES[key] = story
        if story is not None and path is not None and not path.is_file():
            from engine.project import atomic_write

            atomic_write(path, json.dumps({"instruction": story.instruction, "total": story.total,
                                           "prompt_ids": story.prompt_ids, "gen_ids": story.gen_ids}).encode())
        return story

    def _clip_for(self, model: AudioStory3B, request: ClipRequest, cancel) -> tuple[StoryClip, list[str], str]:
        caption = " ".join(request.caption.split())
        m = _LINK.search(request.instruction or "")
        story = self._story(model, m.group(1), request, cancel) if m else None
        if story is not None and int(m.group(2)) < len(story.clips):
            k = int(m.group(2))
            clip = story.clips[k]
            if " ".join(clip.caption.split()) == caption:
                return clip, [], "planned"
            cached = story.edits.get((k, caption))
            if cached is None:
                cached = model.regenerate_clip(story, k, caption, cancel=cancel)
                story.edits[(k, caption)] = cached
            return cached, [], "re-planned for the edited caption"
        if not caption:
            raise BackendError("an AudioStory clip needs a caption")
        # no story (a project without its contexts/ file, or no project): this caption alone, as a one-clip story
        d = min(max(request.duration, 0.1), model.max_duration)
        prompt = model.prompt_ids(model.instruction_text(caption if caption.endswith(".") else caption + ".", d))
        alone = Story("", d, prompt, [], "", [StoryClip(caption, d, torch.zeros(0), torch.zeros(0), 0)])
        clip = model.regenerate_clip(alone, 0, caption, d, cancel=cancel)
        return clip, ["no story context for this clip (its project has no saved context): planned on its own, "
                      "so it may fit its neighbours less well"], "planned alone"

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if request.duration <= 0:
            raise BackendError("a sound clip needs a duration in seconds")

        def work(model: AudioStory3B):
            clip, warnings, source = self._clip_for(model, request, cancel)
            d = min(request.duration, model.max_duration)
            if request.duration > model.max_duration + 1e-6:
                warnings.append(f"AudioStory makes at most {model.max_duration:.1f} s per clip")
            audio = model.render_clip(clip, d, seed=request.seed, steps=self.steps,
                                      guidance_scale=self.guidance_scale, cancel=cancel)
            return audio, warnings, source, model.sample_rate

        audio, warnings, source, sr = self.run(work)
        audio, gain = fit_peak(audio)
        return Clip(audio, sr, warnings, {"steps": self.steps, "guidance_scale": self.guidance_scale,
                                          "tokens": source, "peak_gain": round(gain, 4)})


def _duration_in(text: str) -> float | None:
    m = re.search(r"total duration is ([0-9]+(?:\.[0-9]+)?) seconds", text)
    return float(m.group(1)) if m else None
