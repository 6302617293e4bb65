"""What is asked → how it is played here. The keys of the lookups below are engine.instruct's canonical
attribute values (the one vocabulary every backend reads); the tables they lead to are synthesis data: the
defaults a mood brings (its feel), how a genre is arranged, and which synth voice plays an instrument.
Several values may share one entry: blues is arranged like jazz, a mandolin is played by the guitar voice."""

# A mood's feel: mode, tempo, energy and brightness to start from (genre and explicit attributes override
# them), the arrangement it suggests when no genre is given, and its band when no instruments are given.
FEELS: dict[str, dict] = {
    "neutral": dict(mode="major", bpm=100, energy=0.5, brightness=0.5, genre="pop",
                    instruments=("piano", "pad", "bass")),
    "happy": dict(mode="major", bpm=112, energy=0.7, brightness=0.65, genre="pop",
                  instruments=("piano", "guitar", "bass", "drums")),
    "sad": dict(mode="minor", bpm=66, energy=0.25, brightness=0.35, genre="ballad",
                instruments=("piano", "strings")),
    "tense": dict(mode="minor", bpm=90, energy=0.55, brightness=0.3, genre="cinematic",
                  instruments=("strings", "cello", "pad", "bass")),
    "calm": dict(mode="major", bpm=72, energy=0.2, brightness=0.45, genre="ambient",
                 instruments=("piano", "pad", "harp")),
    "epic": dict(mode="minor", bpm=96, energy=0.85, brightness=0.6, genre="cinematic",
                 instruments=("brass", "strings", "bass", "drums")),
    "romantic": dict(mode="major", bpm=76, energy=0.35, brightness=0.45, genre="ballad",
                     instruments=("piano", "strings", "flute")),
    "mysterious": dict(mode="minor", bpm=80, energy=0.3, brightness=0.4, genre="ambient",
                       instruments=("pad", "bells", "bass")),
    "playful": dict(mode="major", bpm=120, energy=0.65, brightness=0.7, genre="folk",
                    instruments=("bells", "guitar", "bass", "drums")),
    "angry": dict(mode="minor", bpm=138, energy=0.95, brightness=0.6, genre="rock",
                  instruments=("guitar", "organ", "bass", "drums")),
}
# engine.instruct's moods → the feel each is played with.
FEEL_OF_MOOD = {
    "happy": "happy", "sad": "sad", "tense": "tense", "calm": "calm", "epic": "epic", "romantic": "romantic",
    "mysterious": "mysterious", "playful": "playful", "angry": "angry",
    "nostalgic": "sad", "dark": "tense", "hopeful": "happy", "dreamy": "calm",
}
# A mood played in a given genre shifts that genre's usual tempo.
MOOD_TEMPO_FACTOR = {"sad": 0.8, "calm": 0.85, "romantic": 0.9, "happy": 1.05, "angry": 1.1}

# Arrangements: tempo, drum pattern family (None: no kit), band, reverb, and optionally energy, brightness,
# meter, swing, `bpc` bars per chord, seventh chords, pentatonic tunes. An arrangement's name is what the
# clip's parameters report as its genre and part of what seeds the composition, so names stay as they are.
ARRANGEMENTS: dict[str, dict] = {
    "pop": dict(bpm=110, drums="pop", instruments=("piano", "guitar", "bass", "drums"), reverb=0.22),
    "rock": dict(bpm=122, drums="rock", instruments=("guitar", "organ", "bass", "drums"), reverb=0.15,
                 energy=0.8),
    "electronic": dict(bpm=124, drums="electronic", instruments=("synth", "pad", "bass", "drums"), reverb=0.22,
                       energy=0.75),
    "jazz": dict(bpm=120, drums="jazz", instruments=("epiano", "bass", "drums"), reverb=0.2, swing=0.64,
                 sevenths=True),
    "lofi": dict(bpm=80, drums="lofi", instruments=("epiano", "pad", "bass", "drums"), reverb=0.25, swing=0.6,
                 sevenths=True, brightness=0.3),
    "classical": dict(bpm=92, drums=None, instruments=("violin", "strings", "piano", "cello"), reverb=0.35),
    "ambient": dict(bpm=68, drums=None, instruments=("pad", "bells", "strings"), reverb=0.5, bpc=2, energy=0.2),
    "cinematic": dict(bpm=96, drums="cinematic", instruments=("strings", "brass", "bass", "drums"), reverb=0.4),
    "folk": dict(bpm=100, drums="folk", instruments=("guitar", "flute", "bass", "drums"), reverb=0.22),
    "ballad": dict(bpm=70, drums=None, instruments=("piano", "strings", "bass"), reverb=0.35),
    "waltz": dict(bpm=132, drums=None, instruments=("piano", "strings", "bass"), reverb=0.3, meter=3),
    "march": dict(bpm=112, drums="march", instruments=("brass", "bass", "drums"), reverb=0.25, energy=0.75),
    "chinese": dict(bpm=80, drums=None, instruments=("flute", "guzheng", "strings"), reverb=0.35,
                    pentatonic=True),
    "hiphop": dict(bpm=90, drums="lofi", instruments=("epiano", "bass", "drums"), reverb=0.18),
}
# engine.instruct's genres → the arrangement each is played with (reggae and latin have none yet).
ARRANGEMENT_OF_GENRE = {
    "pop": "pop", "rock": "rock", "electronic": "electronic", "jazz": "jazz", "lo-fi": "lofi",
    "classical": "classical", "ambient": "ambient", "cinematic": "cinematic", "folk": "folk", "ballad": "ballad",
    "waltz": "waltz", "march": "march", "traditional chinese": "chinese", "hip-hop": "hiphop",
    "blues": "jazz", "country": "folk", "metal": "rock", "funk": "pop", "r&b": "pop",
}

# The synth voice for each instrument ("drums" is the kit, not a voice).
VOICE_OF_INSTRUMENT = {
    "piano": "piano", "electric piano": "epiano",
    "guitar": "guitar", "electric guitar": "guitar", "ukulele": "guitar", "banjo": "guitar", "mandolin": "guitar",
    "lute": "guitar",
    "harp": "harp", "guzheng": "guzheng", "pipa": "guzheng", "koto": "guzheng",
    "strings": "strings", "violin": "violin", "viola": "violin", "erhu": "violin", "morin khuur": "violin",
    "cello": "cello",
    "synth": "synth", "pad": "pad", "choir": "pad", "bass": "bass",
    "flute": "flute", "dizi": "flute", "xiao": "flute", "recorder": "flute", "pan flute": "flute",
    "whistle": "flute", "clarinet": "flute", "oboe": "flute", "xun": "flute",
    "bells": "bells", "marimba": "bells", "organ": "organ", "accordion": "organ", "harmonica": "organ",
    "brass": "brass", "horn": "brass", "trumpet": "brass", "trombone": "brass", "tuba": "brass",
    "saxophone": "brass",
    "drums": "drums", "percussion": "drums", "timpani": "drums",
}
