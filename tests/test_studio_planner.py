"""LLM planner: prompt, JSON → Plan conversion (target length honoured, EN + ZH), and the real generation path
on a tiny random Qwen3 (which cannot plan, so the template planner takes over and says so)."""

import json

import pytest

torch = pytest.importorskip("torch")  # the planner module shares the torch runtime of the studio backends

from engine.backends.llm_planner import LLMPlan, build_messages, extract_json, plan_from_llm  # noqa: E402
from engine.timing import layout  # noqa: E402

STORY_EN = {
    "title": "The storm",
    "storyline": "A storm hits a fishing village. An old fisherman calms his grandson with a story. Piano ends it.",
    "characters": [{"name": "Grandpa", "voice": "an old man, deep and calm"},
                   {"name": "Boy", "voice": "a young boy"}],
    "events": [
        {"kind": "sound", "track": "background", "caption": "rain and wind on a wooden house", "seconds": "40",
         "character": "", "text": "", "instruction": "", "start_event": "1", "end_event": "4"},
        {"kind": "sound", "track": "foreground", "caption": "thunder rolls over the sea", "seconds": "6",
         "character": "", "text": "", "instruction": "", "start_event": "", "end_event": ""},
        {"kind": "speech", "track": "foreground", "caption": "", "seconds": "2", "character": "Boy",
         "text": "Grandpa, I am scared of the storm.", "instruction": "afraid, whispering", "start_event": "",
         "end_event": ""},
        {"kind": "speech", "track": "foreground", "caption": "", "seconds": "3", "character": "Grandpa",
         "text": "Hush now. Let me tell you about the great wave.", "instruction": "calm, slowly",
         "start_event": "", "end_event": ""},
        {"kind": "sound", "track": "foreground", "caption": "waves crash on the harbour wall", "seconds": "8",
         "character": "", "text": "", "instruction": "", "start_event": "", "end_event": ""},
        {"kind": "music", "track": "foreground", "caption": "a sad piano melody", "seconds": "10",
         "character": "", "text": "", "instruction": "sad piano, 70 BPM, D minor", "start_event": "",
         "end_event": ""},
        {"kind": "speech", "track": "foreground", "caption": "", "seconds": "1", "character": "Nobody", "text": "",
         "instruction": "", "start_event": "", "end_event": ""},
    ],
}


def test_llm_json_becomes_a_plan_of_the_requested_length():
    plan = plan_from_llm(LLMPlan.model_validate(STORY_EN), "A storm...", 60.0, "en", 3, "Qwen/test")
    t = layout(plan)
    assert abs(t.total - 60.0) <= 0.05
    kinds = [(s.kind, s.track) for s in plan.segments]
    assert kinds.count(("speech", "foreground")) == 2 and ("music", "foreground") in kinds
    bed = next(s for s in plan.segments if s.track == "background")
    fg = [s.id for s in plan.segments if s.track == "foreground"]
    assert bed.covers == [fg[0], fg[3]] and abs(bed.duration - (t[fg[3]].end - t[fg[0]].start)) < 0.05
    assert [c.name for c in plan.characters] == ["Grandpa", "Boy"]  # "Nobody" spoke no text: dropped
    assert plan.characters[0].voice.instruction == "an old man, deep and calm"
    boy = next(s for s in plan.segments if s.character == "Boy")
    assert boy.instruction == "afraid, whispering" and boy.text.startswith("Grandpa, I am scared")
    assert any("unusable" in n for n in plan.notes) and plan.notes[0].startswith("Planned by Qwen/test")
    assert all(s.duration <= 30 for s in plan.segments if s.kind == "sound" and s.track == "foreground")


def test_chinese_story_and_speech_longer_than_the_target():
    zh = {"title": "狐狸", "storyline": "山里的狐狸讲故事。", "characters": [{"name": "狐狸", "voice": "一个狡猾的年轻男声"}],
          "events": [{"kind": "speech", "track": "foreground", "caption": "", "seconds": "2", "character": "狐狸",
                      "text": "很久很久以前，山里住着一只狐狸，它每天晚上都给月亮讲故事。" * 3, "instruction": "神秘",
                      "start_event": "", "end_event": ""},
                     {"kind": "sound", "track": "foreground", "caption": "夜晚的风声", "seconds": "5", "character": "",
                      "text": "", "instruction": "", "start_event": "", "end_event": ""}]}
    plan = plan_from_llm(zh, "狐狸的故事", 10.0, "zh", 0, "Qwen/test")
    assert plan.language == "zh" and plan.segments[0].character == "狐狸"
    assert any("more than the 10 s" in n for n in plan.notes)  # honest when the lines cannot fit


def test_prompt_states_the_target_and_repairs_broken_json():
    msgs = build_messages("A knight rides through a forest.", 90, "en")
    assert msgs[-1]["content"].endswith("The total duration is 90 seconds.")
    assert "storyline" in msgs[0]["content"] and json.loads(msgs[0]["content"].split("Example answer:\n")[1])
    zh = build_messages("骑士穿过森林。", 45, "zh", feedback="missing events")
    assert "总时长为45秒" in zh[-1]["content"] and "missing events" in zh[-1]["content"]
    broken = 'Sure! {"title": "x", "storyline": "y", "characters": [], "events": [{"kind": "sound",'
    assert extract_json(broken)["title"] == "x"
    with pytest.raises(ValueError, match="no JSON"):
        extract_json("I cannot help with that.")


def test_tiny_random_llm_falls_back_to_the_template_planner_and_says_why():
    from studio_tiny import checkpoint

    from engine.backends.llm_planner import LLMPlanner

    planner = LLMPlanner(str(checkpoint("qwen3")), constrained=False, retries=1, max_new_tokens=24, allow_cpu=True)
    plan = planner.plan("A storm reaches a fishing village at night. The total duration is 30 seconds.", seed=1)
    assert len(planner.last_raw) == 2  # one try and one retry, both through model.generate
    assert plan.notes[0].startswith("The language model could not plan this story (")
    assert "template planner made this plan instead" in plan.notes[0]
    assert abs(layout(plan).total - 30) <= 30 * 0.05 and plan.segments


def test_schema_constrained_decoding_path_runs():
    pytest.importorskip("outlines")
    from studio_tiny import checkpoint

    from engine.backends.llm_planner import LLMPlanner

    planner = LLMPlanner(str(checkpoint("qwen3")), constrained=True, retries=0, max_new_tokens=30, allow_cpu=True)
    plan = planner.plan("A cat sleeps by the fire. 20 seconds.", seed=0)
    raw = planner.last_raw[0]
    assert raw.lstrip().startswith("{") and '"title"' in raw  # outlines forced the schema's first key
    assert plan.segments and abs(layout(plan).total - 20) <= 1.0


def test_planner_that_cannot_load_falls_back(tmp_path):
    from engine.backends.llm_planner import LLMPlanner

    planner = LLMPlanner(str(tmp_path / "missing-model-folder"), allow_cpu=True)
    plan = planner.plan("Rain on a tin roof. The total duration is 10 seconds.")
    assert "could not plan this story" in plan.notes[0] and "missing-model-folder" in plan.notes[0]
