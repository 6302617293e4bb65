"""The rates every signal of the sound bank works at: audio samples, the control rate of envelopes, float32."""

from __future__ import annotations

import numpy as np

SR = 44100
CTRL = 441  # control-rate hop (100 Hz): envelopes live here and are linearly interpolated to audio rate
F32 = np.float32
