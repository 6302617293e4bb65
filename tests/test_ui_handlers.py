"""Handler-level tests of the Gradio app: plan ⇄ table normalisation and validation, segment operations,
generate / stop / regenerate / export / import, and per-session isolation. No browser, no server: the handlers
are plain functions (real offline models render real audio)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402

from engine.plan import CheckIssue, Plan  # noqa: E402

from engine.timing import layout  # noqa: E402
from engine import direct  # noqa: E402
from ui import handlers as h, instruct as instruct_tab  # noqa: E402
from engine.edit import (COLUMNS, TableError, add_segment, apply_characters, apply_table,  # noqa: E402
                           delete_segment, move_segment, plan_rows)
from ui.workspace import Workspace, delete_workspace  # noqa: E402

CAFE = ('In a quiet cafe, Anna says, "I got the job!" Her friend Tom laughs and replies, "I knew you would." '
        'Cups clink as they celebrate. The total duration is 12 seconds.')
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning/gr.Info outside a request


def _plan(ws=None, text=CAFE, **kw) -> Workspace:
    out = h.plan_story(text, kw.get("target", 0), kw.get("language", "auto"), "offline", kw.get("seed", 0), ws)
    return out[0]


def _df(ws: Workspace) -> pd.DataFrame:
    return h.table_value(ws)


def _render(ws: Workspace) -> list[tuple]:
    return list(h.generate_all(ws))


@pytest.fixture(scope="module")
def rendered() -> Workspace:
    ws = _plan()
    _render(ws)
    yield ws
    ws.cleanup()


@pytest.fixture
def ws():
    w = _plan()
    yield w
    w.cleanup()


# --- plan ⇄ table --------------------------------------------------------------------------------------------
def test_plan_fills_table_json_and_characters(ws):
    ws2, table, js, chars, msg = h.plan_story(CAFE, 0, "auto", "offline", 0, ws)
    assert list(table.columns) == COLUMNS
    assert list(table["id"]) == [s.id for s in ws.plan.segments]
    assert "I got the job!" in list(table["text"])
    assert Plan.from_json(js).segments[1].text == ws.plan.segments[1].text
    assert set(chars["name"]) == {"Anna", "Tom"}
    assert "12 s" in msg
    # start comes from layout, never from the plan: a background bed starts where its first covered clip does
    tl = layout(ws.plan)
    assert list(table["start"]) == [round(tl[s.id].start, 2) for s in ws.plan.segments]


def test_string_numbers_blank_cells_and_nan_normalise(ws):
    df = _df(ws)
    fg_sound = next(s for s in ws.plan.segments if s.kind == "sound" and s.track == "foreground")
    i = [s.id for s in ws.plan.segments].index(fg_sound.id)
    df = df.astype(object)
    df.loc[i, "duration"] = "６,5"  # full-width digit and a decimal comma, as typed
    df.loc[i, "gain_db"] = " -3.5 "
    df.loc[i, "instruction"] = float("nan")  # an emptied cell comes back as NaN
    res = apply_table(ws.plan, df)
    seg = res.plan.segment(fg_sound.id)
    assert seg.duration == 6.5 and seg.gain_db == -3.5 and seg.instruction == ""
    # untouched rows are unchanged, including display-rounded numbers (1.53 shown for 1.53 stored)
    for a, b in zip(ws.plan.segments, res.plan.segments):
        if a.id != fg_sound.id:
            assert a.model_dump() == b.model_dump()


def test_menu_added_blank_row_is_pending_and_a_typed_row_becomes_a_segment(ws):
    df = _df(ws)
    blank = pd.DataFrame([[""] * len(COLUMNS)], columns=COLUMNS)
    res = apply_table(ws.plan, pd.concat([df, blank], ignore_index=True))
    assert res.pending_rows == 1 and len(res.plan.segments) == len(ws.plan.segments)
    typed = blank.copy()
    typed.loc[0, "caption"] = "a kettle whistles"
    typed.loc[0, "duration"] = "2.5"
    res = apply_table(ws.plan, pd.concat([df.iloc[:2], typed, df.iloc[2:]], ignore_index=True))
    new = res.plan.segments[2]
    assert (new.kind, new.track, new.caption, new.duration) == ("sound", "foreground", "a kettle whistles", 2.5)
    assert new.id not in {s.id for s in ws.plan.segments}


def test_api_dict_and_missing_or_extra_columns(ws):
    rows = plan_rows(ws.plan)
    headers = [c for c in COLUMNS if c != "caption"] + ["extra"]
    data = [[v for c, v in zip(COLUMNS, r) if c != "caption"] + ["junk"] for r in rows]
    data[1][headers.index("text")] = "Changed line."
    res = apply_table(ws.plan, {"headers": headers, "data": data})
    assert res.plan.segments[1].text == "Changed line."
    assert [s.caption for s in res.plan.segments] == [s.caption for s in ws.plan.segments]  # column gone ≠ cleared


@pytest.mark.parametrize("column,value,field,words", [
    ("kind", "noise", "kind", ["is not a kind", "sound, speech, music"]),
    ("duration", "-2", "duration", ["more than 0"]),
    ("duration", "abc", "duration", ["expected a number", "'abc'"]),
    ("duration", "", "duration", ["a length in seconds is needed"]),
    ("gain_db", "99", "gain_db", ["between -60 and +24"]),
    ("track", "sideways", "track", ["foreground, background"]),
])
def test_bad_cells_name_row_segment_and_field(ws, column, value, field, words):
    df = _df(ws).astype(object)
    row = 3  # 0-based: the fourth row
    sid = df.loc[row, "id"]
    df.loc[row, column] = value
    with pytest.raises(TableError) as e:
        apply_table(ws.plan, df)
    msg = str(e.value)
    assert e.value.row == row + 1 and e.value.field == field
    assert msg.startswith(f"row {row + 1} (segment {sid}), {field}:"), msg
    for w in words:
        assert w in msg


def test_model_level_errors_are_located_too(ws):
    df = _df(ws).astype(object)
    speech_row = next(i for i, k in enumerate(df["kind"]) if k == "speech")
    df.loc[speech_row, "text"] = ""
    with pytest.raises(TableError) as e:
        apply_table(ws.plan, df)
    assert f"row {speech_row + 1}" in str(e.value) and "spoken text" in str(e.value)
    df = _df(ws).astype(object)
    df.loc[speech_row, "character"] = "Nobody"
    with pytest.raises(TableError) as e:
        apply_table(ws.plan, df)
    assert "'Nobody' is not in the characters list" in str(e.value) and f"row {speech_row + 1}" in str(e.value)


def test_background_bed_length_follows_what_it_covers(ws):
    df = _df(ws).astype(object)
    bed_row = next(i for i, t in enumerate(df["track"]) if t == "background")
    df.loc[bed_row, "duration"] = "3"
    with pytest.raises(TableError, match="spans .* so its length follows them"):
        apply_table(ws.plan, df)


def test_edit_handler_rejects_and_keeps_last_valid_plan(ws):
    before_json = ws.plan.to_json()
    before_rows = _df(ws).values.tolist()
    df = _df(ws).astype(object)
    df.loc[1, "kind"] = "explosion"
    w, table, js, chars, msg = h.edit_table(df, ws)
    assert table.values.tolist() == before_rows  # the table is restored
    assert js == before_json and ws.plan.to_json() == before_json
    assert "✗ row 2" in msg and "kind" in msg and "last valid plan is kept" in msg
    # a valid edit goes through, is saved to the project folder, and moves start times that depend on it
    df = _df(ws).astype(object)
    fg_sound_row = next(i for i, (k, t) in enumerate(zip(df["kind"], df["track"]))
                        if k == "sound" and t == "foreground")
    df.loc[fg_sound_row, "caption"] = "A door slams shut."
    w, table, js, chars, msg = h.edit_table(df, ws)
    assert table.loc[fg_sound_row, "caption"] == "A door slams shut."
    assert "A door slams shut." in (ws.project.root / "plan.json").read_text()
    assert "✗" not in msg


def test_edit_without_a_plan_is_refused_politely():
    w, table, js, chars, msg = h.edit_table(pd.DataFrame([["x"] * len(COLUMNS)], columns=COLUMNS), None)
    assert table.empty and "press Plan first" in msg


# --- segment operations ----------------------------------------------------------------------------------
def test_add_delete_move_keep_background_covers_consistent(ws):
    plan = ws.plan
    bed = next(s for s in plan.segments if s.track == "background")
    first, last = bed.covers[0], bed.covers[-1]
    p2, new_id = add_segment(plan, after_id=first)
    ids = [s.id for s in p2.segments]
    assert ids[ids.index(first) + 1] == new_id and p2.segment(new_id).kind == "sound"
    p3 = delete_segment(p2, first)  # the bed loses its first covered segment: it now starts at the next one
    assert p3.segment(bed.id).covers[0] == new_id
    p4 = move_segment(p3, last, -1)
    assert [s.id for s in p4.segments].index(last) == [s.id for s in p3.segments].index(last) - 1
    layout(p4)  # still a consistent plan
    # deleting every covered segment keeps the bed in place as an absolutely timed bed
    p5 = p4
    for sid in [s.id for s in p4.segments if s.track == "foreground"]:
        p5 = delete_segment(p5, sid)
    assert p5.segment(bed.id).covers == [] and p5.segment(bed.id).start is not None


def test_segment_buttons_use_the_selected_row(ws):
    sid = ws.plan.segments[2].id
    h.pick_clip(sid, ws)
    out = h.move_up(None, ws)
    assert [s.id for s in ws.plan.segments].index(sid) == 1
    assert out[5].value == sid  # the clip picker stays on the moved segment
    n = len(ws.plan.segments)
    h.add_seg(None, ws)
    assert len(ws.plan.segments) == n + 1
    h.delete_seg(sid, ws)
    assert sid not in {s.id for s in ws.plan.segments}
    with pytest.raises(gr.Error, match="Select a segment"):
        h.delete_seg(None, Workspace(base=ws.root))


def test_characters_rename_follows_segments_and_used_ones_cannot_vanish(ws):
    rows = [[c.name, c.voice.instruction] for c in ws.plan.characters]
    rows[0][0] = "Annabel"
    p = apply_characters(ws.plan, pd.DataFrame(rows, columns=["name", "voice"]))
    assert "Annabel" in {s.character for s in p.segments}
    with pytest.raises(TableError, match="not in the characters list"):
        apply_characters(ws.plan, pd.DataFrame(rows[1:], columns=["name", "voice"]))


def test_json_edit_is_validated(ws):
    bad = json.loads(ws.plan.to_json())
    bad["segments"][1]["duration"] = -1
    out = h.apply_json(json.dumps(bad), ws)
    assert "duration" in out[4] and ws.plan.segments[1].duration > 0
    good = json.loads(ws.plan.to_json())
    good["title"] = "Retitled"
    h.apply_json(json.dumps(good), ws)
    assert ws.plan.title == "Retitled"


# --- render / regenerate / stop ------------------------------------------------------------------------------
def test_generate_yields_after_each_clip_and_mixes_to_the_layout(rendered):
    ws = rendered
    assert all(s.take() is not None and s.take().path for s in ws.plan.segments)
    # a second Generate all renders nothing: every clip is cached
    steps = [st for st in _render(ws) if not st[1].startswith("Checking")]  # QA steps are reported too
    assert len(steps) == len(ws.plan.segments) + 1  # one yield per clip, then the final one
    w, status, table, image, mix, loud = steps[-1]
    n = len(ws.plan.segments)
    assert status.splitlines()[0] == f"Done: 0 rendered, {n} reused, 0 locked, 0 failed — {n}/{n} clips"
    assert all(x is gr.skip() or isinstance(x, dict) for x in steps[0][3:])  # per-clip yields skip the mix
    audio, sr = sf.read(mix.value["path"] if isinstance(mix.value, dict) else mix.value)
    assert abs(audio.shape[0] / sr - layout(ws.plan).total) < 0.05
    assert Path(image).is_file() and "LUFS" in loud
    assert mix.subtitles  # captions for the player
    assert set(table["status"]) <= {"✓", "✓ ⚠"}


def test_first_render_reports_each_clip_as_it_finishes():
    ws = _plan(text="Birds sing at dawn in a forest and a stream babbles nearby. 12 seconds.")
    try:
        all_steps = _render(ws)
        steps = [st for st in all_steps if not st[1].startswith("Checking")]
        assert any(st[1].startswith("Checking") for st in all_steps)  # every new take is checked
        n = len(ws.plan.segments)
        assert len(steps) == n + 1
        done_counts = [s[1].splitlines()[0] for s in steps[:-1]]
        assert done_counts == [f"Rendering — {i}/{n} clips" for i in range(n)]
        assert steps[-1][1].startswith(f"Done: {n} rendered")
        assert sum(line.startswith("✓") for line in steps[-1][1].splitlines()) == n
    finally:
        ws.cleanup()


def test_stop_cancels_between_clips_and_keeps_finished_clips(ws):
    gen = h.generate_all(ws)
    first = next(gen)  # the first clip is in flight
    assert ws.busy and "Rendering — 0/" in first[1]
    h.stop(ws)
    rest = list(gen)
    status = rest[-1][1]
    assert status.startswith("Stopped") and not ws.busy
    rendered = [s for s in ws.plan.segments if s.take() is not None]
    assert 1 <= len(rendered) < len(ws.plan.segments)
    # finished clips survive in the project folder
    saved = Plan.from_json((ws.project.root / "plan.json").read_bytes())
    assert {s.id for s in saved.segments if s.active_take} == {s.id for s in rendered}


def test_regenerate_renders_only_that_clip(rendered):
    ws = rendered
    sid = next(s.id for s in ws.plan.segments if s.kind == "sound" and s.track == "foreground")
    others = {s.id: s.active_take for s in ws.plan.segments if s.id != sid}
    calls = dict(ws.session.calls)
    out = h.regenerate(sid, None, None, None, True, ws)
    assert sum(ws.session.calls.values()) - sum(calls.values()) == 1
    seg = ws.plan.segment(sid)
    assert len(seg.takes) == 2 and seg.active_take == seg.takes[-1].id
    assert {s.id: s.active_take for s in ws.plan.segments if s.id != sid} == others
    status = out[-1]
    assert status.startswith(f"✓ {sid}: new take")
    takes_radio = out[8]
    assert len(takes_radio.choices) == 2
    # with an edited caption (no new seed) the edit is applied and rendered
    h.regenerate(sid, "Thunder rumbles far away.", None, None, False, ws)
    assert ws.plan.segment(sid).caption == "Thunder rumbles far away." and len(ws.plan.segment(sid).takes) == 3
    # picking the first take back makes it active and the mix follows
    first = ws.plan.segment(sid).takes[0].id
    h.use_take(sid, first, ws)
    assert ws.plan.segment(sid).active_take == first


def test_generate_checks_every_take_and_flags_failures_on_the_timeline(rendered, monkeypatch):
    ws = rendered
    active = [s.take() for s in ws.plan.segments]
    assert all(t.qa.passed is not None for t in active)  # every rendered take carries its QA verdict
    sid = next(s.id for s in ws.plan.segments if s.kind == "sound" and s.track == "foreground")
    take = ws.plan.segment(sid).take()
    monkeypatch.setattr(take.qa, "passed", False)
    monkeypatch.setattr(take.qa, "issues", [CheckIssue(code="clipping", message="812 clipped samples")])
    assert h._flagged(ws)[sid] == "QA: 812 clipped samples"
    info = h.clip_views(ws, sid)[1]
    assert "812 clipped samples" in info


def test_one_click_retake_keeps_a_passing_take(rendered):
    ws = rendered
    sid = next(s.id for s in ws.plan.segments if s.kind == "sound" and s.track == "foreground")
    before = len(ws.plan.segment(sid).takes)
    out = h.retake_clip(sid, ws)
    seg = ws.plan.segment(sid)
    assert len(seg.takes) == before + 1 and seg.take().qa.passed is True
    assert out[-1].startswith(f"✓ {sid}: take") and "passes its checks" in out[-1]


def test_regenerate_errors_are_clear(rendered):
    with pytest.raises(gr.Error, match="no segment with id 'zz'"):
        h.regenerate("zz", None, None, None, True, rendered)
    with pytest.raises(gr.Error, match="No plan yet"):
        h.regenerate("s01", None, None, None, True, None)
    sid = rendered.plan.segments[0].id
    h.set_lock(sid, True, rendered)
    try:
        with pytest.raises(gr.Error, match="locked"):
            h.regenerate(sid, None, None, None, True, rendered)
    finally:
        h.set_lock(sid, False, rendered)


# --- export / import ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("what", ["wav", "flac", "mp3", "ogg"])
def test_export_audio_formats(rendered, what):
    path = h.export(what, rendered)
    audio, sr = sf.read(path)
    expect = layout(rendered.plan).total
    assert path.endswith(f".{what}")
    tol = 0.06 if what in ("mp3", "ogg") else 0.002  # lossy codecs pad a frame
    assert abs(audio.shape[0] / sr - expect) < tol


def test_export_stems_captions_and_project_roundtrip(rendered, tmp_path):
    stems = zipfile.ZipFile(h.export("stems", rendered))
    assert sorted(stems.namelist()) == ["background.wav", "foreground.wav"]
    srt = Path(h.export("srt", rendered)).read_text(encoding="utf-8")
    assert "Anna: I got the job!" in srt and "-->" in srt
    assert Path(h.export("vtt", rendered)).read_text(encoding="utf-8").startswith("WEBVTT")
    zpath = h.export("project", rendered)
    other = Workspace(base=tmp_path)
    w, table, js, chars, msg = h.open_project(zpath, other)
    assert other.plan.to_json() == rendered.plan.to_json()  # plan and takes exactly
    for a, b in zip(rendered.plan.segments, other.plan.segments):
        ta, tb = a.take(), b.take()
        # the take files themselves, byte for byte (in memory the source project holds unquantised audio)
        assert rendered.project.resolve(ta.path).read_bytes() == other.project.resolve(tb.path).read_bytes()
    assert other.project.root != rendered.project.root
    a1, sr1 = sf.read(h.export("wav", rendered))
    a2, sr2 = sf.read(h.export("wav", other))
    assert np.allclose(a1, a2, atol=1e-4)
    other.cleanup()


def test_bad_uploads_and_exports_are_refused(ws, tmp_path):
    bad = tmp_path / "notes.zip"
    bad.write_bytes(b"not a zip")
    before = ws.plan.to_json()
    with pytest.raises(gr.Error, match="not a project zip"):
        h.open_project(str(bad), ws)
    assert ws.plan.to_json() == before  # the current project is untouched
    with pytest.raises(gr.Error, match="Nothing rendered yet"):
        h.export("wav", ws)
    with pytest.raises(gr.Error, match="Unknown export"):
        h.export("midi", ws)


# --- sessions -------------------------------------------------------------------------------------------------
def test_each_session_has_its_own_project():
    a = _plan()
    b = _plan(text="Birds sing at dawn in a forest. 12 seconds.")
    try:
        assert a.root != b.root and a.project.root != b.project.root
        assert "I got the job!" in a.plan.to_json() and "I got the job!" not in b.plan.to_json()
        assert not str(b.project.root).startswith(str(a.root))
        # a handler given session b's state never touches a's project
        h.edit_table(h.table_value(b), b)
        assert "I got the job!" in (a.project.root / "plan.json").read_text()
        # the State's delete callback removes the whole folder
        root = b.root
        delete_workspace(b)
        assert not root.exists() and a.root.exists()
    finally:
        a.cleanup()
        b.cleanup()


def test_state_deepcopy_keeps_the_same_workspace():
    import copy

    w = Workspace()
    try:
        assert copy.deepcopy(w) is w  # gr.State deep-copies values; a workspace holds locks and models
    finally:
        w.cleanup()


def test_replanning_replaces_the_old_project_folder(ws):
    old = ws.project.root
    _plan(ws, text="Birds sing at dawn in a forest. 12 seconds.")
    assert not old.exists() and ws.project.root.exists()


# --- selection --------------------------------------------------------------------------------------------
def test_select_row_and_timeline_click_open_the_clip(rendered):
    plan = rendered.plan
    seg = plan.segments[1]
    evt = gr.SelectData(target=None, data={"index": [1, 5], "value": seg.caption,
                                           "row_value": h.table_value(rendered).iloc[1].tolist()})
    out = h.select_row(rendered, evt)
    assert out[0].value == seg.id and out[5] == seg.text and Path(out[2]).is_file()
    # click in the middle of the last foreground clip on the timeline image
    h.mix_views(rendered)
    m = rendered.timeline_map
    last_fg = [p for p in layout(plan).placements if p.track == "foreground"][-1]
    t = (last_fg.start + last_fg.end) / 2
    x = m["x0"] + (t - m["xlim"][0]) / (m["xlim"][1] - m["xlim"][0]) * (m["x1"] - m["x0"])
    y = m["height"] - (m["y0"] + 0.75 * (m["y1"] - m["y0"]))  # upper lane = foreground
    out = h.timeline_click(rendered, gr.SelectData(target=None, data={"index": [x, y], "value": None}))
    assert out[0].value == last_fg.segment_id


# --- Instruct tab -------------------------------------------------------------------------------------------
def test_dropdowns_compose_an_instruction_that_parses_back():
    pace = dict(direct.field_choices("speech", "pace", "en"))["slowly"]
    text = instruct_tab.compose_preview("speech", "en", "female", "elderly", "sad", "whisper", None, pace, None, [], None, None)
    assert text == "An elderly woman, whispering sadly, slowly."
    from engine import instruct

    a = instruct.parse("speech", text)
    assert (a.gender, a.age, a.emotion, a.style, a.pace) == ("female", "elderly", "sad", "whisper", 0.75)
    zh = instruct_tab.compose_preview("music", "zh", None, None, None, None, None, None, "jazz", ["piano"], None, "sad")
    assert zh == "悲伤的爵士乐，使用钢琴。"


def test_instruct_speech_dialogue_and_contrast(tmp_path):
    ws = Workspace(base=tmp_path)
    w, audio, understood, fig = instruct_tab.run_instruct("speech", "An elderly man, speaking sadly, slowly.",
                                               "The sea was calm that night.", None, "en", 0, 10, ws)
    a, sr = sf.read(audio.value["path"] if isinstance(audio.value, dict) else audio.value)
    assert a.shape[0] / sr > 1.0 and "elderly" in understood and Path(fig).is_file()
    voices = pd.DataFrame([["A", "a man, calm"], ["B", "a little girl, excited"]], columns=["speaker", "voice"])
    w, audio, understood, fig = instruct_tab.run_instruct("dialogue", "", "A: Hello there.\nB: Hi!\nA: Shall we go?",
                                               voices, "en", 0, 10, ws)
    assert [s["text"] for s in audio.subtitles] == ["A: Hello there.", "B: Hi!", "A: Shall we go?"]
    starts = [s["start"] for s in audio.subtitles]  # Gradio stores cues as {start, end, text}
    assert starts == sorted(starts) and starts[0] == 0.0
    with pytest.raises(gr.Error, match="dialogue line 2"):
        instruct_tab.run_instruct("dialogue", "", "A: Hello.\nno speaker here", voices, "en", 0, 10, ws)
    out = instruct_tab.run_contrast("Come back here.", "a woman, happy\na man, whispering", "en", 0, ws)
    assert out[1].visible and out[2].visible and not out[3].visible and Path(out[-1]).is_file()
    with pytest.raises(gr.Error, match="2 to 4 instructions"):
        instruct_tab.run_contrast("Come back.", "only one", "en", 0, ws)
    ws.cleanup()


# --- dirty tracking and the GPU door ---------------------------------------------------------------------------
def test_only_edited_clips_rerender(ws):
    _render(ws)
    df = _df(ws).astype(object)
    row = next(i for i, (k, t) in enumerate(zip(df["kind"], df["track"])) if k == "sound" and t == "foreground")
    df.loc[row, "caption"] = "Rain on a tin roof."
    _, table, *_ = h.edit_table(df, ws)
    assert table.loc[row, "status"] == "edited"
    assert all(s.startswith("✓") for i, s in enumerate(table["status"]) if i != row)
    final = _render(ws)[-1][1].splitlines()[0]
    n = len(ws.plan.segments)
    assert final == f"Done: 1 rendered, {n - 1} reused, 0 locked, 0 failed — {n}/{n} clips"


def test_every_clip_is_one_picklable_gpu_call(monkeypatch, tmp_path):
    """ZeroGPU runs each @spaces.GPU call in a forked worker with pickled arguments and result: one call per
    clip, and nothing in it that cannot cross a process boundary."""
    import pickle

    from ui import gpu

    calls = []
    real = gpu.gpu_generate

    def spy(profile, request, cancel=None):
        pickle.dumps((profile, request))
        clip = real(profile, request, cancel)
        pickle.dumps(clip)
        calls.append(request.kind)
        return clip

    monkeypatch.setattr(gpu, "gpu_generate", spy)
    ws = Workspace(base=tmp_path)
    _plan(ws)
    _render(ws)
    assert sorted(calls) == sorted(s.kind for s in ws.plan.segments)
    ws.cleanup()


def test_a_failing_clip_is_flagged_and_the_rest_still_mix(monkeypatch, ws):
    from engine.backends.base import BackendError
    from ui import gpu

    real = gpu.gpu_generate
    target = next(s for s in ws.plan.segments if s.kind == "sound" and s.track == "foreground")

    def flaky(profile, request, cancel=None):
        if request.caption == target.caption:
            raise BackendError("the sound model ran out of memory")
        return real(profile, request, cancel)

    monkeypatch.setattr(gpu, "gpu_generate", flaky)
    w, status, table, image, mix, loud = _render(ws)[-1]
    assert "1 failed" in status.splitlines()[0]
    assert f"✗ {target.id} sound failed: BackendError: the sound model ran out of memory" in status
    row = [s.id for s in ws.plan.segments].index(target.id)
    assert table.loc[row, "status"] == "✗ failed"
    assert h._flagged(ws) == {target.id: "BackendError: the sound model ran out of memory"}  # red on the timeline
    assert mix.value is not None and f"not rendered (silent in the mix): {target.id}" in loud
    info = h.clip_views(ws, target.id)[1]
    assert "last render failed: BackendError" in info


def test_delivery_target_remasters_reports_and_is_saved(rendered):
    try:
        ws, plan_json, _image, _mix, loud = h.set_delivery("broadcast", rendered)
        assert json.loads(plan_json)["delivery"] == "broadcast" and Plan.from_json(
            (rendered.project.root / "plan.json").read_text()).delivery == "broadcast"
        assert "Mastered for **Broadcast, EBU R128" in loud and "✓ integrated loudness: -23.0 LUFS" in loud
        assert h.plan_extras(ws)[0].value == "broadcast"
        wav = h.export("wav", ws)
        import pyloudnorm

        audio, sr = sf.read(wav)
        assert pyloudnorm.Meter(sr).integrated_loudness(audio) == pytest.approx(-23.0, abs=0.5)
        with pytest.raises(gr.Error, match="Unknown delivery target 'radio'"):
            h.set_delivery("radio", ws)
    finally:
        h.set_delivery("podcast", rendered)


def test_pronunciations_edit_validates_and_marks_only_lines_that_use_them(rendered):
    ws = rendered
    line = next(s for s in ws.plan.segments if s.kind == "speech")
    word = line.text.split()[0].strip(",.!?\"")
    try:
        out = h.edit_pronunciations(f"# names\n{word} = zzz-{word.lower()}\n", ws)
        assert json.loads(out[2])["pronunciations"] == {word: f"zzz-{word.lower()}"}
        assert h.plan_extras(ws)[1].value == f"{word} = zzz-{word.lower()}"
        dirty = [s.id for s in ws.plan.segments if ws.renderer.is_dirty(s)]
        assert line.id in dirty and all(ws.plan.segment(i).kind == "speech" for i in dirty)
        bad = h.edit_pronunciations("Siobhan shi-vawn", ws)  # no '=': refused, plan unchanged
        assert "pronunciations line 1" in bad[4] and json.loads(bad[2])["pronunciations"] == {
            word: f"zzz-{word.lower()}"}
    finally:
        h.edit_pronunciations("", ws)
    assert not any(ws.renderer.is_dirty(s) for s in ws.plan.segments)  # back as it was: cached takes again


def test_voice_preview_is_the_voice_the_story_uses(rendered):
    from engine.analysis_speech import f0_median

    ws = rendered
    names = h.plan_extras(ws)[2]
    assert names.choices and {c[0] if isinstance(c, tuple) else c for c in names.choices} == {"Anna", "Tom"}
    f0 = {}
    for name in ("Anna", "Tom"):
        audio, sr = sf.read(h.preview_voice(name, ws).value["path"])
        assert len(audio) / sr > 0.5
        f0[name] = f0_median(audio, sr)
    assert f0["Anna"] > 1.3 * f0["Tom"]  # she sounds like a woman and he like a man, as in the story
    anna_line = next(s for s in ws.plan.segments if s.character == "Anna")
    take = ws.project.read_take(anna_line.take())
    assert f0["Anna"] == pytest.approx(f0_median(take, ws.plan.sample_rate), rel=0.12)  # her first line's voice
    with pytest.raises(gr.Error, match="Choose a character"):
        h.preview_voice("Nobody", ws)
