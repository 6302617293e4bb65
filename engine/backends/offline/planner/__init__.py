"""Offline template planner: a story instruction (English or Chinese) → a timed Plan, with no language model.

It follows AudioStory's decomposition (ordered sub-events, one clear caption and a duration per clip, a total
that matches the requested length) with rules and small bilingual word banks instead of an LLM:

1. the target length is read from the arguments or the text and that sentence is removed (`durations`);
2. the story is cut into sentences and clauses (`reading`); each becomes a sound event (`events`, with the
   vocabulary in `sound_words`), a spoken line (`dialogue`: quoted or reported speech, with a character and a
   voice from `cast`, or a story from `storybank`) or music (`music_cues`: intro, ending, inline, or a bed
   under everything);
3. clauses that share a place, time of day and weather form a scene, and each scene gets an ambience bed
   (`scenes`);
4. durations are shared out so the laid-out total equals the target (`fitting`): speech is estimated from its
   length, sounds and music split the rest within sensible bounds; long targets get more lines and more sound
   beats (`beats`) instead of one very long clip, and speech that cannot fit is shortened with a note;
5. `assembly` writes the Plan. The working state of one run is a `draft.Draft`.

Everything that is written rather than read from the instruction (storytelling lines, sound beats) comes from
the banks and is picked with a `random.Random(seed)`, so one seed always gives the same plan.
"""

from .backend import CAPABILITIES, TemplatePlanner
from .durations import DEFAULT_DURATION_S, MIN_DURATION_S, parse_duration
from .wording import estimate_speech_seconds

__all__ = ["CAPABILITIES", "DEFAULT_DURATION_S", "MIN_DURATION_S", "TemplatePlanner", "estimate_speech_seconds",
           "parse_duration"]
