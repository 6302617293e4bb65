"""engine.instruct: natural-language instructions ⇄ attributes, English and Chinese."""

from __future__ import annotations

import random

import pytest

from engine import instruct as I
from engine.instruct import MusicAttributes, SoundAttributes, SpeechAttributes


def _check(attrs, expected: dict, unknown=None):
    got = attrs.model_dump()
    for field, value in expected.items():
        assert got[field] == value, f"{field}: got {got[field]!r}, want {value!r} (all: {got})"
    if unknown is not None:
        assert attrs.unknown == unknown


# --- the two sentences from the brief ----------------------------------------------------------------------

def test_english_example_sentence():
    a = I.parse_speech("an old man, whispering sadly, slowly, with a raspy timbre")
    _check(a, {"gender": "male", "age": "elderly", "style": "whisper", "emotion": "sad", "pace": 0.75})
    assert "raspy" in a.unknown
    assert a.volume is None  # style never sets volume (documented)


def test_chinese_example_sentence():
    a = I.parse_speech("一位年迈的男人，低声悲伤地慢慢说")
    _check(a, {"gender": "male", "age": "elderly", "style": "whisper", "emotion": "sad", "pace": 0.75},
           unknown=[])


# --- English parse cases over every field ------------------------------------------------------------------

EN_CASES = [
    ("speech", "A cheerful teenage boy with an Australian accent, speaking quickly",
     {"gender": "male", "age": "young", "emotion": "happy", "accent": "australian", "pace": 1.3}, []),
    ("speech", "a middle-aged woman reading the news calmly",
     {"gender": "female", "age": "adult", "style": "news", "emotion": "calm"}, []),
    ("speech", "Grandma telling a bedtime story tenderly, in a low voice",
     {"gender": "female", "age": "elderly", "style": "storytelling", "emotion": "tender", "pitch": -4.0}, []),
    ("speech", "an angry man shouting, very loud",
     {"gender": "male", "emotion": "angry", "style": "shouting", "volume": 12.0}, []),
    ("speech", "a little sad, a bit slower, high-pitched",
     {"emotion": "sad", "pace": 0.9, "pitch": 4.0, "age": None}, []),
    ("speech", "Narrator, deep voice, at 0.9x speed, pitch -3",
     {"style": "narration", "pace": 0.9, "pitch": -3.0}, []),
    ("speech", "a kid, surprised, very quickly", {"age": "child", "emotion": "surprised", "pace": 1.5}, []),
    ("speech", "a Scottish gentleman in his 40s, seriously",
     {"gender": "male", "age": "adult", "accent": "scottish", "emotion": "serious"}, []),
    ("speech", "a young girl, fearfully, very softly",
     {"gender": "female", "age": "young", "emotion": "fearful", "volume": -12.0}, []),
    ("speech", "a little boy, excitedly, chatting with an American accent",
     {"gender": "male", "age": "child", "emotion": "excited", "style": "conversational", "accent": "american"}, []),
    ("speech", "an elderly British lady, wearily, in a very deep voice, quietly",
     {"gender": "female", "age": "elderly", "accent": "british", "emotion": "tired", "pitch": -7.0, "volume": -6.0},
     []),
    ("speech", "like an announcer, 2 semitones lower, at normal volume, at a normal pace",
     {"style": "announcer", "pitch": -2.0, "volume": 0.0, "pace": 1.0}, []),
    ("music", "an upbeat pop song with synth, drums and bass, female vocals, C major, 120 BPM, bright",
     {"genre": "pop", "instruments": ["synth", "drums", "bass"], "vocals": "female", "key": "C", "mode": "major",
      "tempo_bpm": 120.0, "brightness": 0.8}, []),
    ("music", "slow mellow lo-fi hip hop with electric piano and vinyl crackle",
     {"genre": "lo-fi", "tempo_bpm": 70.0, "brightness": 0.3, "instruments": ["electric piano"]},
     ["vinyl", "crackle"]),
    ("music", "dark ambient drone, low energy, synth pads, in D minor, 60 bpm",
     {"genre": "ambient", "mood": "dark", "energy": 0.2, "instruments": ["pad"], "key": "D", "mode": "minor",
      "tempo_bpm": 60.0}, []),
    ("music", "nostalgic cinematic strings and harp, andante, in the key of F#",
     {"mood": "nostalgic", "genre": "cinematic", "instruments": ["strings", "harp"], "tempo_bpm": 84.0,
      "key": "F#", "mode": None}, []),
    ("music", "instrumental jazz, saxophone, upright bass and brushed drums, 96 BPM, warm",
     {"vocals": "none", "genre": "jazz", "instruments": ["saxophone", "bass", "drums"], "tempo_bpm": 96.0,
      "brightness": 0.4}, ["brushed"]),
    ("music", "epic orchestral trailer music, Bb major, intense, choir",
     {"mood": "epic", "genre": "cinematic", "key": "Bb", "mode": "major", "energy": 0.9, "instruments": ["choir"]},
     []),
    ("music", "a gentle, romantic waltz in a minor key, adagio",
     {"energy": 0.3, "mood": "romantic", "genre": "waltz", "mode": "minor", "key": None, "tempo_bpm": 66.0}, []),
    ("music", "happy electronic music, very fast, high energy, very bright, with male vocals",
     {"mood": "happy", "genre": "electronic", "tempo_bpm": 150.0, "energy": 0.8, "brightness": 0.95,
      "vocals": "male"}, []),
    ("sound", "heavy rain on a tin roof, far away, in a cave",
     {"source": "rain on a tin roof", "intensity": 0.85, "distance": "far", "environment": "cave"}, []),
    ("sound", "the sound of light footsteps on gravel nearby, outdoors",
     {"source": "footsteps on gravel", "intensity": 0.3, "distance": "near", "environment": "outdoor"}, []),
    ("sound", "Big Ben chimes in the distance, city",
     {"source": "Big Ben chimes", "distance": "far", "environment": "city"}, []),
    ("sound", "waves crashing on a beach, moderate, up close",
     {"source": "waves crashing", "intensity": 0.5, "distance": "close", "environment": "beach"}, []),
    ("sound", "deafening explosion in a tunnel, distant",
     {"source": "explosion", "intensity": 1.0, "environment": "tunnel", "distance": "distant"}, []),
    ("sound", "a car engine idling in a car, very faint",
     {"source": "car engine idling", "environment": "car", "intensity": 0.15}, []),
]


@pytest.mark.parametrize("kind,text,expected,unknown", EN_CASES, ids=[c[1][:40] for c in EN_CASES])
def test_parse_english(kind, text, expected, unknown):
    _check(I.parse(kind, text), expected, unknown)


# --- Chinese parse cases -------------------------------------------------------------------------------------

ZH_CASES = [
    ("speech", "一位带着英式口音的中年女性，严肃地像新闻播报一样说",
     {"gender": "female", "age": "adult", "accent": "british", "emotion": "serious", "style": "news"}, []),
    ("speech", "老奶奶温柔地讲故事，声音很小声",
     {"gender": "female", "age": "elderly", "emotion": "tender", "style": "storytelling", "volume": -12.0}, []),
    ("speech", "一个生气的年轻男人大喊，语速很快",
     {"gender": "male", "age": "young", "emotion": "angry", "style": "shouting", "pace": 1.5}, []),
    ("speech", "小女孩惊讶地说，声音尖细，1.2倍速",
     {"gender": "female", "age": "child", "emotion": "surprised", "pitch": 4.0, "pace": 1.2}, []),
    ("speech", "一位美国口音的男士，平静地聊天，升高2个半音",
     {"gender": "male", "accent": "american", "emotion": "calm", "style": "conversational", "pitch": 2.0}, []),
    ("speech", "一位沙哑的老人，疲惫地慢慢说，音量降低3分贝",
     {"age": "elderly", "emotion": "tired", "pace": 0.75, "volume": -3.0}, ["沙哑"]),
    ("speech", "用普通话朗诵，语气激动，一位30岁的男人",
     {"accent": "mandarin", "style": "recitation", "emotion": "excited", "gender": "male", "age": "adult"}, []),
    ("speech", "一个小男孩很快乐地大声说",  # 很 + 快乐 (happy), not 很快 (fast) + 乐
     {"gender": "male", "age": "child", "emotion": "happy", "volume": 6.0, "pace": None}, []),
    ("music", "宁静的古典音乐，钢琴和大提琴，每分钟70拍，C大调，柔和",
     {"mood": "calm", "genre": "classical", "instruments": ["piano", "cello"], "tempo_bpm": 70.0, "key": "C",
      "mode": "major", "brightness": 0.3}, []),
    ("music", "神秘的电子音乐，合成器铺底，低能量，升F小调",
     {"mood": "mysterious", "genre": "electronic", "instruments": ["pad"], "energy": 0.2, "key": "F#",
      "mode": "minor"}, []),
    ("music", "充满希望的国风音乐，古筝、二胡和竹笛，中速，明亮",
     {"mood": "hopeful", "genre": "traditional chinese", "instruments": ["guzheng", "erhu", "dizi"],
      "tempo_bpm": 96.0, "brightness": 0.8}, []),
    ("music", "欢快的民谣，吉他和笛子，每分钟100拍，D小调，女声演唱",
     {"mood": "happy", "genre": "folk", "instruments": ["guitar", "dizi"], "tempo_bpm": 100.0, "key": "D",
      "mode": "minor", "vocals": "female"}, []),
    ("music", "紧张的电影配乐，弦乐和打击乐，快速的节奏，激烈，不要人声",
     {"mood": "tense", "genre": "cinematic", "instruments": ["strings", "percussion"], "tempo_bpm": 132.0,
      "energy": 0.9, "vocals": "none"}, []),
    ("sound", "远处猛烈的雷声，在山洞里",
     {"source": "雷声", "distance": "far", "intensity": 0.85, "environment": "cave"}, []),
    ("sound", "山洞里滴水的声音", {"source": "滴水", "environment": "cave"}, []),
    ("sound", "大雨，很远的地方，在森林里",
     {"source": "雨", "intensity": 0.85, "distance": "distant", "environment": "forest"}, []),
    ("sound", "近处传来剧烈的敲门声，在室内",
     {"source": "敲门声", "intensity": 0.85, "distance": "near", "environment": "indoor"}, []),
    ("sound", "水下的气泡声，非常轻微", {"source": "气泡声", "intensity": 0.15, "environment": "underwater"}, []),
]


@pytest.mark.parametrize("kind,text,expected,unknown", ZH_CASES, ids=[c[1][:12] for c in ZH_CASES])
def test_parse_chinese(kind, text, expected, unknown):
    _check(I.parse(kind, text), expected, unknown)


def test_mixed_language_instruction():
    a = I.parse_speech("一位old man，sadly说，with a British accent，语速很慢")
    _check(a, {"gender": "male", "age": "elderly", "emotion": "sad", "accent": "british", "pace": 0.6}, [])
    m = I.parse_music("sad 爵士乐 with 钢琴 and upright bass, 每分钟80拍")
    _check(m, {"mood": "sad", "genre": "jazz", "instruments": ["piano", "bass"], "tempo_bpm": 80.0}, [])


# --- explicit numbers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,field,value", [
    ("at 1.2x speed", "pace", 1.2), ("1.25 times the normal speed", "pace", 1.25), ("speed 0.8", "pace", 0.8),
    ("0.7倍速", "pace", 0.7), ("+2 semitones", "pitch", 2.0), ("-3 semitones", "pitch", -3.0),
    ("2 semitones higher", "pitch", 2.0), ("lowered by 1.5 semitones", "pitch", -1.5), ("pitch -4", "pitch", -4.0),
    ("升高3个半音", "pitch", 3.0), ("降低2个半音", "pitch", -2.0), ("+3 dB", "volume", 3.0),
    ("4 dB quieter", "volume", -4.0), ("音量提高5分贝", "volume", 5.0), ("音量降低3dB", "volume", -3.0),
    ("a 70-year-old", "age", "elderly"), ("a 9 year old", "age", "child"), ("in her 20s", "age", "young"),
    ("一位45岁的", "age", "adult"),
])
def test_explicit_speech_numbers(text, field, value):
    a = I.parse_speech(text)
    assert getattr(a, field) == value and a.unknown == [], a


@pytest.mark.parametrize("text,expected", [
    ("120 BPM", {"tempo_bpm": 120.0}), ("90 bpm", {"tempo_bpm": 90.0}), ("100 beats per minute", {"tempo_bpm": 100.0}),
    ("tempo 84", {"tempo_bpm": 84.0}), ("120-130 BPM", {"tempo_bpm": 125.0}), ("每分钟100拍", {"tempo_bpm": 100.0}),
    ("in A minor", {"key": "A", "mode": "minor"}), ("C major", {"key": "C", "mode": "major"}),
    ("E-flat major", {"key": "Eb", "mode": "major"}), ("F sharp minor", {"key": "F#", "mode": "minor"}),
    ("D小调", {"key": "D", "mode": "minor"}), ("降E大调", {"key": "Eb", "mode": "major"}),
    ("energy 0.7", {"energy": 0.7}), ("energy 60%", {"energy": 0.6}), ("亮度0.25", {"brightness": 0.25}),
    ("a minor key", {"key": None, "mode": "minor"}),  # lower-case "a" is the article, not the tonic
])
def test_explicit_music_numbers(text, expected):
    _check(I.parse_music(text), expected, [])


def test_number_beats_word_for_the_same_field():
    assert I.parse_speech("slowly, at 0.8x speed").pace == 0.8
    assert I.parse_speech("at 0.8x speed, slowly").pace == 0.8
    assert I.parse_music("fast, 140 BPM").tempo_bpm == 140.0


def test_out_of_range_numbers_are_reported_not_applied():
    a = I.parse_speech("a woman speaking, 10x speed")
    assert a.pace is None and a.unknown == ["10x speed"]
    m = I.parse_music("900 bpm")
    assert m.tempo_bpm is None and m.unknown == ["900 bpm"]
    s = I.parse_sound("rain, intensity 3")
    assert s.intensity is None and s.unknown == ["intensity 3"]


# --- negation and unknown words ------------------------------------------------------------------------------

def test_negation_does_not_set_the_negated_value():
    a = I.parse_speech("a young woman, not too fast, not angry, whispering")
    assert a.pace is None and a.emotion is None and a.style == "whisper"
    assert a.unknown == ["not too fast", "not angry"]
    m = I.parse_music("folk without drums, not too slow")
    assert m.instruments == [] and m.tempo_bpm is None
    assert m.unknown == ["without drums", "not too slow"]
    z = I.parse_speech("一位年轻的女性，不要太悲伤，稍快地说")
    assert z.emotion is None and z.pace == 1.15 and z.unknown == ["不要太悲伤"]


def test_words_that_contain_a_negation_are_vocabulary():
    assert I.parse_music("no vocals").vocals == "none"
    assert I.parse_sound("不远处的狗叫").distance == "near"
    assert I.parse_music("不安的弦乐").mood == "tense"


def test_unknown_words_are_kept_in_reading_order():
    a = I.parse_speech("a gravelly, breathy old man with a lisp")
    assert a.gender == "male" and a.age == "elderly"
    assert a.unknown == ["gravelly", "breathy", "lisp"]
    z = I.parse_speech("沙哑而磁性的男声")
    assert z.gender == "male" and z.unknown == ["沙哑", "磁性"]


def test_second_value_for_a_single_valued_field_is_reported():
    a = I.parse_speech("a sad, tired old man")
    assert a.emotion == "sad" and a.unknown == ["tired"]
    # A word outranks what another word only implies: "young" beats the child age implied by "boy".
    assert I.parse_speech("a young boy").age == "young"
    assert I.parse_speech("a boy").age == "child"


def test_stop_words_and_empty_text_give_nothing():
    assert I.parse_speech("") == SpeechAttributes()
    assert I.parse_speech("please say it in a voice that is like the one of a person").unknown == []
    assert I.parse_music("一首音乐").unknown == []


# --- compose → parse round trips -----------------------------------------------------------------------------

def _every_single_value():
    for kind in I.KINDS:
        model = I.MODELS[kind]
        for field, pairs in I.choices(kind, "en").items():
            for _, value in pairs:
                if field == "key":
                    for mode in (None, "major", "minor"):
                        yield kind, model(key=value, mode=mode)
                else:
                    yield kind, model(**{field: [value] if field == "instruments" else value})


SINGLES = list(_every_single_value())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_round_trip_every_known_value(language):
    assert len(SINGLES) > 200
    for kind, attrs in SINGLES:
        text = I.compose(kind, attrs, language)
        assert text, attrs
        assert I.parse(kind, text) == attrs, (text, attrs)


def _random_attrs(kind: str, rng: random.Random):
    fields: dict = {}
    for field, pairs in I.choices(kind, "en").items():
        if rng.random() < 0.6:
            if field == "instruments":
                fields[field] = list(dict.fromkeys(rng.choice(pairs)[1] for _ in range(rng.randint(1, 4))))
            else:
                fields[field] = rng.choice(pairs)[1]
    if kind == "sound" and rng.random() < 0.7:
        fields["source"] = rng.choice(["rain", "footsteps on gravel", "雷声", "dog barking", "滴水", "wind"])
    return I.MODELS[kind](**fields)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("kind", I.KINDS)
def test_round_trip_random_combinations(kind, language):
    rng = random.Random(f"{kind}-{language}")
    for _ in range(300):
        attrs = _random_attrs(kind, rng)
        text = I.compose(kind, attrs, language)
        assert I.parse(kind, text) == attrs, (text, attrs)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("attrs", [
    SpeechAttributes(gender="female", pace=1.2, pitch=2.5, volume=-3.0),
    SpeechAttributes(age="child", pace=0.85, pitch=-1.0, volume=4.5),
    SpeechAttributes(emotion="sad", unknown=["raspy"]),
    MusicAttributes(tempo_bpm=123.0, energy=0.65, brightness=0.55, key="F#"),
    MusicAttributes(tempo_bpm=87.5, mode="minor", instruments=["guzheng", "piano", "strings"]),
    SoundAttributes(source="wind", intensity=0.6),
    SoundAttributes(source="Big Ben chimes", distance="far"),
    SoundAttributes(intensity=0.3 + 0.1 * 2),  # 0.5000000000000001 must survive the decimal text form
], ids=lambda a: repr(a.model_dump(exclude_defaults=True)))
def test_round_trip_explicit_numbers(attrs, language):
    kind = type(attrs).__name__.removesuffix("Attributes").lower()
    assert I.parse(kind, I.compose(kind, attrs, language)) == attrs


def test_composed_text_reads_naturally():
    attrs = SpeechAttributes(gender="male", age="elderly", style="whisper", emotion="sad", pace=0.75)
    assert I.compose_speech(attrs, "en") == "An elderly man, whispering sadly, slowly."
    assert I.compose_speech(attrs, "zh") == "一位年迈的男人，低声悲伤地慢慢说。"
    music = MusicAttributes(mood="sad", genre="jazz", instruments=["piano", "bass"], key="A", mode="minor",
                            tempo_bpm=80.0)
    assert I.compose_music(music, "en") == "Sad jazz music, with piano and bass, in A minor, at 80 BPM."
    assert I.compose_music(music, "zh") == "悲伤的爵士乐，使用钢琴和贝斯，A小调，每分钟80拍。"
    sound = SoundAttributes(source="雷声", intensity=0.85, distance="far", environment="cave")
    assert I.compose_sound(sound, "zh") == "远处传来猛烈的雷声，在山洞里。"
    assert I.compose("sound", {"source": "rain", "intensity": 0.85}, "en") == "Heavy rain."
    assert I.compose_speech(SpeechAttributes(), "en") == ""


# --- merge -----------------------------------------------------------------------------------------------------

def test_merge_line_wins_where_it_sets_a_field():
    voice = I.parse_speech("an old man with a British accent, in a deep voice, raspy")
    line = I.parse_speech("angrily, quickly, trembling")
    m = I.merge(voice, line)
    _check(m, {"gender": "male", "age": "elderly", "accent": "british", "pitch": -4.0, "emotion": "angry",
               "pace": 1.3}, ["raspy", "trembling"])
    assert I.merge(voice, I.parse_speech("a young woman")).gender == "female"
    assert I.merge(voice, SpeechAttributes()) == voice
    assert I.merge(SpeechAttributes(), voice) == voice


def test_merge_lists_and_duplicates():
    base = MusicAttributes(genre="jazz", instruments=["piano"], unknown=["vinyl"])
    assert I.merge(base, MusicAttributes(instruments=["harp"])).instruments == ["harp"]
    assert I.merge(base, MusicAttributes(mood="sad")).instruments == ["piano"]
    assert I.merge(base, MusicAttributes(unknown=["vinyl", "tape"])).unknown == ["vinyl", "tape"]


def test_merge_keeps_style_and_volume_consistent():
    loud_voice = I.parse_speech("a man speaking loudly")
    assert I.merge(loud_voice, I.parse_speech("whispering")).volume is None
    assert I.merge(loud_voice, I.parse_speech("whispering, very quietly")).volume == -12.0
    assert I.merge(loud_voice, I.parse_speech("sadly")).volume == 6.0


def test_merge_rejects_mixed_types():
    with pytest.raises(ValueError, match="same type"):
        I.merge(SpeechAttributes(), MusicAttributes())


# --- vocabulary for the UI -------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("kind", I.KINDS)
def test_every_vocabulary_word_parses_to_its_value(kind, language):
    for field, pairs in I.choices(kind, language).items():
        assert I.vocabulary(kind, language)[field] == [w for w, _ in pairs]
        if field == "key":
            continue
        for word, value in pairs:
            got = getattr(I.parse(kind, word), field)
            assert got == ([value] if field == "instruments" else value), (field, word)


def test_vocabulary_shape():
    speech = I.vocabulary("speech", "en")
    assert set(speech) == {"gender", "age", "emotion", "style", "accent", "pace", "pitch", "volume"}
    assert {"neutral", "happy", "sad", "angry", "fearful", "surprised", "calm", "excited", "tender", "tired"} <= \
        {v for _, v in I.choices("speech")["emotion"]}
    assert "key" in I.vocabulary("music", "zh") and "C#" in I.vocabulary("music", "zh")["key"]
    assert "source" not in I.vocabulary("sound", "en")  # free text, no dropdown
    for kind in I.KINDS:
        for words in I.vocabulary(kind, "zh").values():
            assert all(not w.isascii() for w in words if w not in I.TONICS)
    assert I.instrument_family("guzheng") == "harp" and I.instrument_family("piano") == "piano"


def test_clear_errors():
    with pytest.raises(ValueError, match="speech, music, sound"):
        I.parse("noise", "rain")
    with pytest.raises(ValueError, match="'en' or 'zh'"):
        I.compose_speech(SpeechAttributes(gender="male"), "fr")
    with pytest.raises(ValueError, match="string"):
        I.parse_speech(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SoundAttributes"):
        I.compose_sound(SpeechAttributes(), "en")
    assert I.compose_speech({"gender": "female"}, "zh-CN") == "一位女性。"
