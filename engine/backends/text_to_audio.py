"""What the text-to-audio backends (TangoFlux, the diffusers sound pipelines, ACE-Step, AudioStory) share: the
prompt a sound request becomes, and the peak fit of what a model returns.

numpy only: importing it costs nothing, and neither function depends on which model ran.
"""

from __future__ import annotations

import numpy as np

from .base import BackendError

PEAK_CEILING = 0.95

_INTENSITY = ((0.75, "loud, intense"), (0.35, ""), (0.0, "soft, quiet"))
_DISTANCE = {"close": "close up", "near": "nearby", "medium": "", "far": "far away", "distant": "in the distance"}


def sound_prompt(caption: str, attributes: dict) -> str:
    """The caption plus what the attributes add that the caption does not already say."""
    caption = " ".join(caption.split()).strip(" .")
    words: list[str] = []
    if not caption and attributes.get("source"):
        caption = str(attributes["source"])
    intensity = attributes.get("intensity")
    if intensity is not None:
        words.append(next(w for lo, w in _INTENSITY if float(intensity) >= lo))
    if attributes.get("distance"):
        words.append(_DISTANCE.get(str(attributes["distance"]), str(attributes["distance"])))
    env = attributes.get("environment")
    if env:
        words.append(env if " " in str(env) or str(env).endswith(("doors", "side")) else f"in a {env}")
    extra = [w for w in words if w and w.lower() not in caption.lower()]
    return ", ".join([caption] + extra) if caption else ", ".join(extra)


def fit_peak(audio: np.ndarray, ceiling: float = PEAK_CEILING) -> tuple[np.ndarray, float]:
    """Scale down only when the model overshoots, so takes never clip; returns (audio, gain)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if not np.isfinite(peak):
        raise BackendError("the model produced invalid samples (NaN/inf); try another seed or fp32")
    if peak <= ceiling:
        return audio, 1.0
    g = ceiling / peak
    return (audio * g).astype(np.float32), g
