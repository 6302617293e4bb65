"""Event handlers: validate, call the engine, format. Plain module-level functions so tests call them directly.

Every handler takes the session's Workspace (a gr.State, None until the first action) as its `ws` argument
and returns it first, so the State is stored and its time-to-live restarts on every action. Errors the user
can fix become gr.Error (a toast; the handler's outputs are left as they were) or gr.Warning (a toast; the
handler restores the last valid view).
"""

from __future__ import annotations

import contextvars
import json
import queue
import re
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from engine import audio as audio_io, qa
from engine.backends.base import CancelToken
from engine.delivery import TARGETS
from engine.plan import Plan, PlanError, Segment
from engine.timing import layout
from engine.project import ProjectError

from . import direct, format as fmt
from .plan_table import (CHARACTER_COLUMNS, COLUMNS, TableError, add_segment, apply_characters, apply_table,
                         characters_rows, delete_segment, move_segment, plan_rows, segment_choices)
from .workspace import Workspace

EXPORT_KINDS = ["wav", "mp3", "flac", "ogg", "stems", "srt", "vtt", "project"]
MIN_INSTRUCTION_CHARS = 3
PLAYER_WAV_MAX_S = 180.0  # longer mixes go to the player as MP3 (a 10-minute WAV is 100 MB)


# --- small helpers -------------------------------------------------------------------------------------------
def ensure_ws(ws: Workspace | None, profile: str | None = None) -> Workspace:
    if isinstance(ws, Workspace):
        return ws
    return Workspace(profile or "auto")


def require_plan(ws: Workspace | None) -> Workspace:
    if not isinstance(ws, Workspace) or ws.project is None:
        raise gr.Error("No plan yet: write an instruction and press Plan (or open a project zip).")
    return ws


def _not_busy(ws: Workspace) -> None:
    if ws.busy:
        raise gr.Error("A render is running in this session: wait for it or press Stop, then try again.")


def empty_table() -> pd.DataFrame:
    return pd.DataFrame([], columns=COLUMNS)


def table_value(ws: Workspace | None, current: str | None = None, pending: int = 0) -> pd.DataFrame:
    if ws is None or ws.plan is None:
        return empty_table()
    plan = ws.plan
    timeline = layout(plan)
    st = fmt.statuses(plan, ws._renderer, ws.failed, timeline, current)
    rows = plan_rows(plan, timeline, st)
    rows += [[""] * len(COLUMNS) for _ in range(pending)]  # menu-added rows not typed in yet stay on screen
    return pd.DataFrame(rows, columns=COLUMNS)


def characters_value(ws: Workspace | None) -> pd.DataFrame:
    rows = characters_rows(ws.plan) if ws is not None and ws.plan is not None else []
    return pd.DataFrame(rows, columns=CHARACTER_COLUMNS)


def _json(ws: Workspace | None) -> str:
    return ws.plan.to_json() if ws is not None and ws.plan is not None else ""


def _picker(ws: Workspace | None, value: str | None = None):
    plan = ws.plan if ws is not None else None
    choices = segment_choices(plan)
    ids = [c[1] for c in choices]
    return gr.Dropdown(choices=choices, value=value if value in ids else None)


def _has_audio(plan: Plan) -> bool:
    return any(s.take() is not None and s.take().path is not None for s in plan.segments)


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40]
    return s or "story"


def _qa_problem(seg) -> str | None:
    """The reason the active take failed its checks, from the QA result stored with it (engine/qa.py)."""
    t = seg.take()
    if t is None or t.qa.get("passed") is not False:
        return None
    return "QA: " + "; ".join(i.get("message", i.get("code", "?")) for i in t.qa.get("issues", []))


def _flagged(ws: Workspace) -> dict[str, str]:
    out = dict(ws.failed)
    for s in ws.plan.segments:
        if (s.take() is None or s.take().path is None) and s.takes and s.takes[-1].error:
            out.setdefault(s.id, s.takes[-1].error)
        problem = _qa_problem(s)
        if problem:
            out.setdefault(s.id, problem)
    return out


# Failing takes are retaken with a new seed this many times during "Generate all" (0: only flag them).
AUTO_RETAKE = 1


# --- views: timeline image, mix player, loudness -----------------------------------------------------------
# pyplot keeps a process-wide figure registry; sessions draw from several threads at once
FIGURE_LOCK = threading.Lock()


def timeline_image(ws: Workspace, mix_result=None) -> str:
    """Draw the timeline (and the mix spectrogram under it) to a PNG; remember how pixels map to time so a
    click on the image can select a clip."""
    from engine.viz import timeline_figure
    import matplotlib.pyplot as plt

    plan = ws.plan
    tl = layout(plan)
    audio = mix_result.audio if mix_result is not None else None
    sr = mix_result.sample_rate if mix_result is not None else None
    path = ws.out_path("timeline.png")
    with FIGURE_LOCK:
        fig = timeline_figure(plan, tl, audio, sr, flagged=_flagged(ws))
        try:
            fig.savefig(path, dpi=100)
            ax = fig.axes[0]
            k = 100 / fig.dpi  # display pixels → pixels of the PNG saved at dpi=100
            bb = ax.get_window_extent()
            ws.timeline_map = {"x0": bb.x0 * k, "x1": bb.x1 * k, "y0": bb.y0 * k, "y1": bb.y1 * k,
                               "height": fig.get_size_inches()[1] * 100, "xlim": ax.get_xlim(),
                               "ylim": ax.get_ylim()}
        finally:
            plt.close(fig)
    return str(path)


def mix_views(ws: Workspace) -> tuple[Any, Any, str]:
    """(timeline image path, mix player update, loudness markdown) for the current plan."""
    with ws.lock:  # one mix at a time per session: the renderer mixes into reusable buffers
        return _mix_views(ws)


def _mix_views(ws: Workspace) -> tuple[Any, Any, str]:
    plan = ws.plan
    if plan is None:
        return None, gr.Audio(value=None, subtitles=None), ""
    if not _has_audio(plan):
        return timeline_image(ws), gr.Audio(value=None, subtitles=None), "not rendered yet — press Generate all"
    result, tl = ws.renderer.mix()
    # MixResult.audio lives in the renderer's reusable buffers: write it out before anything mixes again
    dur = result.audio.shape[0] / result.sample_rate
    ext = "wav" if dur <= PLAYER_WAV_MAX_S else "mp3"
    path = ws.out_path(f"mix.{ext}")
    audio_io.write(path, result.audio, result.sample_rate, ext)
    image = timeline_image(ws, result)
    subs = [{"text": text, "timestamp": [round(a, 3), round(b, 3)]} for a, b, text in audio_io.caption_cues(plan, tl)]
    missing = [s.id for s in plan.segments if s.take() is None or s.take().path is None]
    loud = fmt.loudness_text(result, dur, plan.delivery)
    if missing:
        loud += f"\n- not rendered (silent in the mix): {', '.join(missing)}"
    return image, gr.Audio(value=str(path), subtitles=subs or None), loud


# --- the clip editor ------------------------------------------------------------------------------------------


def _clip_png(ws: Workspace, audio, sr: int, title: str) -> str:
    from engine.viz import clip_figure
    import matplotlib.pyplot as plt

    path = ws.out_path("clip.png")
    with FIGURE_LOCK:
        fig = clip_figure(audio, sr, title)
        try:
            fig.savefig(path, dpi=100)
        finally:
            plt.close(fig)
    return str(path)


def clip_views(ws: Workspace | None, seg_id: str | None, take_id: str | None = None) -> tuple:
    """The selected-clip editor for one segment (its active take, or `take_id` to preview another)."""
    if ws is None or ws.plan is None or not seg_id:
        return (_picker(ws), "", None, None, "", "", "", gr.Radio(choices=[], value=None), False)
    plan = ws.plan
    try:
        seg = plan.segment(seg_id)
    except PlanError:
        return clip_views(ws, None)
    ws.selected = seg.id
    tl = layout(plan)
    dirty = None
    take = seg.take() if take_id is None else next((t for t in seg.takes if t.id == take_id), None)
    audio_path = fig_path = None
    if take is not None and take.path is not None:
        try:
            data = ws.project.read_take(take)
            audio_path = str(ws.project.resolve(take.path))
            fig_path = _clip_png(ws, data, plan.sample_rate, f"{seg.id} · {take.id}")
            if seg.take() is not None:
                dirty = ws.renderer.is_dirty(seg, tl)
        except (ProjectError, audio_io.AudioFileError) as e:
            gr.Warning(f"{seg.id}: {e}")
    info = fmt.clip_info(plan, seg, tl, dirty, ws.failed.get(seg.id))
    if take is not None and take.qa.get("passed") is not None:
        verdict = "passed" if take.qa["passed"] else "; ".join(i.get("message", "") for i in take.qa.get("issues", []))
        info += f"\n\n**Checks:** {'✓ ' if take.qa['passed'] else '⚠ '}{verdict}"
    takes = fmt.take_choices(seg)
    shown = take.id if take is not None else None
    return (_picker(ws, seg.id), info, audio_path, fig_path, seg.caption, seg.text, seg.instruction,
            gr.Radio(choices=takes, value=shown), seg.locked)


# --- Story: plan --------------------------------------------------------------------------------------------
def plan_story(instruction: str, target: float | None, language: str, profile: str, seed: float | None,
               ws: Workspace | None, progress=gr.Progress()):
    """Instruction → a new plan in this session's own project folder.
    Returns (ws, table, plan JSON, characters, messages)."""
    text = (instruction or "").strip()
    if len(text) < MIN_INSTRUCTION_CHARS:
        raise gr.Error("Write a story instruction first (a sentence or two; you can name the length, "
                       "e.g. 'The total duration is 20 seconds.').")
    duration = float(target) if target not in (None, "") and float(target) > 0 else None
    lang = language if language in ("en", "zh") else None
    ws = ensure_ws(ws, profile)
    _not_busy(ws)
    try:
        ws.profile = profile or "auto"
        session = ws.session
        progress(0.1, desc="Planning")
        plan = session.plan(text, duration=duration, language=lang, seed=int(seed or 0))
    except (ValueError, PlanError) as e:
        raise gr.Error(f"Planning failed: {e}") from None
    ws.new_project(plan)
    return ws, table_value(ws), _json(ws), characters_value(ws), fmt.plan_messages(plan)


def after_plan(ws: Workspace | None):
    """Views that follow a new plan: timeline (dry run, before any render), empty mix, clip editor reset."""
    if ws is None or ws.plan is None:
        return (None, gr.Audio(value=None, subtitles=None), "", *clip_views(ws, None))
    image, mix, loud = mix_views(ws)
    first = ws.plan.segments[0].id if ws.plan.segments else None
    return (image, mix, loud, *clip_views(ws, ws.selected or first))


# --- Story: edits -------------------------------------------------------------------------------------------
def _edited(ws: Workspace, plan: Plan, notes: list[str] | None = None, pending: int = 0):
    ws.project.plan = plan
    ws.project.save()
    return ws, table_value(ws, pending=pending), _json(ws), characters_value(ws), fmt.plan_messages(plan, notes)


def _rejected(ws: Workspace | None, error: str):
    # The browser table fires its input event twice for one cell edit; one toast per rejected edit is enough.
    now = time.monotonic()
    last = getattr(ws, "last_warning", None)
    if not (last and last[0] == error and now - last[1] < 2.0):
        gr.Warning(error)
    if ws is not None:
        ws.last_warning = (error, now)
    plan = ws.plan if ws is not None else None
    return ws, table_value(ws), _json(ws), characters_value(ws), fmt.plan_messages(plan, error=error)


def _not_editable(ws: Workspace | None) -> str | None:
    """Why the plan can't be edited right now (no plan, or a render running), or None."""
    if ws is None or ws.plan is None:
        return "No plan yet: write an instruction and press Plan first."
    if ws.busy:
        return "A render is running: wait for it or press Stop before editing the plan."
    return None


def edit_table(table, ws: Workspace | None):
    """The user edited the segment table. Valid: the plan follows it. Invalid: a warning naming row, segment
    and field, and the table is restored to the last valid plan. Returns (ws, table, JSON, characters, msgs)."""
    if (why := _not_editable(ws)) is not None:
        return _rejected(ws, why)
    try:
        result = apply_table(ws.plan, table)
    except TableError as e:
        return _rejected(ws, str(e))
    return _edited(ws, result.plan, result.notes, result.pending_rows)


def edit_characters(table, ws: Workspace | None):
    if (why := _not_editable(ws)) is not None:
        return _rejected(ws, why)
    try:
        plan = apply_characters(ws.plan, table)
    except TableError as e:
        return _rejected(ws, f"characters {e}")
    return _edited(ws, plan)


def apply_json(text: str, ws: Workspace | None):
    """Advanced edit: the whole plan as JSON. Takes that point at missing files are flagged, not trusted."""
    if (why := _not_editable(ws)) is not None:
        return _rejected(ws, why)
    try:
        plan = Plan.from_json(text or "")
    except PlanError as e:
        return _rejected(ws, str(e))
    ws.project.plan = plan
    problems = ws.project.check_takes()
    return _edited(ws, ws.project.plan, problems)


def _segment_op(ws: Workspace | None, op):
    if ws is None or ws.plan is None:
        raise gr.Error("No plan yet: write an instruction and press Plan first.")
    _not_busy(ws)
    try:
        plan, selected = op(ws.plan)
    except (TableError, PlanError) as e:
        raise gr.Error(str(e)) from None
    out = _edited(ws, plan)
    ws.selected = selected
    return (*out, *clip_views(ws, selected))


def _selected(ws: Workspace | None, seg_id: str | None) -> str:
    sid = seg_id or (ws.selected if ws is not None else None)
    if not sid:
        raise gr.Error("Select a segment first: click its row in the plan table.")
    return sid


def add_seg(seg_id: str | None, ws: Workspace | None):
    """New sound segment after the selected one (or at the end)."""
    return _segment_op(ws, lambda p: add_segment(p, seg_id or (ws.selected if ws else None)))


def delete_seg(seg_id: str | None, ws: Workspace | None):
    sid = _selected(ws, seg_id)

    def op(p):
        ids = [s.id for s in p.segments]
        nxt = ids[ids.index(sid) + 1] if sid in ids and ids.index(sid) + 1 < len(ids) else (
            ids[ids.index(sid) - 1] if sid in ids and ids.index(sid) > 0 else None)
        return delete_segment(p, sid), nxt

    return _segment_op(ws, op)


def move_seg(seg_id: str | None, ws: Workspace | None, delta: int):
    sid = _selected(ws, seg_id)
    return _segment_op(ws, lambda p: (move_segment(p, sid, delta), sid))


def move_up(seg_id, ws):
    return move_seg(seg_id, ws, -1)


def move_down(seg_id, ws):
    return move_seg(seg_id, ws, +1)


def select_row(ws: Workspace | None, evt: gr.SelectData):
    """A click in the plan table opens that row's segment in the clip editor."""
    row = evt.row_value or []
    sid = str(row[0]) if row and row[0] not in (None, "") else None
    if sid is None and ws is not None and ws.plan is not None and evt.index:
        r = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if isinstance(r, int) and 0 <= r < len(ws.plan.segments):
            sid = ws.plan.segments[r].id
    return clip_views(ws, sid)


def pick_clip(seg_id: str | None, ws: Workspace | None):
    return clip_views(ws, seg_id)


def timeline_click(ws: Workspace | None, evt: gr.SelectData):
    """A click on the timeline image selects the clip under it (foreground lane on top, background below)."""
    if ws is None or ws.plan is None or not ws.timeline_map or not evt.index:
        return clip_views(ws, ws.selected if ws else None)
    m = ws.timeline_map
    x, y = float(evt.index[0]), float(evt.index[1])
    yb = m["height"] - y  # matplotlib measures from the bottom
    if not (m["x0"] <= x <= m["x1"] and m["y0"] <= yb <= m["y1"]):
        return clip_views(ws, ws.selected)
    t = m["xlim"][0] + (x - m["x0"]) / (m["x1"] - m["x0"]) * (m["xlim"][1] - m["xlim"][0])
    lane_y = m["ylim"][0] + (yb - m["y0"]) / (m["y1"] - m["y0"]) * (m["ylim"][1] - m["ylim"][0])
    track = "foreground" if lane_y >= 1.0 else "background"
    hits = [p for p in layout(ws.plan).track(track) if p.start <= t <= p.end]
    sid = hits[-1].segment_id if hits else ws.selected
    return clip_views(ws, sid)


# --- Render ---------------------------------------------------------------------------------------------------
def _outcome_line(ws: Workspace, sid: str, takes_before: int) -> str:
    seg = ws.plan.segment(sid)
    t = seg.take()
    what = (seg.text if seg.kind == "speech" else seg.caption)[:60]
    rendered = t is not None and t.path is not None
    if len(seg.takes) == takes_before:  # nothing new was made for it
        if seg.locked and rendered:
            return f"locked {sid} {seg.kind} kept (locked) — {what}"
        if rendered:
            return f"↺ {sid} {seg.kind} unchanged, reused — {what}"
        return f"· {sid} {seg.kind} not rendered (stopped)"
    last = seg.takes[-1]
    if last.path is None:
        return f"✗ {sid} {seg.kind} failed: {last.error}"
    warn = f" ⚠ {'; '.join(last.warnings)}" if last.warnings else ""
    placed = layout(ws.plan)[sid].duration  # the take may be longer: sound clips carry a crossfade tail
    return f"✓ {sid} {seg.kind} {placed:.1f} s — {what}{warn}"


def generate_all(ws: Workspace | None, progress=gr.Progress()):
    """Render every dirty clip, one at a time, yielding after each so clips appear as they finish; Stop sets
    the cancel token (checked between clips and inside long ones). Finished clips are saved as they complete.
    Yields (ws, status, table, timeline, mix, loudness)."""
    ws = require_plan(ws)
    _not_busy(ws)
    r = ws.renderer
    token = ws.cancel = CancelToken()
    events: queue.Queue = queue.Queue()

    def on_progress(p):
        # count the segment's takes now, in the render thread: by the time the handler reads the event the
        # clip may already be finished
        n = len(r.plan.segment(p.segment_id).takes) if p.segment_id else 0
        events.put(("progress", (p, n)))

    def work():
        try:
            # every new take is checked (engine/qa.py) and a failing one retaken with a new seed
            events.put(("done", qa.render_with_qa(r, progress=on_progress, cancel=token,
                                                  auto_retake=AUTO_RETAKE).render))
        except BaseException as e:  # noqa: BLE001 - re-raised in the handler thread
            events.put(("error", e))

    ws.busy = True
    # copy_context: on ZeroGPU the GPU scheduler finds the Gradio request through a context variable
    worker = threading.Thread(target=contextvars.copy_context().run, args=(work,), daemon=True,
                              name=f"render-{ws.id}")
    worker.start()
    lines: list[str] = []
    prev: str | None = None
    total = done_so_far = 0
    report = None
    skip = gr.skip()
    try:
        while True:
            kind, payload = events.get()
            if kind == "error":
                raise payload
            if kind == "done":
                report = payload
                break
            p, takes_before = payload
            total = p.total
            if p.message.startswith(("checking", "retaking")):  # QA after the renders: not a clip outcome
                if p.message.startswith("retaking"):
                    lines.append(f"↻ {p.message}")
                yield (ws, fmt.render_log(lines + [f"… {p.message}"], done_so_far, p.total, "Checking"),
                       skip, skip, skip, skip)
                continue
            done_so_far = max(done_so_far, p.done)
            if prev is not None:
                lines.append(_outcome_line(ws, *prev))
            prev = None
            if p.segment_id is None:
                continue
            prev = (p.segment_id, takes_before)
            progress((p.done, max(p.total, 1)), desc=f"Rendering {p.segment_id}", unit="clip")
            yield (ws, fmt.render_log(lines + [f"… {p.message}"], p.done, p.total, "Rendering"),
                   table_value(ws, current=p.segment_id), skip, skip, skip)
    except GeneratorExit:  # the client went away or cancelled the job: stop the worker too
        token.cancel()
        raise
    finally:
        if worker.is_alive():
            token.cancel()
            worker.join(timeout=120)
        ws.busy = False
    for sid in report.rendered + report.cached:
        ws.failed.pop(sid, None)
    ws.failed.update(report.failed)
    head = ("Stopped" if report.cancelled else "Done") + (
        f": {len(report.rendered)} rendered, {len(report.cached)} reused, {len(report.locked)} locked, "
        f"{len(report.failed)} failed")
    image, mix, loud = mix_views(ws)
    done = len(report.rendered) + len(report.cached) + len(report.locked) + len(report.failed)
    yield ws, fmt.render_log(lines, done, total, head), table_value(ws), image, mix, loud


def stop(ws: Workspace | None):
    """Stop button: must not wait behind the render (it runs outside the GPU queue)."""
    if isinstance(ws, Workspace) and ws.busy:
        ws.cancel.cancel()
        gr.Info("Stopping after the clip in flight…")


def regenerate(seg_id: str | None, caption: str, text: str, instruction: str, new_seed: bool,
               ws: Workspace | None, progress=gr.Progress()):
    """A new take of one clip: with the edited caption/text/instruction, and/or a new seed. Only this clip
    renders. Returns (ws, *clip editor, table, JSON, timeline, mix, loudness, status)."""
    ws = require_plan(ws)
    _not_busy(ws)
    sid = _selected(ws, seg_id)
    try:
        seg = ws.plan.segment(sid)
    except PlanError as e:
        raise gr.Error(str(e)) from None
    if seg.locked:
        raise gr.Error(f"Segment {sid} is locked: untick Lock to regenerate it.")
    changes = {k: v for k, v in (("caption", caption), ("text", text), ("instruction", instruction))
               if v is not None and v.strip() != getattr(seg, k)}
    if changes:
        data = ws.plan.model_dump(mode="json")
        for d in data["segments"]:
            if d["id"] == sid:
                d.update({k: v.strip() for k, v in changes.items()})
        try:
            ws.project.plan = Plan.from_dict(data)
        except PlanError as e:
            raise gr.Error(str(e)) from None
    r = ws.renderer
    if not changes and not new_seed and not r.is_dirty(ws.plan.segment(sid)):
        gr.Info(f"{sid}: nothing changed — tick 'New seed' for a different take, or edit the clip.")
    progress(0.2, desc=f"Rendering {sid}")
    ws.busy = True
    try:
        take = r.regenerate(sid, new_seed=bool(new_seed))
        ws.failed.pop(sid, None)
        status = f"✓ {sid}: new take {take.id} (seed {take.seed}, {take.duration:.2f} s)"
    except RuntimeError as e:
        ws.failed[sid] = str(e)
        gr.Warning(str(e))
        status = f"✗ {e}"
    finally:
        ws.busy = False
    image, mix, loud = mix_views(ws)
    return (ws, *clip_views(ws, sid), table_value(ws), _json(ws), image, mix, loud, status)


def retake_clip(seg_id: str | None, ws: Workspace | None, progress=gr.Progress()):
    """One-click retake: new seeds until a take passes the checks (up to AUTO_RETAKE + 1 tries); the better
    take by the same checks stays active and every take stays selectable. Same outputs as regenerate."""
    ws = require_plan(ws)
    _not_busy(ws)
    sid = _selected(ws, seg_id)
    progress(0.2, desc=f"Retaking {sid}")
    ws.busy = True
    try:
        take = qa.retake(ws.renderer, sid, attempts=AUTO_RETAKE + 1)
        ws.failed.pop(sid, None)
        verdict = "passes its checks" if take.qa.get("passed") else "still flagged: " + (_qa_problem(ws.plan.segment(sid)) or "")
        status = f"✓ {sid}: take {take.id} kept ({verdict})"
    except (ValueError, RuntimeError, PlanError) as e:
        raise gr.Error(str(e)) from None
    finally:
        ws.busy = False
    image, mix, loud = mix_views(ws)
    return (ws, *clip_views(ws, sid), table_value(ws), _json(ws), image, mix, loud, status)


def preview_take(seg_id: str | None, take_id: str | None, ws: Workspace | None):
    """Picking a take in the list plays it (the active take does not change until 'Use this take')."""
    return clip_views(ws, seg_id, take_id)


def use_take(seg_id: str | None, take_id: str | None, ws: Workspace | None):
    ws = require_plan(ws)
    _not_busy(ws)
    sid = _selected(ws, seg_id)
    seg = ws.plan.segment(sid)
    take = next((t for t in seg.takes if t.id == take_id), None)
    if take is None or take.path is None:
        raise gr.Error(f"{sid}: pick a take that has audio first.")
    seg.active_take = take.id
    ws.project.save()
    image, mix, loud = mix_views(ws)
    return (ws, *clip_views(ws, sid), table_value(ws), _json(ws), image, mix, loud)


DELIVERY_CHOICES = [(t.short, name) for name, t in TARGETS.items()]


def set_delivery(delivery: str, ws: Workspace | None):
    """Master for another target (saved with the plan); the mix and its compliance report follow."""
    ws = require_plan(ws)
    _not_busy(ws)
    if delivery not in TARGETS:
        raise gr.Error(f"Unknown delivery target {delivery!r}; choose one of {', '.join(TARGETS)}.")
    ws.plan.delivery = delivery
    ws.project.save()
    return (ws, _json(ws), *mix_views(ws))


def plan_extras(ws: Workspace | None):
    """The plan's delivery target, pronunciations and characters (for the voice preview), for their inputs after
    a plan is made, opened or edited."""
    if ws is None or ws.plan is None:
        return gr.Dropdown(), gr.Textbox(), gr.Dropdown(choices=[], value=None)
    names = [c.name for c in ws.plan.characters]
    return (gr.Dropdown(value=ws.plan.delivery), gr.Textbox(value=pronunciations_text(ws.plan)),
            gr.Dropdown(choices=names, value=names[0] if names else None))


PREVIEW_LINE = {"en": "Hello. This is how I sound when I tell the story.", "zh": "你好。我讲故事的时候，就是这个声音。"}


def preview_voice(name: str | None, ws: Workspace | None, progress=gr.Progress()):
    """A character's voice before a long render: their first line (pronunciations applied), or a sample sentence,
    through exactly the request a line of theirs makes, so the preview is the voice the story will use."""
    ws = require_plan(ws)
    _not_busy(ws)
    plan = ws.plan
    ch = plan.character(name) if name else None
    if ch is None:
        raise gr.Error("Choose a character to hear (add one in the characters table first).")
    first = next((s for s in plan.segments if s.kind == "speech" and s.character == ch.name and s.text.strip()),
                 None)
    probe = Segment(id="voice-preview", kind="speech", duration=1.0, character=ch.name,
                    text=first.text if first else PREVIEW_LINE[plan.language])
    progress(0.1, desc=f"Speaking as {ch.name}")
    try:
        clip = ws.session.generate(ws.renderer.request_for(probe))
    except ValueError as e:
        raise gr.Error(str(e)) from None
    path = _write_audio(ws, clip.audio, clip.sample_rate, "voice-preview.wav")
    return gr.Audio(value=path, subtitles=[{"text": f"{ch.name}: {probe.text}", "timestamp": [0.0, clip.duration]}])


def pronunciations_text(plan: Plan | None) -> str:
    return "\n".join(f"{w} = {say}" for w, say in (plan.pronunciations if plan is not None else {}).items())


def parse_pronunciations(text: str) -> dict[str, str]:
    """'word = how to say it', one per line; blank lines and lines starting with # are skipped."""
    out: dict[str, str] = {}
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, sep, say = line.partition("=")
        if not sep or not word.strip() or not say.strip():
            raise ValueError(f"pronunciations line {n} ({line[:40]!r}): write it as `word = how to say it`")
        out[word.strip()] = say.strip()
    return out


def edit_pronunciations(text: str, ws: Workspace | None):
    """How the speech models should say some words (the script and captions keep them as written). Lines that
    use a changed word become dirty; nothing else re-renders."""
    if (why := _not_editable(ws)) is not None:
        return _rejected(ws, why)
    try:
        plan = Plan.from_dict({**json.loads(ws.plan.to_json()), "pronunciations": parse_pronunciations(text)})
    except (ValueError, PlanError) as e:
        return _rejected(ws, str(e))
    return _edited(ws, plan)


def set_lock(seg_id: str | None, locked: bool, ws: Workspace | None):
    ws = require_plan(ws)
    _not_busy(ws)
    sid = _selected(ws, seg_id)
    ws.plan.segment(sid).locked = bool(locked)
    ws.project.save()
    return ws, table_value(ws), _json(ws)


# --- Export / import ---------------------------------------------------------------------------------------
def export(what: str, ws: Workspace | None) -> str:
    """Mix (wav/mp3/flac/ogg), stems zip, captions (srt/vtt) or the project zip. Returns a file path."""
    ws = require_plan(ws)
    _not_busy(ws)
    what = (what or "").lower()
    if what not in EXPORT_KINDS:
        raise gr.Error(f"Unknown export {what!r}; choose one of {', '.join(EXPORT_KINDS)}.")
    plan = ws.plan
    name = _slug(plan.title)
    if what == "project":
        path = ws.out_path(f"{name}.audiostory.zip")
        path.write_bytes(ws.project.export_zip())
        return str(path)
    if what in ("srt", "vtt"):
        path = ws.out_path(f"{name}.{what}")
        tl = layout(plan)
        path.write_text((audio_io.srt if what == "srt" else audio_io.vtt)(plan, tl), encoding="utf-8")
        return str(path)
    if not _has_audio(plan):
        raise gr.Error("Nothing rendered yet: press Generate all first.")
    missing = [s.id for s in plan.segments if s.take() is None or s.take().path is None]
    if missing:
        gr.Warning(f"Not rendered yet, silent in the export: {', '.join(missing)}")
    result, _ = ws.renderer.mix(stems=what == "stems")
    if what == "stems":
        path = ws.out_path(f"{name}-stems.zip")
        path.write_bytes(audio_io.stems_zip(result.master_stems(), result.sample_rate))
        return str(path)
    path = ws.out_path(f"{name}.{what}")
    audio_io.write(path, result.audio, result.sample_rate, what)
    return str(path)


def open_project(file, ws: Workspace | None):
    """Upload a project zip: plan and takes restored exactly, in this session's own folder."""
    if not file:
        raise gr.Error("Choose a project .zip exported from AudioStory Studio.")
    ws = ensure_ws(ws)
    _not_busy(ws)
    path = file if isinstance(file, (str, Path)) else getattr(file, "name", None) or file.get("path")
    try:
        project = ws.import_project(Path(path))
    except ProjectError as e:
        raise gr.Error(str(e)) from None
    notes = [f"opened {Path(path).name}"] + list(project.problems)
    return ws, table_value(ws), _json(ws), characters_value(ws), fmt.plan_messages(project.plan, notes)


# --- Instruct tab -----------------------------------------------------------------------------------------------
INSTRUCT_KINDS = ["speech", "music", "dialogue"]


def compose_preview(kind: str, language: str, gender, age, emotion, style, accent, pace, genre, instruments,
                    tempo, mood) -> str:
    try:
        return direct.compose_instruction(kind or "speech", language, {
            "gender": gender, "age": age, "emotion": emotion, "style": style, "accent": accent, "pace": pace,
            "genre": genre, "instruments": instruments or [], "tempo_bpm": tempo, "mood": mood})
    except ValueError as e:
        raise gr.Error(str(e)) from None


def instruct_language(language: str):
    """Dropdown words follow the instruction language; selections reset (the words differ)."""
    lang = "zh" if language == "zh" else "en"
    updates = []
    for kind, field in [("speech", f) for f in direct.SPEECH_FIELDS] + [("music", f) for f in direct.MUSIC_FIELDS]:
        updates.append(gr.Dropdown(choices=direct.field_choices(kind, field, lang),
                                   value=[] if field == "instruments" else None))
    return tuple(updates)


def instruct_kind(kind: str):
    """Show the controls that matter for the kind: (speech attrs, music attrs, instruction box, voices table,
    music length). A dialogue takes its voices from the table, one instruction per speaker."""
    return (gr.Group(visible=kind == "speech"), gr.Group(visible=kind == "music"),
            gr.Textbox(visible=kind != "dialogue"), gr.Dataframe(visible=kind == "dialogue"),
            gr.Number(visible=kind == "music"))


def _write_audio(ws: Workspace, audio, sr: int, name: str) -> str:
    path = ws.out_path(name)
    audio_io.write(path, audio, sr, "wav")
    return str(path)


def run_instruct(kind: str, instruction: str, text: str, voices, language: str, seed: float | None,
                 duration: float | None, ws: Workspace | None, progress=gr.Progress()):
    """Speech, music or a dialogue straight from an instruction. Returns (ws, audio, understood, spectrogram)."""
    ws = ensure_ws(ws)
    kind = (kind or "speech").lower()
    lang = language if language in ("en", "zh") else None
    progress(0.1, desc=f"Generating {kind}")
    try:
        if kind == "speech":
            out = direct.render_speech(ws.session, text, instruction, lang, int(seed or 0))
            understood = fmt.understood_markdown("speech", out.understood, out.unknown)
        elif kind == "music":
            out = direct.render_music(ws.session, instruction, text, duration or 10, lang, int(seed or 0))
            understood = fmt.understood_markdown("music", out.understood, out.unknown)
        elif kind == "dialogue":
            out = direct.render_dialogue(ws.session, text, direct.parse_voices(voices), lang, int(seed or 0))
            understood = "\n\n".join(fmt.understood_markdown(f"speech · {spk}", a, [])
                                     for spk, a in out.understood.items())
            if out.unknown:
                understood += "\n\nnot understood (ignored): " + ", ".join(f"“{u}”" for u in out.unknown)
        else:
            raise ValueError(f"unknown kind {kind!r}; use speech, music or dialogue")
    except ValueError as e:
        raise gr.Error(str(e)) from None
    if out.warnings:
        understood += "\n\n" + "\n".join(f"- ⚠ {w}" for w in out.warnings)
    path = _write_audio(ws, out.audio, out.sample_rate, f"{kind}.wav")
    subs = [{"text": c, "timestamp": [a, b]} for a, b, c in out.cues] or None
    return ws, gr.Audio(value=path, subtitles=subs), understood, _clip_png(ws, out.audio, out.sample_rate, kind)


def run_contrast(line: str, instructions: str, language: str, seed: float | None, ws: Workspace | None,
                 progress=gr.Progress()):
    """One line under 2–4 instructions: players side by side and overlaid pitch/energy contours.
    Returns (ws, audio 1..4, contours image)."""
    from engine.viz import contours_figure
    import matplotlib.pyplot as plt

    ws = ensure_ws(ws)
    lang = language if language in ("en", "zh") else None
    try:
        items = direct.contrast_instructions(instructions)
        progress(0.1, desc="Rendering the line under each instruction")
        results = direct.render_contrast(ws.session, line, items, lang, int(seed or 0))
    except ValueError as e:
        raise gr.Error(str(e)) from None
    players = []
    for i in range(direct.MAX_CONTRAST):
        if i < len(results):
            label, out = results[i]
            players.append(gr.Audio(value=_write_audio(ws, out.audio, out.sample_rate, f"contrast{i + 1}.wav"),
                                    label=f"{i + 1}. {label}", visible=True))
        else:
            players.append(gr.Audio(value=None, visible=False))
    path = ws.out_path("contours.png")
    with FIGURE_LOCK:
        fig = contours_figure([(f"{i + 1}. {label}"[:40], out.audio, out.sample_rate)
                               for i, (label, out) in enumerate(results)])
        try:
            fig.savefig(path, dpi=100)
        finally:
            plt.close(fig)
    return (ws, *players, str(path))


# --- About ---------------------------------------------------------------------------------------------------
def session_info(ws: Workspace | None) -> str:
    from .gpu import session_for

    try:
        s = ws.session if isinstance(ws, Workspace) else session_for("auto")
        return fmt.session_markdown(s.info())
    except Exception as e:  # noqa: BLE001 - the About tab must always show something
        return f"session unavailable: {e}"
