"""Offline music: a rule-based composer and a small synthesiser bank (the MusicModel of the `offline` profile).

Three stages, each a plain function of the previous one:
  resolve  — attributes (genre, mood, tempo, key, instruments, energy, brightness), as engine.instruct reads
             them → a complete `MusicSpec`, filling what is missing from the mood's feel and the genre's
             arrangement (spec.py, with the synthesis tables of styles.py);
  compose  — spec + duration → a `Score`: sections, a chord per bar, melody, bass, accompaniment and drums
             as notes on an exact beat grid, ending on a tonic cadence (composition.py, harmony.py,
             melody.py, accompaniment.py, ensemble.py, score.py);
  render   — every distinct note is synthesised once (instruments.py, cached), added to per-instrument buses,
             panned, sent through a convolution reverb, then faded, loudness-normalised and peak-limited
             (render.py).
composer.py holds the backend class, SynthComposer.

It is procedural music, not a neural model; the UI labels it as such.
"""

from engine.backends.offline.music.composer import SynthComposer

__all__ = ["SynthComposer"]
