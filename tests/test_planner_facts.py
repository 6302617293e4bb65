"""Hybrid planning: the hard facts read from the instruction win over what a language model wrote. Recorded
answers of the kind models give — a paraphrased quote, a line given to the wrong speaker, another BPM, a left-out
event — merged and laid out: the plan has the asked quotes verbatim with their speakers, the asked BPM and key, and
every named event, and says what it corrected."""

from __future__ import annotations

from engine.backends.llm_facts import merge_facts
from engine.backends.llm_planner import LLMPlan, LLMPlanner
from engine.backends.offline.planner.facts import read_facts
from engine.render import resolved_attributes
from engine.timing import layout

INSTRUCTION = ('In a harbour at night, gulls cry. A raspy old sailor mutters, "The tide is turning." His granddaughter '
               'Mira whispers, "Then we should go home." Sad piano at 70 BPM in D minor at the end. 40 seconds.')

# what a model wrote: the sailor's line paraphrased, Mira's line given to the sailor, 120 BPM, no gulls
ANSWER = {
    "title": "The turning tide", "storyline": "Night on the harbour; the sailor and his granddaughter talk.",
    "characters": [{"name": "Old Sailor", "voice": "an old man, deep"}, {"name": "Mira", "voice": "a young girl"}],
    "events": [
        {"kind": "sound", "track": "background", "caption": "waves lap against the harbour wall", "seconds": "30",
         "character": "", "text": "", "instruction": "", "start_event": "1", "end_event": "3"},
        {"kind": "sound", "track": "foreground", "caption": "a boat creaks at its mooring", "seconds": "5",
         "character": "", "text": "", "instruction": "", "start_event": "", "end_event": ""},
        {"kind": "speech", "track": "foreground", "caption": "", "seconds": "3", "character": "Old Sailor",
         "text": "The tide, it is turning now.", "instruction": "tired", "start_event": "", "end_event": ""},
        {"kind": "speech", "track": "foreground", "caption": "", "seconds": "3", "character": "Old Sailor",
         "text": "Then we should go home.", "instruction": "", "start_event": "", "end_event": ""},
        {"kind": "music", "track": "foreground", "caption": "a sad piano piece", "seconds": "8", "character": "",
         "text": "", "instruction": "sad piano, 120 BPM, C major", "start_event": "", "end_event": ""},
    ],
}


def merged():
    """The recorded answer through the planner's own answer-to-plan step (nothing is sent: the server is only named)."""
    facts = read_facts(INSTRUCTION)
    planner = LLMPlanner(url="http://127.0.0.1:9/v1", model="recorded-answer")
    notes: list[str] = []
    plan = planner.plan_from_answer(LLMPlan.model_validate(ANSWER), INSTRUCTION, facts.target_seconds, "en", 0, notes)
    return plan, facts


def test_asked_quotes_are_verbatim_with_their_speakers():
    plan, facts = merged()
    lines = [(s.text, s.character) for s in plan.segments if s.kind == "speech"]
    assert lines == [("The tide is turning.", facts.lines[0].speaker), ("Then we should go home.", "Mira")]
    sailor = plan.character(facts.lines[0].speaker)
    assert "raspy" in sailor.voice.instruction  # the instruction's voice word reaches the voice
    mira_line = next(s for s in plan.segments if s.character == "Mira")
    assert "whisper" in mira_line.instruction


def test_asked_music_fields_win_and_every_event_is_heard():
    plan, _ = merged()
    music = [resolved_attributes(plan, s) for s in plan.segments if s.kind == "music"]
    assert music and music[0]["tempo_bpm"] == 70 and (music[0]["key"], music[0]["mode"]) == ("D", "minor")
    assert "piano" in music[0]["instruments"] and music[0]["mood"] == "sad"
    assert any("gull" in s.caption.lower() for s in plan.segments if s.kind == "sound")


def test_corrections_are_reported_and_timing_is_ours():
    plan, facts = merged()
    joined = " ".join(plan.notes)
    assert "The tide is turning." in joined and "Then we should go home." in joined and "70 BPM" in joined
    assert "gulls" in joined.lower()
    assert abs(layout(plan).total - facts.target_seconds) <= 1.0
    bed = next(s for s in plan.segments if s.track == "background")
    fg = [s.id for s in plan.segments if s.track == "foreground"]
    assert set(bed.covers) <= set(fg)


def test_a_faithful_answer_is_left_alone():
    facts = read_facts('Anna says "Hello." A door slams. 10 seconds.')
    answer = LLMPlan.model_validate({
        "title": "Hello", "storyline": "Anna greets; a door slams.",
        "characters": [{"name": "Anna", "voice": "a woman"}],
        "events": [{"kind": "speech", "track": "foreground", "caption": "", "seconds": "2", "character": "Anna",
                    "text": "Hello.", "instruction": "", "start_event": "", "end_event": ""},
                   {"kind": "sound", "track": "foreground", "caption": "A door slams shut.", "seconds": "2",
                    "character": "", "text": "", "instruction": "", "start_event": "", "end_event": ""}]})
    llm, notes = merge_facts(answer, facts)
    assert notes == [] and [e.text for e in llm.events] == ["Hello.", ""]
