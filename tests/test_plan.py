"""Plan model: validation with clear messages, lossless JSON, schema export, layout."""

import json

import pytest

from engine.plan import MAX_DURATION_S, Plan, PlanError, Segment, Take

from engine.timing import layout


def story() -> Plan:
    return Plan.from_dict({
        "title": "Storm", "target_duration": 20, "characters": [{"name": "Fisherman", "voice": {"instruction": "an old man"}}],
        "segments": [
            {"id": "s01", "kind": "sound", "duration": 5, "caption": "rain on a roof"},
            {"id": "s02", "kind": "speech", "duration": 4, "text": "Long ago, the sea was calm.", "character": "Fisherman", "gap": 0.5},
            {"id": "s03", "kind": "music", "duration": 6, "caption": "sad piano", "gap": -1.0},
            {"id": "b01", "kind": "sound", "track": "background", "covers": ["s01", "s02"], "duration": 9, "caption": "wind"},
            {"id": "b02", "kind": "music", "track": "background", "start": 2.0, "duration": 3, "caption": "drone"},
        ]})


def test_json_round_trip_is_lossless():
    p = story()
    p.segments[1].takes.append(Take(id="t001", key="k", path="takes/s02/t001.flac", backend="piper", model_id="m",
                                    seed=3, duration=3.21, sample_rate=44100, parameters={"a": [1, 2]}))
    p.segments[1].active_take = "t001"
    again = Plan.from_json(p.to_json())
    assert again == p
    assert again.to_json() == p.to_json()


def test_json_schema_exported():
    schema = Plan.json_schema()
    assert "segments" in schema["properties"] and "Segment" in json.dumps(schema)


def test_layout_ripples_with_speech_take_length():
    p = story()
    t = layout(p)
    assert t["s01"].start == 0 and t["s02"].start == pytest.approx(5.5)
    assert t["s03"].start == pytest.approx(5.5 + 4 - 1.0)
    assert t["b01"].start == 0 and t["b01"].end == pytest.approx(9.5)
    assert t["b02"].start == 2.0 and t["b02"].duration == 3
    # a rendered speech take of 6 s moves everything after it, and the bed that covers it
    p.segments[1].takes.append(Take(id="t1", key="k", path="takes/s02/t1.flac", backend="b", model_id="m", seed=0,
                                    duration=6.0, sample_rate=44100))
    p.segments[1].active_take = "t1"
    t2 = layout(p)
    assert t2["s03"].start == pytest.approx(5.5 + 6 - 1.0)
    assert t2["b01"].end == pytest.approx(11.5)
    assert t2.total == pytest.approx(5.5 + 6 - 1 + 6)


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["segments"][0].update(kind="noise"), "kind"),
    (lambda d: d["segments"][0].update(duration=-2), "duration"),
    (lambda d: d["segments"][0].update(duration=MAX_DURATION_S + 1), "duration"),
    (lambda d: d["segments"][1].update(id="s01"), "used twice"),
    (lambda d: d["segments"][1].update(text="x" * 6000), "text"),
    (lambda d: d["segments"][1].update(text="  "), "spoken text"),
    (lambda d: d["segments"][1].update(character="Ghost"), "Ghost"),
    (lambda d: d["segments"][3].update(covers=["nope"]), "nope"),
    (lambda d: d.update(target_duration=99999), "target_duration"),
    (lambda d: d["segments"][0].update(colour="red"), "colour"),
])
def test_bad_plans_name_the_problem(mutate, needle):
    d = json.loads(story().to_json())
    mutate(d)
    with pytest.raises(PlanError) as e:
        Plan.from_dict(d)
    assert needle in str(e.value)
    # the message points at the segment by id, not only by index
    if "segments" in str(e.value):
        assert "id '" in str(e.value)


def test_malformed_json_and_unknown_version():
    with pytest.raises(PlanError, match="not valid JSON.*line 1"):
        Plan.from_json('{"title": ')
    d = json.loads(story().to_json())
    d["schema_version"] = 99
    with pytest.raises(PlanError, match="version 99 is not supported"):
        Plan.from_dict(d)


@pytest.mark.parametrize("path", ["../evil.flac", "/etc/passwd", "takes/../../x.wav", "C:\\x.wav"])
def test_take_path_must_stay_inside_project(path):
    with pytest.raises(ValueError, match="inside the project"):
        Take(id="t", key="k", path=path, backend="b", model_id="m", seed=0)


def test_segment_seed_is_stable_and_distinct():
    p = story()
    seeds = [p.segment_seed(s) for s in p.segments]
    assert len(set(seeds)) == len(seeds)
    assert seeds == [story().segment_seed(s) for s in story().segments]
    assert Segment(id="x", kind="sound", duration=1, seed=7).seed == 7


def test_spoken_text_replaces_whole_words_once_and_chinese_as_written():
    from engine.plan import spoken_text

    say = {"Ann": "Anne", "Anne": "Annie", "Dr.": "Doctor", "New York": "noo york", "重庆": "崇庆"}
    assert spoken_text("ann met Dr. Ann in New York, not Anna.", say) == "Anne met Doctor Anne in noo york, not Anna."
    assert spoken_text("Anne", say) == "Annie"  # one pass: Ann→Anne is not replaced again
    assert spoken_text("我去重庆。", say) == "我去崇庆。"
    assert spoken_text("nothing here", {}) == "nothing here"
    with pytest.raises(PlanError, match="both the word and how to say it"):
        Plan.from_dict({"pronunciations": {"Ann": "   "}})
    p = Plan.from_dict({"pronunciations": {"  Siobhan ": "shi  vawn"}})
    assert p.pronunciations == {"Siobhan": "shi vawn"} and Plan.from_json(p.to_json()).pronunciations == p.pronunciations
