"""Duration-conditioned audio DiT (the TangoFlux design, reused by the AudioStory-3B backend).

A Flux MMDiT (diffusers `FluxTransformer2DModel`, patch 1) denoises a sequence of audio-VAE latent frames by
rectified flow. It is conditioned on
- a token sequence (Flan-T5 states for TangoFlux, fused LLM features for AudioStory) followed by one duration
  token (random-Fourier features of the seconds, clamped to [0, max_duration] and normalised), and
- the pooled sequence (mean over the valid tokens, the duration token excluded) through `fc` (Linear + ReLU),
  summed with the timestep embedding inside Flux.
Classifier-free guidance runs the unconditional and conditional rows as one batch of 2. Sampling is Euler over
sigmas 1 → 1/steps (then 0) with diffusers' `FlowMatchEulerDiscreteScheduler`; the model predicts velocity.

Module and parameter names (`fc`, `duration_emebdder` — the upstream spelling —, `transformer`) follow the
released checkpoints, so their state dicts load without renaming. Public API:
`DiTConfig`, `DurationEmbedder`, `AudioFluxDiT` (`conditioning`, `sample`), `decode_latents`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch
from torch import nn

LATENT_CHANNELS = 64  # Oobleck VAE latent width of the released checkpoints


@dataclass
class DiTConfig:
    num_layers: int = 6  # double-stream (MMDiT) blocks
    num_single_layers: int = 18
    in_channels: int = LATENT_CHANNELS
    attention_head_dim: int = 128
    num_attention_heads: int = 8
    joint_attention_dim: int = 1024  # width of the conditioning tokens (= T5-large d_model)
    audio_seq_len: int = 645  # latent frames per call: 645 × 2048 / 44100 ≈ 29.95 s
    max_duration: float = 30.0
    axes_dims_rope: tuple[int, int, int] = (16, 56, 56)  # must sum to attention_head_dim

    @classmethod
    def from_dict(cls, d: dict) -> "DiTConfig":
        """Reads the upstream config.json (extra keys such as text_encoder_name are ignored)."""
        known = {f.name for f in fields(cls)}
        cfg = cls(**{k: v for k, v in d.items() if k in known})
        cfg.axes_dims_rope = tuple(int(x) for x in cfg.axes_dims_rope)  # type: ignore[assignment]
        if sum(cfg.axes_dims_rope) != cfg.attention_head_dim:
            raise ValueError(f"axes_dims_rope {cfg.axes_dims_rope} must sum to attention_head_dim "
                             f"{cfg.attention_head_dim}")
        return cfg

    def to_dict(self) -> dict:
        d = asdict(self)
        d["axes_dims_rope"] = list(self.axes_dims_rope)
        return d


class FourierSeconds(nn.Module):
    """[t, sin(2π t w), cos(2π t w)] with learned frequencies w (Stable Audio's continuous-time feature)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError("FourierSeconds needs an even dimension")
        self.weights = nn.Parameter(torch.randn(dim // 2))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        angles = t[..., None] * self.weights * (2 * math.pi)
        return torch.cat([t[..., None], angles.sin(), angles.cos()], dim=-1)


class DurationEmbedder(nn.Module):
    """Seconds → one conditioning token of width `out_dim`; seconds are clamped to [min, max] then scaled to [0, 1]."""

    def __init__(self, out_dim: int, max_value: float, min_value: float = 0.0, internal_dim: int = 256) -> None:
        super().__init__()
        self.time_positional_embedding = nn.Sequential(FourierSeconds(internal_dim), nn.Linear(internal_dim + 1, out_dim))
        self.min_value = float(min_value)
        self.max_value = float(max_value)
        self.out_dim = out_dim

    def forward(self, seconds: torch.Tensor) -> torch.Tensor:
        x = (seconds.float().clamp(self.min_value, self.max_value) - self.min_value) / (self.max_value - self.min_value)
        x = x.to(self.time_positional_embedding[1].weight.dtype)
        return self.time_positional_embedding(x).view(-1, 1, self.out_dim)


@dataclass
class Conditioning:
    """Token states (B, N, D) and the mask of valid tokens (B, N) used for pooling."""

    states: torch.Tensor
    mask: torch.Tensor


class AudioFluxDiT(nn.Module):
    def __init__(self, config: DiTConfig, cond_dim: int | None = None) -> None:
        super().__init__()
        from diffusers import FluxTransformer2DModel

        cond_dim = cond_dim or config.joint_attention_dim
        if cond_dim != config.joint_attention_dim:
            # the duration token is appended to the conditioning tokens, so both must share one width
            raise ValueError(f"conditioning width {cond_dim} must equal joint_attention_dim {config.joint_attention_dim}")
        self.config = config
        self.fc = nn.Sequential(nn.Linear(cond_dim, config.joint_attention_dim), nn.ReLU())
        self.duration_emebdder = DurationEmbedder(cond_dim, config.max_duration)
        self.transformer = FluxTransformer2DModel(
            patch_size=1, in_channels=config.in_channels, num_layers=config.num_layers,
            num_single_layers=config.num_single_layers, attention_head_dim=config.attention_head_dim,
            num_attention_heads=config.num_attention_heads, joint_attention_dim=config.joint_attention_dim,
            pooled_projection_dim=cond_dim, guidance_embeds=False, axes_dims_rope=config.axes_dims_rope,
        )

    @property
    def dtype(self) -> torch.dtype:
        return self.fc[0].weight.dtype

    @property
    def device(self) -> torch.device:
        return self.fc[0].weight.device

    def conditioning(self, cond: Conditioning, seconds: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(context tokens with the duration token appended, pooled projection)."""
        states = cond.states.to(self.device, self.dtype)
        mask = cond.mask.to(self.device, torch.float32)[..., None]
        pooled = (states.float() * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        pooled = self.fc(pooled.to(self.dtype))
        duration = self.duration_emebdder(seconds.to(self.device)).to(self.dtype)
        if duration.shape[0] != states.shape[0]:
            duration = duration.expand(states.shape[0], -1, -1)
        return torch.cat([states, duration], dim=1), pooled

    def velocity(self, latents: torch.Tensor, sigma: torch.Tensor, context: torch.Tensor,
                 pooled: torch.Tensor) -> torch.Tensor:
        n, t = latents.shape[1], context.shape[1]
        frame_ids = torch.arange(n, device=self.device, dtype=self.dtype)[:, None].expand(n, 3)
        text_ids = torch.zeros(t, 3, device=self.device, dtype=self.dtype)
        return self.transformer(
            hidden_states=latents.to(self.dtype), encoder_hidden_states=context, pooled_projections=pooled,
            timestep=sigma.to(self.dtype).expand(latents.shape[0]), img_ids=frame_ids, txt_ids=text_ids,
            guidance=None, return_dict=False,
        )[0]

    @torch.no_grad()
    def sample(self, cond: Conditioning, seconds: torch.Tensor, noise: torch.Tensor, *, steps: int,
               guidance_scale: float = 1.0, uncond: Conditioning | None = None,
               on_step: Callable[[int], None] | None = None) -> torch.Tensor:
        """Rectified-flow Euler sampling from `noise` (B, frames, channels) → clean latents (float32).

        With guidance_scale > 1 the unconditional rows (same token count as `cond`) run in the same batch.
        """
        from diffusers import FlowMatchEulerDiscreteScheduler

        if steps < 1:
            raise ValueError("steps must be at least 1")
        guided = guidance_scale > 1.0 and uncond is not None
        if guided:
            if uncond.states.shape[1] != cond.states.shape[1]:
                raise ValueError("conditional and unconditional token sequences must have the same length")
            both = Conditioning(torch.cat([uncond.states, cond.states]), torch.cat([uncond.mask, cond.mask]))
            context, pooled = self.conditioning(both, torch.cat([seconds, seconds]))
        else:
            context, pooled = self.conditioning(cond, seconds)
        scheduler = FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=1.0)
        scheduler.set_timesteps(sigmas=np.linspace(1.0, 1.0 / steps, steps).tolist(), device=self.device)
        latents = noise.to(self.device, torch.float32)
        for i, t in enumerate(scheduler.timesteps):
            model_in = torch.cat([latents, latents]) if guided else latents
            v = self.velocity(model_in, (t / 1000.0).reshape(1), context, pooled).float()
            if guided:
                v_uncond, v_cond = v.chunk(2)
                v = v_uncond + guidance_scale * (v_cond - v_uncond)
            latents = scheduler.step(v, t, latents).prev_sample.float()
            if on_step is not None:
                on_step(i)
        return latents


@torch.no_grad()
def decode_latents(vae, latents: torch.Tensor, n_samples: int) -> np.ndarray:
    """Oobleck VAE: latents (1, frames, channels) → float32 audio (samples, audio channels), cut to n_samples."""
    z = latents.transpose(1, 2).to(vae.device, vae.dtype)
    wave = vae.decode(z).sample[0].float().cpu().numpy()  # (channels, samples)
    return np.ascontiguousarray(wave[:, :n_samples].T, dtype=np.float32)
