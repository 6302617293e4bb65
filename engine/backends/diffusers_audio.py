"""Optional sound adapters on stock diffusers text-to-audio pipelines (swap them in through the profile's
"backends" setting, e.g. {"sound": "engine.backends.diffusers_audio:StableAudioOpenSound"}).

- `StableAudioOpenSound`  — stabilityai/stable-audio-open-1.0 (gated; Stability AI Community License), 44.1 kHz
  stereo, ≤ 47 s. Its shipped CosineDPMSolver scheduler needs `torchsde`; without it the EDM DPM-Solver with the
  same sigma settings is used.
- `StableAudio3Sound`     — Stable Audio 3 (gated; Stability licence + Gemma terms), diffusers-format weights only
  (the official ones must be converted locally), 44.1 kHz stereo, distilled 8 steps without CFG.
- `AudioLDM2Sound`        — cvssp/audioldm2 (CC-BY-NC-SA-4.0), 16 kHz mono, slow (200 steps).
Each is a thin shell: load by repo id or folder, map caption/duration/seed, report steps, stop on cancel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .base import BackendError, CancelToken, Capabilities, ClipRequest, Clip
from .text_to_audio import fit_peak, sound_prompt
from .steps import StepHook
from .torch_runtime import LazyModel, cpu_generator, local_snapshot

NEGATIVE_PROMPT = "low quality, distorted, noise"


class DiffusersSound(LazyModel):
    pipeline_class = ""
    default_repo = ""
    name = ""
    licence = ""
    gated = False
    max_seconds = 30.0
    default_sample_rate = 44100
    channels = 2

    def __init__(self, repo_id_or_path: str | None = None, *, steps: int | None = None,
                 guidance_scale: float | None = None, device: str | None = None, dtype: str | None = None,
                 allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path or self.default_repo, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.steps = int(steps or self.default_steps)
        self.guidance_scale = float(self.default_guidance if guidance_scale is None else guidance_scale)

    default_steps = 50
    default_guidance = 7.0

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"{self.pipeline_class} ({self.repo_id_or_path})"

    def _pipeline_kwargs(self, root, dtype) -> dict[str, Any]:
        return {}

    def _load(self, device, dtype):
        import diffusers

        root = local_snapshot(self.repo_id_or_path, what=self.what, gated=self.gated)
        cls = getattr(diffusers, self.pipeline_class)
        try:
            pipe = cls.from_pretrained(root, dtype=dtype, **self._pipeline_kwargs(root, dtype))
        except ImportError as e:
            raise BackendError(f"{self.what} needs a package that is not installed: {e}") from None
        except (OSError, ValueError, KeyError) as e:
            raise BackendError(f"{self.what}: {root} is not a diffusers {self.pipeline_class} checkpoint ({e})") from None
        pipe.set_progress_bar_config(disable=True)
        return pipe, [m for m in pipe.components.values() if isinstance(m, torch.nn.Module)]

    @property
    def capabilities(self) -> Capabilities:
        pipe = self._model
        sr = self._sample_rate(pipe) if pipe is not None else self.default_sample_rate
        return Capabilities(name=self.name, model_id=self.repo_id_or_path, kinds=("sound",), languages=("en",),
                            max_duration=self.max_seconds, sample_rate=sr, channels=self.channels,
                            controls=("source", "intensity", "distance", "environment"), licence=self.licence)

    def _sample_rate(self, pipe) -> int:
        return int(pipe.vae.config.sampling_rate)

    def _call(self, pipe, prompt: str, duration: float, generator: torch.Generator, hook: StepHook) -> np.ndarray:
        raise NotImplementedError

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if not 0 < request.duration <= self.max_seconds:
            raise BackendError(f"{self.name} makes 0–{self.max_seconds:g} s per call, {request.duration:g} s was asked")
        prompt = sound_prompt(request.caption or request.instruction, request.attributes or {})
        if not prompt:
            raise BackendError("a sound clip needs a caption describing what it sounds like")
        hook = StepHook(cancel, self.steps, "sound")
        audio, sr = self.run(lambda pipe: (self._call(pipe, prompt, request.duration, cpu_generator(request.seed), hook),
                                           self._sample_rate(pipe)))
        audio = np.asarray(audio, dtype=np.float32)
        n = int(round(request.duration * sr))
        audio = audio[:n]
        if audio.shape[0] < n:
            pad = np.zeros((n - audio.shape[0],) + audio.shape[1:], np.float32)
            audio = np.concatenate([audio, pad])
        audio, gain = fit_peak(audio)
        return Clip(audio, sr, parameters={"prompt": prompt, "steps": self.steps, "guidance_scale": self.guidance_scale,
                                           "peak_gain": round(gain, 4)})


def _legacy_callback(hook: StepHook):
    return lambda step, timestep, latents: hook(step)


def _step_end(hook: StepHook):
    def fn(pipe, step, timestep, tensors):
        hook(step)
        return tensors
    return fn


class StableAudioOpenSound(DiffusersSound):
    pipeline_class = "StableAudioPipeline"
    default_repo = "stabilityai/stable-audio-open-1.0"
    name = "stable-audio-open"
    licence = "Stability AI Community License (gated; free below USD 1 M annual revenue)"
    gated = True
    max_seconds = 47.0
    default_steps = 100
    default_guidance = 7.0

    def _load(self, device, dtype):
        try:
            import torchsde  # noqa: F401

            return super()._load(device, dtype)
        except ImportError:
            pass
        # Without torchsde the shipped CosineDPMSolver cannot be built, and diffusers refuses a substitute for a
        # class it cannot import, so the pipeline is assembled from its folders with the EDM DPM-Solver (same
        # sigma range and v-prediction, no SDE noise).
        from diffusers import (AutoencoderOobleck, EDMDPMSolverMultistepScheduler, StableAudioDiTModel,
                               StableAudioPipeline, StableAudioProjectionModel)
        from transformers import AutoTokenizer, T5EncoderModel

        root = local_snapshot(self.repo_id_or_path, what=self.what, gated=self.gated)
        try:
            pipe = StableAudioPipeline(
                vae=AutoencoderOobleck.from_pretrained(root, subfolder="vae", dtype=dtype),
                text_encoder=T5EncoderModel.from_pretrained(root, subfolder="text_encoder", dtype=dtype),
                tokenizer=AutoTokenizer.from_pretrained(root, subfolder="tokenizer"),
                projection_model=StableAudioProjectionModel.from_pretrained(root, subfolder="projection_model",
                                                                            dtype=dtype),
                transformer=StableAudioDiTModel.from_pretrained(root, subfolder="transformer", dtype=dtype),
                scheduler=EDMDPMSolverMultistepScheduler.from_config(
                    EDMDPMSolverMultistepScheduler.load_config(root, subfolder="scheduler")))
        except (OSError, ValueError, KeyError) as e:
            raise BackendError(f"{self.what}: {root} is not a diffusers StableAudioPipeline checkpoint ({e})") from None
        pipe.set_progress_bar_config(disable=True)
        return pipe, [m for m in pipe.components.values() if isinstance(m, torch.nn.Module)]

    def _call(self, pipe, prompt, duration, generator, hook):
        out = pipe(prompt, negative_prompt=NEGATIVE_PROMPT, audio_end_in_s=float(duration),
                   num_inference_steps=self.steps, guidance_scale=self.guidance_scale, generator=generator,
                   callback=_legacy_callback(hook), output_type="pt")
        return out.audios[0].float().cpu().numpy().T


class StableAudio3Sound(DiffusersSound):
    pipeline_class = "StableAudio3Pipeline"
    default_repo = "stabilityai/stable-audio-3-medium"
    name = "stable-audio-3"
    licence = "Stability AI Community License + Gemma terms (gated; convert to diffusers format first)"
    gated = True
    max_seconds = 120.0
    default_steps = 8
    default_guidance = 1.0

    def _call(self, pipe, prompt, duration, generator, hook):
        out = pipe(prompt, duration=float(duration), num_inference_steps=self.steps,
                   guidance_scale=self.guidance_scale, generator=generator, callback_on_step_end=_step_end(hook),
                   output_type="pt")
        return out.audios[0].float().cpu().numpy().T


class AudioLDM2Sound(DiffusersSound):
    pipeline_class = "AudioLDM2Pipeline"
    default_repo = "cvssp/audioldm2"
    name = "audioldm2"
    licence = "AudioLDM 2: CC-BY-NC-SA-4.0 (non-commercial)"
    max_seconds = 30.0
    default_sample_rate = 16000
    channels = 1
    default_steps = 200
    default_guidance = 3.5

    def _pipeline_kwargs(self, root, dtype) -> dict[str, Any]:
        # repos listing GPT2Model break generation under transformers 5; the LM-head class loads the same weights
        from transformers import GPT2LMHeadModel

        return {"language_model": GPT2LMHeadModel.from_pretrained(root, subfolder="language_model", dtype=dtype)}

    def _sample_rate(self, pipe) -> int:
        return int(pipe.vocoder.config.sampling_rate)

    def _call(self, pipe, prompt, duration, generator, hook):
        out = pipe(prompt, negative_prompt=NEGATIVE_PROMPT, audio_length_in_s=float(duration),
                   num_inference_steps=self.steps, guidance_scale=self.guidance_scale, generator=generator,
                   callback=_legacy_callback(hook), output_type="np")
        return np.asarray(out.audios[0], dtype=np.float32)
