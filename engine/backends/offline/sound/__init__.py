"""Procedural sound bank: the `offline` profile's SoundModel, `ProceduralSound`.

Every category is a real synthesis recipe in numpy/scipy: filtered noise shaped by envelopes for textures, modal
resonators for impacts and bells, FM chirps for birds, Poisson scheduling for crackle, drips and footsteps. A
caption is matched to recipes through an English/Chinese lexicon; several matches are layered. Each recipe honours
intensity (density and level), distance (level, air absorption, reverb) and environment (reverb preset), and
renders exactly `round(duration * 44100)` stereo samples.

Long textures are generated continuously, never by tiling a loop: noise is drawn and filtered (batched
overlap-save FFT convolution) chunk by chunk as one continuous process, envelopes are random processes drawn at a
100 Hz control rate and interpolated, and events are scheduled over the whole duration. `engine.qa_signal.seam_score`
checks the result. Chunks are shared out to worker threads and nothing clip-long is allocated twice, so a 10-minute
bed renders in about a second on a 2-core CPU and a 10 s clip in a few tens of milliseconds.

Layout:
  backend.py   ProceduralSound: request → layers → level → space → mix
  matching.py  caption → scored recipes, chosen layers and their modifiers; lexicon.py holds the words
  recipes/     the recipes by family, and in `recipes/__init__.py` the one table that lists them (RECIPES)
  dsp/         the signal building blocks: noise, filters, envelopes, oscillators, kernels, events, space, level
"""

from engine.backends.offline.sound.backend import ProceduralSound

__all__ = ["ProceduralSound"]
