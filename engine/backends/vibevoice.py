"""VibeVoice speech (the studio profile's InstructAudio speech role), via transformers.

VibeVoice (microsoft, MIT; `vibevoice/VibeVoice-1.5B-hf`) is a Qwen2.5 LM with a diffusion head over 7.5 Hz
acoustic latents: English and Chinese, up to 4 speakers, long form, 24 kHz mono. It takes no voice description;
its real controls are the *voice prompt* (a reference clip per speaker, cloned), the script text, the CFG
scale and the diffusion steps. Why it was chosen over Dia/CSM/Pocket TTS: README_speech_choice.md.

How the instruction vocabulary reaches it:
- gender, age and pace pick the voice: **voice design** speaks a fixed design sentence with N seeds and no
  voice prompt (each seed is a different random speaker), measures every candidate (median F0 with Praat,
  speaking rate), and ranks them against the targets of the instruction (F0 per gender/age, rate per pace).
  The best one is kept; the user can audition all of them (`design_voice`) and pick another (`lock_voice`);
- **voice lock**: a character's chosen take is stored in the project's voices/ folder (wav + json, keyed by
  character and voice instruction; `voices_dir` is the bank for requests without a project) and passed
  as its voice prompt for every later line, so the character sounds the same across the story, after a
  restart and in an exported project zip. `voice_id(request)` feeds the render cache key, so locking another
  candidate re-renders that character's lines. A residual F0 correction (≤ 4 semitones) toward the
  gender/age target is stored with the voice and applied to every line, so all lines move together;
- pitch (semitones), emotion and style (F0 level/range, tempo, energy, spectral tilt, whisper — the prosody
  tables of engine/prosody.py, shared with the offline voice) and volume are applied to the synthesised line
  with Praat PSOLA and WORLD (engine/speech_dsp.py); pace also time-scales the line (Praat overlap-add), on top
  of the rate of the chosen voice;
- accent is not controllable (it follows the voice prompt and the text): a warning says so.

Public API: `VibeVoiceSpeech(repo_id_or_path, voices_dir, candidates, diffusion_steps, guidance_scale, ...)`
with `generate(request)`, `design_voice(...) -> list[VoiceCandidate]`, `lock_voice(...)`, `locked_voice(...)`;
`rank_candidates(candidates, attributes, language)`; `VoiceBank(dir)`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.analysis_speech import count_words, f0_median, speaking_rate
from engine.prosody import line_parts, line_prosody
from engine.speech_dsp import (REFERENCE_LEVEL_DB, assemble, change_tempo, noise_excited, set_level, shift_voice,
                               tilt)
from engine.text import is_chinese

from .base import BackendError, CancelToken, Capabilities, ClipRequest, Clip
from .steps import StepHook
from .torch_runtime import LazyModel, StepCriteria, load_chat_model

DEFAULT_REPO = "vibevoice/VibeVoice-1.5B-hf"
LICENCE = "VibeVoice: MIT (Microsoft; research model — disclose AI-generated speech, no voice impersonation)"
VOICES_ENV = "AUDIOSTORY_VOICES_DIR"
SAMPLE_RATE = 24000
TOKENS_PER_SECOND = 7.5  # acoustic latent rate (24 kHz / 3200)
DESIGN_TEXT = {
    "en": "The old lighthouse keeper looked out over the grey sea, and for a moment he smiled.",
    "zh": "老灯塔看守人望着灰色的大海，过了一会儿，他微微地笑了。",
}
# Median F0 targets (Hz) per (gender, age); typical adult values, children ~280 Hz regardless of sex.
F0_TARGETS = {
    ("male", "adult"): 115.0, ("male", "young"): 125.0, ("male", "elderly"): 108.0,
    ("female", "adult"): 210.0, ("female", "young"): 225.0, ("female", "elderly"): 190.0,
    ("male", "child"): 270.0, ("female", "child"): 290.0, (None, "child"): 280.0,
}
NORMAL_RATE = {"en": 2.6, "zh": 4.2}  # words (zh: characters) per second of active speech, conversational
MAX_F0_CORRECTION_ST = 4.0
RATE_WEIGHT = 6.0  # semitones of F0 error worth one e-fold of speaking-rate error
UNMEASURED_PENALTY = 24.0


# ------------------------------------------------------------------------------------------------------------
# voice design and the voice bank


@dataclass
class VoiceCandidate:
    seed: int
    audio: np.ndarray = field(repr=False)  # 24 kHz mono float32, the design sentence
    text: str
    f0_hz: float  # NaN when nothing voiced was found
    rate: float  # words (zh: characters) per second
    score: float = math.inf  # lower is closer to the instruction
    f0_target_hz: float | None = None
    rate_target: float | None = None

    def info(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "audio"}
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def measure_candidate(audio: np.ndarray, text: str, seed: int) -> VoiceCandidate | None:
    """Trim a design take to its speech and measure it (median F0 by Praat, words per second); None if silent."""
    audio, _ = assemble([np.asarray(audio, dtype=np.float32)], SAMPLE_RATE)
    if audio.size == 0:
        return None
    return VoiceCandidate(seed, audio.astype(np.float32), text, float(f0_median(audio, SAMPLE_RATE)),
                          float(speaking_rate(audio, SAMPLE_RATE, text)))


def f0_target(attributes: dict) -> float | None:
    gender, age = attributes.get("gender"), attributes.get("age")
    if age == "child":
        return F0_TARGETS.get((gender, "child"), F0_TARGETS[(None, "child")])
    if gender in ("male", "female"):
        return F0_TARGETS[(gender, age if age in ("young", "elderly") else "adult")]
    return None


def rate_target(attributes: dict, language: str) -> float:
    pace = float(attributes.get("pace") or 1.0)
    return NORMAL_RATE.get(language, NORMAL_RATE["en"]) * pace


def rank_candidates(candidates: list[VoiceCandidate], attributes: dict, language: str) -> list[VoiceCandidate]:
    """Score = |F0 error| in semitones (when gender/age ask for a pitch) + RATE_WEIGHT·|ln(rate/target)|."""
    target_f0 = f0_target(attributes)
    target_rate = rate_target(attributes, language)
    for c in candidates:
        score = 0.0
        if target_f0 is not None:
            if math.isfinite(c.f0_hz) and c.f0_hz > 0:
                score += abs(12.0 * math.log2(c.f0_hz / target_f0))
            else:
                score += UNMEASURED_PENALTY
        score += RATE_WEIGHT * abs(math.log(c.rate / target_rate)) if c.rate > 0 else UNMEASURED_PENALTY
        c.score, c.f0_target_hz, c.rate_target = round(score, 4), target_f0, round(target_rate, 3)
    return sorted(candidates, key=lambda c: (c.score, c.seed))


def voice_key(character: str, voice_instruction: str) -> str:
    norm = " ".join(f"{character}\x1f{voice_instruction}".lower().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


class VoiceBank:
    """Locked voices on disk: <key>.wav (the reference take) + <key>.json (who, measurements, correction)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        self._lock = threading.Lock()

    def meta(self, key: str) -> dict | None:
        """The record of a locked voice without reading its audio (cache keys ask for it on every check)."""
        wav, meta = self.root / f"{key}.wav", self.root / f"{key}.json"
        if not (wav.exists() and meta.exists()):
            return None
        return json.loads(meta.read_text(encoding="utf-8"))

    def get(self, key: str) -> tuple[np.ndarray, dict] | None:
        import soundfile as sf

        meta = self.meta(key)
        if meta is None:
            return None
        audio, sr = sf.read(self.root / f"{key}.wav", dtype="float32")
        if sr != SAMPLE_RATE:
            import soxr

            audio = soxr.resample(audio, sr, SAMPLE_RATE).astype(np.float32)
        return audio, meta

    def put(self, key: str, audio: np.ndarray, meta: dict) -> None:
        import soundfile as sf

        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp_wav, tmp_meta = self.root / f".{key}.wav.tmp", self.root / f".{key}.json.tmp"
            sf.write(tmp_wav, audio, SAMPLE_RATE, subtype="FLOAT", format="WAV")
            tmp_meta.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            os.replace(tmp_wav, self.root / f"{key}.wav")  # atomic: a crash never leaves half a voice
            os.replace(tmp_meta, self.root / f"{key}.json")

    def remove(self, key: str) -> None:
        for suffix in (".wav", ".json"):
            (self.root / f"{key}{suffix}").unlink(missing_ok=True)


def _voices_of(request: ClipRequest) -> Path | None:
    """The voices/ folder of the request's project (None: the backend's own default bank)."""
    return Path(request.project_dir) / "voices" if request.project_dir else None


def default_voices_dir() -> Path:
    env = os.environ.get(VOICES_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "audiostory" / "voices"


# ------------------------------------------------------------------------------------------------------------
# the backend


class VibeVoiceSpeech(LazyModel):
    what = "VibeVoice (speech)"

    def __init__(self, repo_id_or_path: str = DEFAULT_REPO, *, voices_dir: str | None = None, candidates: int = 4,
                 diffusion_steps: int = 10, guidance_scale: float = 1.3, max_seconds: float = 120.0,
                 design_text: dict[str, str] | None = None, device: str | None = None, dtype: str | None = None,
                 allow_cpu: bool | None = None) -> None:
        super().__init__(repo_id_or_path, device=device, dtype=dtype, allow_cpu=allow_cpu)
        self.design_text = {**DESIGN_TEXT, **(design_text or {})}  # the sentence every candidate voice reads
        self.bank = VoiceBank(voices_dir or default_voices_dir())  # for requests that name no project folder
        self._banks: dict[str, VoiceBank] = {}
        self.candidates = max(1, int(candidates))
        self.diffusion_steps = int(diffusion_steps)
        self.guidance_scale = float(guidance_scale)
        self.max_seconds = float(max_seconds)
        self.design_calls = 0  # how many voice designs ran (voice lock is tested by counting them)

    def _load(self, device, dtype):
        from transformers import AutoProcessor, VibeVoiceForConditionalGeneration

        model, processor = load_chat_model(self.repo_id_or_path, VibeVoiceForConditionalGeneration, AutoProcessor,
                                           dtype=dtype, what=self.what, kind="VibeVoice checkpoint",
                                           chat_hint="use a '-hf' VibeVoice checkpoint")
        return (model, processor), [model]

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            name="vibevoice", model_id=self.repo_id_or_path, kinds=("speech",), languages=("en", "zh"),
            max_duration=self.max_seconds, sample_rate=SAMPLE_RATE, channels=1,
            controls=("gender", "age", "pace", "pitch", "volume", "emotion", "style"), licence=LICENCE)

    # --- raw synthesis ------------------------------------------------------------------------------------
    def _max_tokens(self, text: str, language: str) -> int:
        units = max(1, count_words(text))
        slowest = 0.5 * NORMAL_RATE["zh" if is_chinese(text, language) else "en"]
        return int(math.ceil(units / slowest * TOKENS_PER_SECOND)) + 8

    def synthesize(self, text: str, *, language: str, seed: int, voice: np.ndarray | None,
                   cancel: CancelToken | None = None, label: str = "speech") -> np.ndarray:
        """One line as 24 kHz mono float32; `voice` is the speaker's reference take (None = a random voice)."""
        content: list[dict] = [{"type": "text", "text": text}]
        if voice is not None:
            content.append({"type": "audio", "audio": np.asarray(voice, dtype=np.float32)})
        conversation = [{"role": "0", "content": content}]
        max_new = self._max_tokens(text, language)
        hook = StepHook(cancel, max_new, label)

        def call(loaded):
            from transformers import StoppingCriteriaList

            model, processor = loaded
            inputs = processor.apply_chat_template(conversation, tokenize=True, return_dict=True, return_tensors="pt")
            inputs = {k: (v.to(model.device, model.dtype) if v.is_floating_point() else v.to(model.device))
                      for k, v in inputs.items()}
            devices = [model.device] if model.device.type == "cuda" else []
            with torch.random.fork_rng(devices=devices):  # diffusion noise comes from the global RNG
                torch.manual_seed(int(seed) % (2**63))
                out = model.generate(**inputs, max_new_tokens=max_new, guidance_scale=self.guidance_scale,
                                     num_diffusion_steps=self.diffusion_steps,
                                     stopping_criteria=StoppingCriteriaList([StepCriteria(hook)]))
            audio = out[0] if isinstance(out, list) else out.audio[0]
            if audio is None:
                raise BackendError("VibeVoice stopped before speaking; try another seed")
            return audio.float().reshape(-1).cpu().numpy()

        return self.run(call)

    # --- voice design and lock ------------------------------------------------------------------------------
    def design_voice(self, voice_instruction: str = "", attributes: dict | None = None, language: str = "en",
                     n: int | None = None, seed: int = 0, cancel: CancelToken | None = None) -> list[VoiceCandidate]:
        """N candidate voices for an instruction, best first (audition them; lock one with `lock_voice`)."""
        from engine import instruct

        attrs = dict(attributes) if attributes is not None else instruct.parse_speech(voice_instruction).controls()
        lang = "zh" if language == "zh" else "en"
        text = self.design_text[lang]
        out = []
        self.design_calls += 1
        for i in range(n or self.candidates):
            s = seed * 1000 + i
            audio = self.synthesize(text, language=lang, seed=s, voice=None, cancel=cancel, label="voice design")
            candidate = measure_candidate(audio, text, s)
            if candidate is not None:
                out.append(candidate)
        if not out:
            raise BackendError("voice design produced only silence; try another seed")
        return rank_candidates(out, attrs, lang)

    def bank_for(self, voices_dir: str | Path | None = None) -> VoiceBank:
        """The voice bank in a folder (a project's voices/ folder), or the default one."""
        if not voices_dir:
            return self.bank
        key = str(Path(voices_dir).expanduser().resolve())
        if key not in self._banks:
            self._banks[key] = VoiceBank(key)
        return self._banks[key]

    def lock_voice(self, character: str, voice_instruction: str, candidate: VoiceCandidate,
                   attributes: dict | None = None, voices_dir: str | Path | None = None) -> dict:
        """Make `candidate` the voice of this character (and this voice instruction) from now on."""
        from engine import instruct

        attrs = dict(attributes) if attributes is not None else instruct.parse_speech(voice_instruction).controls()
        target = f0_target(attrs)
        correction = 0.0
        if target is not None and math.isfinite(candidate.f0_hz) and candidate.f0_hz > 0:
            correction = float(np.clip(12 * math.log2(target / candidate.f0_hz), -MAX_F0_CORRECTION_ST,
                                       MAX_F0_CORRECTION_ST))
        key = voice_key(character, voice_instruction)
        meta = {"key": key, "character": character, "voice": voice_instruction, "attributes": attrs,
                "model": self.repo_id_or_path, "f0_correction_st": round(correction, 3), **candidate.info()}
        self.bank_for(voices_dir).put(key, candidate.audio, meta)
        return meta

    def locked_voice(self, character: str, voice_instruction: str, voices_dir: str | Path | None = None
                     ) -> tuple[np.ndarray, dict] | None:
        return self.bank_for(voices_dir).get(voice_key(character, voice_instruction))

    @staticmethod
    def speaker(request: ClipRequest) -> tuple[str, str]:
        """(character, voice instruction) a request's voice is locked under. An unnamed speaker is identified
        by who it is (gender, age), never by how one line is delivered."""
        character, voice_instruction = request.character or "", request.voice
        if not character and not voice_instruction:
            a = request.attributes or {}
            voice_instruction = " ".join(f"{k}={a[k]}" for k in ("gender", "age") if a.get(k))
        return character, voice_instruction

    def voice_id(self, request: ClipRequest) -> str:
        """Identity of the voice this request will be spoken in: a hash of the locked voice's record, or "" when
        none is locked yet (the first line designs and locks one). Part of the render cache key, so picking
        another voice for a character re-renders that character's lines and nothing else."""
        meta = self.bank_for(_voices_of(request)).meta(voice_key(*self.speaker(request)))
        if meta is None:
            return ""
        return hashlib.sha256(json.dumps(meta, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def _voice_for(self, request: ClipRequest, cancel: CancelToken | None) -> tuple[np.ndarray, dict, bool]:
        character, voice_instruction = self.speaker(request)
        found = self.locked_voice(character, voice_instruction, _voices_of(request))
        if found is not None:
            return found[0], found[1], False
        # the designed voice depends only on who speaks, never on the line (so the first line is not special)
        from engine import instruct

        voice_attrs = instruct.parse_speech(request.voice).controls() if request.voice else {
            k: v for k, v in (request.attributes or {}).items() if k in ("gender", "age")}
        seed = int(voice_key(character, voice_instruction)[:6], 16)
        ranked = self.design_voice(voice_instruction, voice_attrs, request.language, seed=seed, cancel=cancel)
        meta = self.lock_voice(character, voice_instruction, ranked[0], voice_attrs, _voices_of(request))
        found = self.locked_voice(character, voice_instruction, _voices_of(request))
        assert found is not None
        return found[0], meta, True

    # --- the SpeechModel entry point ---------------------------------------------------------------------
    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        text, parts = line_parts(request)
        attrs = dict(request.attributes or {})
        warnings: list[str] = []
        line, emotion, style = line_prosody(
            attrs, warnings, unknown_emotion="has no prosody model; spoken as the voice prompt sounds",
            unknown_style="has no prosody model; spoken plainly")
        if attrs.get("accent"):
            warnings.append(f"accent {attrs['accent']!r} is not controllable in VibeVoice; it follows the voice prompt")
        voice, meta, designed = self._voice_for(request, cancel)
        correction = float(meta.get("f0_correction_st") or 0.0)
        language = "zh" if is_chinese(text, request.language) else "en"
        rendered: list[np.ndarray | float] = []
        for i, part in enumerate(parts):
            if isinstance(part, float):
                rendered.append(part)
                continue
            raw = self.synthesize(part, language=language, seed=request.seed + i, voice=voice, cancel=cancel)
            shifted = shift_voice(raw, SAMPLE_RATE, f0_scale=2 ** ((line.pitch_st + correction) / 12.0),
                                  formant_ratio=1.0, range_factor=line.range_factor,
                                  declination_st=line.declination_st, final_rise_st=line.final_rise_st,
                                  tremolo=line.tremolo, source_f0=float(meta.get("f0_hz") or 150.0))
            if line.whisper:
                shifted = noise_excited(shifted, SAMPLE_RATE)
            rendered.append(change_tempo(shifted, SAMPLE_RATE, line.tempo))
        audio, pauses = assemble(rendered, SAMPLE_RATE)
        if audio.size == 0:
            raise BackendError(f"VibeVoice produced no audible speech for {text[:60]!r}; try another seed")
        audio = tilt(audio, SAMPLE_RATE, line.tilt_db)
        level_db = REFERENCE_LEVEL_DB + line.gain_db
        audio = set_level(audio, SAMPLE_RATE, level_db)  # levelled and peak-limited
        return Clip(audio, SAMPLE_RATE, warnings, parameters={
            "voice_id": meta.get("key"), "voice_seed": meta.get("seed"), "voice_designed_now": designed,
            "voice_f0_hz": meta.get("f0_hz"), "f0_correction_st": correction, "language": language,
            "emotion": emotion, "style": style, "pitch_st": round(line.pitch_st, 3),
            "pitch_range": round(line.range_factor, 3), "tempo": round(line.tempo, 4), "whisper": line.whisper,
            "tilt_db": line.tilt_db, "level_db": round(level_db, 2), "diffusion_steps": self.diffusion_steps,
            "guidance_scale": self.guidance_scale, "pauses": pauses})
