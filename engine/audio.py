"""Audio I/O: read, write, resample, encode, and captions (SRT/VTT).

soundfile (libsndfile ≥ 1.1) writes WAV, FLAC, OGG/Vorbis and MP3, so one library covers every export
format; soxr does the resampling (a real band-limited resampler, never sample dropping).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .plan import Plan

from .timing import Timeline

FORMATS = {
    "wav": ("WAV", "PCM_24"),
    "flac": ("FLAC", "PCM_24"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "ogg": ("OGG", "VORBIS"),
}


_PAUSE = re.compile(r"\[\s*(pause|停顿)[^\]]*\]", re.I)


class AudioFileError(ValueError):
    """An audio file could not be read (missing, corrupt, or not audio)."""


def resample(audio: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    audio = np.asarray(audio, dtype=np.float32)
    if sr_in == sr_out or audio.shape[0] == 0:
        return audio
    return soxr.resample(audio, sr_in, sr_out, quality="HQ").astype(np.float32, copy=False)


def fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    """Exactly n samples: trim, or pad with silence (after resampling rounding)."""
    if audio.shape[0] >= n:
        return audio[:n]
    pad = [(0, n - audio.shape[0])] + [(0, 0)] * (audio.ndim - 1)
    return np.pad(audio, pad)


def read(path: str | Path) -> tuple[np.ndarray, int]:
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, OSError) as e:
        raise AudioFileError(f"cannot read audio file {Path(path).name}: {e}") from None
    if data.size and not np.isfinite(data).all():
        raise AudioFileError(f"audio file {Path(path).name} holds invalid samples")
    return data, sr


def encode(audio: np.ndarray, sr: int, fmt: str) -> bytes:
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown audio format {fmt!r}; choose one of {', '.join(FORMATS)}")
    container, subtype = FORMATS[fmt]
    if fmt == "mp3" and sr not in (32000, 44100, 48000):  # MPEG-1 layer III rates
        audio, sr = resample(audio, sr, 44100), 44100
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), sr, format=container, subtype=subtype)
    return buf.getvalue()


def write(path: str | Path, audio: np.ndarray, sr: int, fmt: str | None = None) -> Path:
    path = Path(path)
    data = encode(audio, sr, fmt or path.suffix.lstrip(".") or "wav")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def stems_zip(stems: dict[str, np.ndarray], sr: int, fmt: str = "wav") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, audio in stems.items():
            z.writestr(f"{name}.{fmt}", encode(audio, sr, fmt))
    return buf.getvalue()


# --- captions ------------------------------------------------------------------------------------------
def caption_cues(plan: Plan, timeline: Timeline) -> list[tuple[float, float, str]]:
    """Speech lines as spoken text ("NAME: line"), sound and music as bracketed cues ("[thunder rolls]")."""
    cues = []
    for p in timeline.placements:
        seg = plan.segment(p.segment_id)
        if seg.kind == "speech":
            text = _strip_markup(seg.text)
            if seg.character and seg.character.lower() not in ("narrator", "旁白"):
                text = f"{seg.character}: {text}"
        else:
            if p.track == "background" and seg.kind == "sound" and not seg.caption:
                continue
            text = f"[{seg.caption.strip() or seg.kind}]"
        if text.strip():
            cues.append((p.start, p.end, text))
    return sorted(cues, key=lambda c: (c[0], c[1]))


def _strip_markup(text: str) -> str:
    """Pause markers are directions for the voice, not words to caption."""
    return " ".join(_PAUSE.sub(" ", text).split())


def _stamp(t: float, sep: str) -> str:
    ms = int(round(max(t, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt(plan: Plan, timeline: Timeline) -> str:
    out = []
    for i, (a, b, text) in enumerate(caption_cues(plan, timeline), 1):
        out.append(f"{i}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{text}\n")
    return "\n".join(out)


def vtt(plan: Plan, timeline: Timeline) -> str:
    out = ["WEBVTT", ""]
    for a, b, text in caption_cues(plan, timeline):
        out.append(f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{text}\n")
    return "\n".join(out)
