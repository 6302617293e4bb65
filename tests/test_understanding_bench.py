"""The understanding benchmark's scorer (bench/understanding.py) counts what a plan got wrong: a line given to the
wrong speaker, a missing voice word, the wrong BPM, an invented line, a music request read aloud."""

from __future__ import annotations

import json

from bench.understanding import _speaker_matches, load, score
from engine.backends.offline.planner import TemplatePlanner
from engine.plan import Plan

PLANNER = TemplatePlanner()
EXPECT = {"duration": 20, "speech": "quotes_only",
          "lines": [{"text": "Is anyone there?", "speaker": "Anna"}, {"text": "Only me.", "speaker": "old man"}],
          "voices": {"Anna": {"gender": "female", "style": "whisper", "words": ["trembling"]}},
          "events": [["door"]], "setting": {"environment": "indoor", "time": "night"}}


def correct(result) -> list[str]:
    return [what for _, ok, what in result["items"] if ok]


def test_a_faithful_plan_scores_every_item():
    plan = PLANNER.plan('At night in the hall, a door creaks. Anna whispers in a trembling voice, "Is anyone there?" '
                        'An old man answers, "Only me." 20 seconds.')
    result = score(plan, EXPECT)
    assert len(correct(result)) == len(result["items"]) == 9
    assert result["invented_lines"] == 0 and not result["read_aloud"]


def test_each_mistake_costs_its_item():
    plan = PLANNER.plan('At night in the hall, a door creaks. Anna whispers in a trembling voice, "Is anyone there?" '
                        'An old man answers, "Only me." 20 seconds.')
    data = json.loads(plan.to_json())
    for seg in data["segments"]:
        if seg.get("text") == "Only me.":
            seg["character"] = "Anna"  # the wrong speaker
        if seg["kind"] == "sound":
            seg["caption"] = seg["caption"].replace("door", "window")
    data["segments"].append({"id": "extra", "kind": "speech", "duration": 1.0, "character": "Anna",
                             "text": "Hello?", "caption": "Anna speaking."})
    result = score(Plan.from_dict(data), EXPECT)
    missed = [what for _, ok, what in result["items"] if not ok]
    assert any("Only me." in m for m in missed) and any("event 'door'" in m for m in missed)
    assert result["invented_lines"] == 1


def test_music_read_aloud_is_reported():
    plan = PLANNER.plan("Warm lo-fi with electric piano at 85 BPM, 30 seconds.")
    result = score(plan, {"duration": 30, "speech": "none", "music": {"genre": "lo-fi", "instruments": ["electric piano"],
                                                                      "tempo_bpm": 85}})
    assert not result["read_aloud"] and len(correct(result)) == 4
    spoken = json.loads(plan.to_json())
    spoken["segments"] = [{"id": "s01", "kind": "speech", "duration": 3.0, "character": "Narrator",
                           "text": "Warm lo-fi with electric piano.", "caption": "A narrator speaking."}]
    spoken["characters"] = [{"name": "Narrator", "voice": {"instruction": "a calm narrator"}}]
    result = score(Plan.from_dict(spoken), {"speech": "none", "music": {"tempo_bpm": 85}})
    assert result["read_aloud"] and not correct(result)


def test_speakers_compare_by_whole_words_and_chinese_roles():
    assert _speaker_matches("Man", "older man") and not _speaker_matches("Woman", "older man")
    assert _speaker_matches("女导游", "年轻导游") and not _speaker_matches("Anna", "Ben")


def test_the_prompt_sets_are_well_formed():
    for which, least, chinese in (("dev", 40, 14), ("test", 60, 20)):
        prompts = load(which)
        assert len(prompts) >= least and sum(p["language"] == "zh" for p in prompts) >= chinese
        assert all(p["expect"] is not None and p["instruction"].strip() for p in prompts)
