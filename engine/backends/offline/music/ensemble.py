"""The synth voices as an ensemble: who takes the tune, each voice's range, and its place in the mix."""

# Which voice carries the tune when several are present (first match wins).
MELODY_PRIORITY = ("flute", "violin", "synth", "brass", "bells", "piano", "epiano", "guzheng", "guitar", "harp",
                   "organ", "strings", "cello", "pad")
# Voices that can play chords; as melody they also play their own accompaniment (a pianist's left hand).
POLYPHONIC = {"piano", "epiano", "guitar", "harp", "guzheng"}
REGISTER = {  # (low, high) MIDI for melodies
    "flute": (72, 91), "violin": (67, 88), "synth": (64, 84), "brass": (58, 77), "bells": (72, 91),
    "piano": (64, 84), "epiano": (62, 81), "guzheng": (62, 84), "guitar": (57, 76), "harp": (62, 84),
    "organ": (60, 79), "strings": (64, 83), "cello": (48, 67), "pad": (60, 79),
}
PAN = {  # stereo position, -1 left … 1 right
    "piano": -0.05, "epiano": -0.15, "guitar": -0.4, "harp": 0.35, "guzheng": -0.3, "strings": 0.0,
    "violin": 0.2, "cello": -0.3, "synth": 0.1, "pad": 0.0, "bass": 0.0, "flute": 0.2, "bells": 0.4,
    "organ": -0.25, "brass": 0.2,
}
SEND = {  # share of the voice sent to the reverb
    "piano": 0.25, "epiano": 0.2, "guitar": 0.18, "harp": 0.3, "guzheng": 0.3, "strings": 0.35,
    "violin": 0.3, "cello": 0.3, "synth": 0.2, "pad": 0.35, "bass": 0.03, "flute": 0.3, "bells": 0.4,
    "organ": 0.2, "brass": 0.3,
}
LEVEL = {  # gain that evens out the voices' raw synthesis levels
    "piano": 0.5, "epiano": 0.5, "guitar": 0.8, "harp": 0.8, "guzheng": 1.1, "strings": 0.3,
    "violin": 0.4, "cello": 0.4, "synth": 0.3, "pad": 0.22, "bass": 0.45, "flute": 0.45, "bells": 0.3,
    "organ": 0.2, "brass": 0.3,
}
MELODY_GAIN = 2.0  # the tune over the accompaniment, on top of the voice's LEVEL
