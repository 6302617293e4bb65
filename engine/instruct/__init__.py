"""The instruction vocabulary (InstructAudio interface): natural language ⇄ structured attributes, EN + ZH.

Shared by every backend, offline and neural. Attribute *types* live here; parse/compose below.
Units are chosen so backends can map them directly onto real controls:
- pace: speaking-rate multiplier (1.0 normal, 1.3 fast, 0.75 slow)
- pitch: semitone offset from the voice's natural pitch (+ higher)
- volume: dB offset (+6 loud/shouting, -6 soft)
- tempo_bpm: beats per minute; energy/intensity/brightness: 0..1

Public API: `parse_speech/parse_music/parse_sound(text)`, `parse(kind, text)`, `compose_speech/compose_music/
compose_sound(attrs, language)`, `compose(kind, attrs, language)`, `merge(base, override)`,
`vocabulary(kind, language)` (display words per field, for dropdowns), `choices(kind, language)` (the same as
(word, value) pairs), `instrument_family(name)`.

How parsing works, and the decisions behind it:
- The language is never asked for. Arabic-digit patterns (120 BPM, 1.2x, +2 semitones, D小调) are read first;
  then English vocabulary phrases (one precompiled regex, longest phrase first, hyphens and spaces alike);
  then every run of CJK characters is segmented against the Chinese vocabulary plus a list of function words.
  No Chinese segmenter is installed, so segmentation is a dynamic programme that leaves the fewest characters
  uncovered (then uses the fewest pieces); this beats a greedy longest-match on e.g. "很快乐" (很 + 快乐, not
  很快 + 乐). Mixed EN/ZH text works because both passes run over the whole text.
- Precedence per field: an explicit number beats a word ("slowly, at 0.8x speed" → 0.8), a word beats a
  word's implication ("a young boy": "young" beats the child age implied by "boy"). Between two words of the
  same rank the first one wins and the later, conflicting word goes to `unknown`, so nothing is dropped
  silently ("a sad, tired man" → emotion sad, unknown ["tired"]).
- Negation is cheap and local: a vocabulary word right after not/no/never/without/don't… (optionally with
  too/very/so…) or 不/不要/别/没有/无… (optionally with 太/很…) is not applied; the whole phrase ("not too
  fast", "不要太快") goes to `unknown` so the user sees it was not acted on. Words that contain a negation
  themselves are vocabulary ("no vocals", "不远处", "不安").
- `unknown` holds what was not understood: English content tokens that are neither vocabulary nor stop
  words, leftover Chinese spans (function words trimmed), negated phrases, numbers out of range, and the
  conflicting words above. For sound, the first leftover phrase is the `source` instead ("heavy rain on a
  tin roof, far away" → source "rain on a tin roof").
- Style and volume stay separate: "whispering" sets style only, never volume, because speech backends
  already give each style its own loudness (offline: whisper -12 dB, shouting +8 dB) and an implied volume
  would count twice. To keep them consistent, `merge` drops the base's volume when the override sets a
  loud/quiet style (whisper, shouting) without a volume of its own: a character's "loudly" must not turn the
  line's whisper into a loud whisper.
- Known limits: single-character Chinese words (老, 快, 慢, 大, 远) can match inside unrelated words (老师);
  Chinese numerals (一百二十) are not read, only Arabic digits; a key's tonic may be lower case ("in d minor")
  except "a", which stays the article of "a minor key", while a capital "A minor…" at the start of a sentence
  reads as the key of A; compose writes out-of-vocabulary free text (an accent or environment the tables do
  not know) verbatim, and parse then reports it as unknown.

Layout: attributes.py (the types), tables.py (the vocabulary), parsing.py (text → attributes), composing.py
(attributes → text, merge, the UI's dropdown words).
"""

from .attributes import (KINDS, LANGUAGES, MODELS, Age, Attributes, Distance, Gender, Mode, MusicAttributes,
                         SoundAttributes, SpeechAttributes, Vocals)
from .composing import (choices, compose, compose_music, compose_sound, compose_speech, field_words, instrument_family,
                        merge, vocabulary)
from .parsing import parse, parse_music, parse_sound, parse_speech
from .tables import INSTRUMENT_FAMILY, TONICS

__all__ = ["INSTRUMENT_FAMILY", "KINDS", "LANGUAGES", "MODELS", "TONICS", "Age", "Attributes", "Distance", "Gender",
           "Mode", "MusicAttributes", "SoundAttributes", "SpeechAttributes", "Vocals", "choices", "compose",
           "compose_music", "compose_sound", "compose_speech", "instrument_family", "merge", "parse", "parse_music",
           "parse_sound", "parse_speech", "vocabulary", "field_words"]
