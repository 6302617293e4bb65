"""espeak-ng as a last-resort voice (Mandarin when no Piper Chinese voice is installed).

The library and its data come from the `espeakng-loader` wheel, so nothing is downloaded. It is a formant
synthesiser: intelligible but robotic, which callers must say out loud (a Clip warning). Piper links its own
copy of espeak-ng statically for phonemisation only; this module drives the shared library for audio.

libespeak-ng keeps one global synthesiser per process, so every call goes through a module lock. Its wave
generator also carries state from one utterance into the next (the same text comes out a few samples longer each
time, and espeak_Terminate does not reset it), so each call loads a fresh copy of the library and unloads it after:
that costs a few milliseconds and makes the output a pure function of the input.
"""

from __future__ import annotations

import _ctypes
import ctypes
import threading

import numpy as np

from engine.backends.base import BackendError

# Values from espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_ESPEAK_VOLUME = 2
_ESPEAK_PITCH = 3
_ESPEAK_RANGE = 4
_EE_OK = 0

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_LOCK = threading.Lock()


class _Session:
    """One load → initialise → synthesise → terminate → unload cycle; caller holds _LOCK."""

    def __init__(self) -> None:
        self.lib, self.sample_rate = _load()
        self.chunks: list[np.ndarray] = []

        def on_audio(wav, numsamples, _events):  # called from inside espeak_Synth, same thread
            if numsamples > 0 and wav:
                self.chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
            return 0

        self._callback = _SYNTH_CALLBACK(on_audio)  # kept referenced: ctypes frees unreferenced callbacks
        self.lib.espeak_SetSynthCallback(self._callback)

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, *exc) -> None:
        self.lib.espeak_Terminate()
        _ctypes.dlclose(self.lib._handle)


def _load() -> tuple[ctypes.CDLL, int]:
    try:
        import espeakng_loader
    except ImportError as exc:
        raise BackendError("espeak-ng fallback needs the `espeakng-loader` package: pip install espeakng-loader") from exc
    try:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        data_path = espeakng_loader.get_data_path()
    except (OSError, RuntimeError) as exc:
        raise BackendError(f"could not load libespeak-ng from espeakng-loader: {exc}; reinstall espeakng-loader") from exc

    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetParameter.restype = ctypes.c_int
    lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p]
    lib.espeak_Synth.restype = ctypes.c_int
    lib.espeak_Synchronize.argtypes = []
    lib.espeak_Synchronize.restype = ctypes.c_int
    lib.espeak_Terminate.argtypes = []
    lib.espeak_Terminate.restype = ctypes.c_int

    sample_rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
    if sample_rate <= 0:
        _ctypes.dlclose(lib._handle)
        raise BackendError(f"espeak_Initialize failed (data at {data_path}); reinstall espeakng-loader")
    return lib, sample_rate


def espeak_available(voice: str = "cmn") -> bool:
    """True when libespeak-ng loads and knows `voice`."""
    try:
        with _LOCK, _Session() as session:
            return session.lib.espeak_SetVoiceByName(voice.encode()) == _EE_OK
    except BackendError:
        return False


def espeak_synthesize(text: str, voice: str = "cmn", rate_wpm: int = 165, pitch: int = 50,
                      pitch_range: int = 50) -> tuple[np.ndarray, int]:
    """Speak `text` with espeak-ng; returns (float32 mono audio in [-1, 1], sample rate).

    rate_wpm: words per minute (espeak accepts 80..450); pitch, pitch_range: 0..100 (espeak's own scale).
    """
    if not text.strip():
        raise BackendError("espeak-ng got no text to speak")
    data = text.encode("utf-8")
    buf = ctypes.create_string_buffer(data)
    with _LOCK, _Session() as session:
        lib, sample_rate = session.lib, session.sample_rate
        if lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise BackendError(f"espeak-ng has no voice {voice!r}; check the espeakng-loader data folder")
        lib.espeak_SetParameter(_ESPEAK_RATE, int(np.clip(rate_wpm, 80, 450)), 0)
        lib.espeak_SetParameter(_ESPEAK_VOLUME, 100, 0)
        lib.espeak_SetParameter(_ESPEAK_PITCH, int(np.clip(pitch, 0, 100)), 0)
        lib.espeak_SetParameter(_ESPEAK_RANGE, int(np.clip(pitch_range, 0, 100)), 0)
        err = lib.espeak_Synth(buf, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if err != _EE_OK:
            raise BackendError(f"espeak_Synth failed with error {err}")
        lib.espeak_Synchronize()
        pcm = np.concatenate(session.chunks) if session.chunks else np.zeros(0, np.int16)
    audio = pcm.astype(np.float32) / 32768.0
    if audio.size == 0 or float(np.max(np.abs(audio))) < 1e-4:
        raise BackendError(f"espeak-ng produced no audio for {text[:40]!r}")
    return audio, sample_rate
