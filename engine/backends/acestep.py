"""ACE-Step 1.5 music (the studio profile's music model) through diffusers' `AceStepPipeline`.

The instruction vocabulary maps onto ACE-Step's real inputs:
- caption (the "# Caption" of its prompt): genre, mood, instruments, energy and brightness words, the singer
  ("female vocals" / "instrumental"), then the segment's own caption;
- metadata: `bpm` ← tempo_bpm, `keyscale` ← key + mode ("D minor"), duration ← the request;
- lyrics ← request.text (sections such as [verse] kept; plain text becomes one [verse]); no text = an
  instrumental bed; `vocal_language` ← the plan language.
Turbo checkpoints (the default) are guidance-distilled: 8 steps, no CFG. Progress and cancellation are
checked after every denoising step through the pipeline's step callback.

Public API: `AceStepMusic(repo_id_or_path, steps, guidance_scale, shift, max_duration, ...)`,
`music_inputs(request) -> dict` (the pipeline keyword arguments a request becomes).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import torch

from .base import BackendError, CancelToken, Capabilities, ClipRequest, Clip
from .text_to_audio import fit_peak
from .steps import StepHook
from .torch_runtime import LazyModel, cpu_generator, local_snapshot

DEFAULT_REPO = "ACE-Step/acestep-v15-xl-turbo-diffusers"
LICENCE = "ACE-Step 1.5: Apache-2.0 per the diffusers checkpoint card (upstream code MIT); text encoder Qwen3-Embedding-0.6B Apache-2.0"
DEFAULT_MAX_DURATION = 120.0  # per call; longer beds are chunked by the renderer (ACE-Step itself goes to minutes)
_SECTION = re.compile(r"^\s*\[[^\]]+\]", re.M)


def _energy_words(energy: float | None) -> list[str]:
    if energy is None:
        return []
    e = float(energy)
    return ["energetic, driving"] if e >= 0.7 else ["gentle, sparse"] if e <= 0.3 else []


def _brightness_words(brightness: float | None) -> list[str]:
    if brightness is None:
        return []
    b = float(brightness)
    return ["bright, airy"] if b >= 0.7 else ["dark, warm"] if b <= 0.3 else []


def keyscale(attrs: dict) -> str | None:
    key = attrs.get("key")
    if not key:
        return None
    return f"{key} {attrs.get('mode') or 'major'}"


def lyrics_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    return text if _SECTION.search(text) else f"[verse]\n{text}"


def music_inputs(request: ClipRequest) -> tuple[dict[str, Any], list[str]]:
    """ClipRequest → AceStepPipeline keyword arguments, plus warnings about what could not be honoured."""
    a = dict(request.attributes or {})
    warnings: list[str] = []
    parts: list[str] = []
    if a.get("mood"):
        parts.append(str(a["mood"]))
    if a.get("genre"):
        parts.append(str(a["genre"]))
    instruments = [str(i) for i in (a.get("instruments") or [])]
    if instruments:
        parts.append("with " + ", ".join(instruments))
    parts += _energy_words(a.get("energy")) + _brightness_words(a.get("brightness"))
    lyrics = lyrics_text(request.text)
    vocals = a.get("vocals")
    if vocals in ("male", "female"):
        if lyrics:
            parts.append(f"{vocals} vocals")
        else:
            warnings.append(f"{vocals} vocals were asked for but the segment has no lyrics; rendered instrumental")
            parts.append("instrumental")
    elif vocals == "none" or not lyrics:
        parts.append("instrumental")
        if vocals == "none" and lyrics:
            warnings.append("the instruction says no vocals, so the lyrics were not sung")
            lyrics = ""
    caption = " ".join((request.caption or "").split()).strip(" .")
    prompt = ", ".join([p for p in parts if p] + ([caption] if caption else []))
    if not prompt:
        prompt = "instrumental background music"
    bpm = a.get("tempo_bpm")
    if bpm is not None:
        bpm = int(round(float(bpm)))
        if not 30 <= bpm <= 300:
            warnings.append(f"tempo {bpm} BPM is outside 30–300; left to the model")
            bpm = None
    return {
        "prompt": prompt, "lyrics": lyrics, "bpm": bpm, "keyscale": keyscale(a),
        "vocal_language": request.language or "en", "audio_duration": float(request.duration),
    }, warnings


class AceStepMusic(LazyModel):
    """MusicModel: instruction (genre, instruments, tempo, mood, key) + duration (+ lyrics) → 48 kHz stereo."""

    what = "ACE-Step (music)"

    def __init__(self, repo_id_or_path: str = DEFAULT_REPO, *, steps: int = 8, guidance_scale: float = 7.0,
                 shift: float = 3.0, max_duration: float = DEFAULT_MAX_DURATION, device: str | None = None,
                 dtype: str | None = None, allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.steps = int(steps)
        self.guidance_scale = float(guidance_scale)  # used by base/sft checkpoints; turbo ignores CFG
        self.shift = float(shift)
        self.max_duration = float(max_duration)

    def _load(self, device, dtype):
        from diffusers import AceStepPipeline

        root = local_snapshot(self.repo_id_or_path, what=self.what)
        try:
            pipe = AceStepPipeline.from_pretrained(root, dtype=dtype)
        except (OSError, ValueError, KeyError) as e:
            raise BackendError(f"{self.what}: {root} is not a diffusers ACE-Step checkpoint ({e})") from None
        pipe.set_progress_bar_config(disable=True)
        modules = [getattr(pipe, n, None) for n in ("transformer", "condition_encoder", "text_encoder", "vae",
                                                    "audio_tokenizer", "audio_token_detokenizer")]
        return pipe, [m for m in modules if isinstance(m, torch.nn.Module)]

    @property
    def capabilities(self) -> Capabilities:
        pipe = self._model
        return Capabilities(
            name="ace-step", model_id=self.repo_id_or_path, kinds=("music",), languages=("en", "zh"),
            max_duration=self.max_duration, sample_rate=int(pipe.sample_rate) if pipe else 48000, channels=2,
            controls=("genre", "instruments", "tempo_bpm", "mood", "key", "mode", "energy", "brightness", "vocals"),
            licence=LICENCE)

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if request.duration <= 0:
            raise BackendError("a music clip needs a duration in seconds")
        if request.duration > self.max_duration + 1e-6:
            raise BackendError(f"ACE-Step is set to at most {self.max_duration:g} s per call; "
                               f"{request.duration:g} s was asked")
        kwargs, warnings = music_inputs(request)
        hook = StepHook(cancel, self.steps, "music")

        def step_end(pipe, i, t, tensors):
            hook(i)
            return tensors

        def call(pipe):
            out = pipe(**kwargs, num_inference_steps=self.steps,
                       guidance_scale=1.0 if pipe.is_turbo else self.guidance_scale,
                       shift=self.shift, generator=cpu_generator(request.seed), output_type="pt",
                       callback_on_step_end=step_end)
            return out.audios[0].float().cpu().numpy().T, int(pipe.sample_rate), bool(pipe.is_turbo)

        audio, sr, turbo = self.run(call)
        n = int(round(request.duration * sr))
        audio = np.ascontiguousarray(audio[:n], dtype=np.float32)
        if audio.shape[0] < n:
            audio = np.concatenate([audio, np.zeros((n - audio.shape[0], audio.shape[1]), np.float32)])
        audio, gain = fit_peak(audio)
        return Clip(audio, sr, warnings, parameters={
            **{k: v for k, v in kwargs.items() if v not in (None, "")}, "steps": self.steps, "shift": self.shift,
            "guidance_scale": 1.0 if turbo else self.guidance_scale, "turbo": turbo, "peak_gain": round(gain, 4)})
