"""Event handlers: validate, call the workspace's Studio (engine.studio), refresh the views. Plain module-level
functions so tests call them directly.

Every handler takes the session's Workspace (a gr.State, None until the first action) as its `ws` argument
and returns it first, so the State is stored and its time-to-live restarts on every action. Errors the user
can fix become gr.Error (a toast; the handler's outputs are left as they were) or gr.Warning (a toast; the
handler restores the last valid view).
"""

from __future__ import annotations

import contextvars
import queue
import re
import threading
import time
from pathlib import Path

import gradio as gr

from engine.backends.base import CancelToken, Cancelled
from engine.delivery import TARGETS
from engine.edit import TableError
from engine.plan import PlanError
from engine.project import ProjectError
from engine.studio import EXPORT_KINDS, StudioError
from engine.timing import layout

from . import format as fmt
from .views import (characters_value, clip_at, clip_views, flagged, has_audio, mix_views, plan_json, table_value,
                    write_audio)
from .workspace import Workspace

_flagged = flagged  # the name the tests and older callers use
USER_ERRORS = (StudioError, TableError, PlanError, ProjectError, ValueError)


# --- small helpers -------------------------------------------------------------------------------------------
def ensure_ws(ws: Workspace | None, profile: str | None = None) -> Workspace:
    return ws if isinstance(ws, Workspace) else Workspace(profile or "auto")


def require_plan(ws: Workspace | None) -> Workspace:
    if not isinstance(ws, Workspace) or ws.project is None:
        raise gr.Error("No plan yet: write an instruction and press Plan (or open a project zip).")
    return ws


def _not_busy(ws: Workspace) -> None:
    if ws.busy:
        raise gr.Error("A render is running in this session: wait for it or press Stop, then try again.")


def _ready(ws: Workspace | None) -> Workspace:
    ws = require_plan(ws)
    _not_busy(ws)
    return ws


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "story"


def _story_views(ws: Workspace, notes: list[str] | None = None, pending: int = 0, error: str | None = None):
    """(ws, table, plan JSON, characters, messages): what every plan change refreshes."""
    plan = ws.plan if ws is not None else None
    return (ws, table_value(ws, pending=pending), plan_json(ws), characters_value(ws),
            fmt.plan_messages(plan, notes, error))


def _clip_and_story(ws: Workspace, sid: str | None, *extra):
    """Every view after one clip changed: clip editor, table, JSON, timeline, mix, loudness (and `extra`)."""
    image, mix, loud = mix_views(ws)
    return (ws, *clip_views(ws, sid), table_value(ws), plan_json(ws), image, mix, loud, *extra)


# --- Story: plan --------------------------------------------------------------------------------------------
def plan_story(instruction: str, target: float | None, language: str, profile: str, seed: float | None,
               ws: Workspace | None, planner: str = "auto", progress=gr.Progress()):
    """Instruction → a new plan in this session's own project folder, by the chosen planner (an LLM's tokens move
    the progress bar; Stop stops it). Returns (ws, table, plan JSON, characters, messages)."""
    duration = float(target) if target not in (None, "") and float(target) > 0 else None
    ws = ensure_ws(ws, profile)
    _not_busy(ws)
    ws.profile, ws.planner = profile or "auto", planner or "auto"
    progress(0.1, desc="Planning")
    try:
        ws.plan_story(instruction, duration=duration, language=language if language in ("en", "zh") else None,
                      seed=int(seed or 0), progress=lambda p: progress((p.done, p.total), desc=p.message))
    except Cancelled:
        raise gr.Error("Planning stopped; the plan you had is kept.") from None
    except USER_ERRORS as e:
        raise gr.Error(f"Planning failed: {e}") from None
    return _story_views(ws)


def after_plan(ws: Workspace | None):
    """Views that follow a new plan: timeline (dry run, before any render), empty mix, clip editor reset."""
    if ws is None or ws.plan is None:
        return (None, gr.Audio(value=None, subtitles=None), "", *clip_views(ws, None))
    image, mix, loud = mix_views(ws)
    first = ws.plan.segments[0].id if ws.plan.segments else None
    return (image, mix, loud, *clip_views(ws, ws.selected or first))


# --- Story: edits -------------------------------------------------------------------------------------------
def _rejected(ws: Workspace | None, error: str):
    # The browser table fires its input event twice for one cell edit; one toast per rejected edit is enough.
    now = time.monotonic()
    last = getattr(ws, "last_warning", None)
    if not (last and last[0] == error and now - last[1] < 2.0):
        gr.Warning(error)
    if ws is not None:
        ws.last_warning = (error, now)
    return _story_views(ws, error=error)


def _edit(ws: Workspace | None, change):
    """Apply `change(studio)` → (notes, pending rows); a refused edit warns and restores the last valid views."""
    if ws is None or ws.plan is None:
        return _rejected(ws, "No plan yet: write an instruction and press Plan first.")
    if ws.busy:
        return _rejected(ws, "A render is running: wait for it or press Stop before editing the plan.")
    try:
        notes, pending = change(ws.studio)
    except USER_ERRORS as e:
        return _rejected(ws, str(e))
    return _story_views(ws, notes, pending)


def edit_table(table, ws: Workspace | None):
    """The user edited the segment table. Valid: the plan follows it. Invalid: a warning naming row, segment
    and field, and the table is restored to the last valid plan. Returns (ws, table, JSON, characters, msgs)."""
    def change(studio):
        result = studio.apply_table(table)
        return result.notes, result.pending_rows
    return _edit(ws, change)


def edit_characters(table, ws: Workspace | None):
    def change(studio):
        try:
            studio.apply_characters(table)
        except TableError as e:
            raise TableError(f"characters {e}") from None
        return None, 0
    return _edit(ws, change)


def apply_json(text: str, ws: Workspace | None):
    """Advanced edit: the whole plan as JSON. Takes that point at missing files are flagged, not trusted."""
    return _edit(ws, lambda studio: (studio.replace_plan(text or ""), 0))


def edit_pronunciations(text: str, ws: Workspace | None):
    """How the speech models should say some words (the script and captions keep them as written). Lines that
    use a changed word become dirty; nothing else re-renders."""
    return _edit(ws, lambda studio: (studio.set_pronunciations(parse_pronunciations(text)), 0))


def _segment_op(ws: Workspace | None, op):
    """`op(studio)` → the segment to select afterwards. Returns the story views and the clip editor."""
    if ws is None or ws.plan is None:
        raise gr.Error("No plan yet: write an instruction and press Plan first.")
    _not_busy(ws)
    try:
        selected = op(ws.studio)
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from None
    ws.selected = selected
    return (*_story_views(ws), *clip_views(ws, selected))


def _selected(ws: Workspace | None, seg_id: str | None) -> str:
    sid = seg_id or (ws.selected if ws is not None else None)
    if not sid:
        raise gr.Error("Select a segment first: click its row in the plan table.")
    return sid


def add_seg(seg_id: str | None, ws: Workspace | None):
    """New sound segment after the selected one (or at the end)."""
    return _segment_op(ws, lambda studio: studio.add_segment(seg_id or (ws.selected if ws else None)))


def delete_seg(seg_id: str | None, ws: Workspace | None):
    sid = _selected(ws, seg_id)
    return _segment_op(ws, lambda studio: studio.delete_segment(sid))


def move_seg(seg_id: str | None, ws: Workspace | None, delta: int):
    sid = _selected(ws, seg_id)
    return _segment_op(ws, lambda studio: (studio.move_segment(sid, delta), sid)[1])


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
    """A click on the timeline image selects the clip under it."""
    if ws is None or ws.plan is None or not ws.timeline_map or not evt.index:
        return clip_views(ws, ws.selected if ws else None)
    return clip_views(ws, clip_at(ws, float(evt.index[0]), float(evt.index[1])))


# --- Render ---------------------------------------------------------------------------------------------------
def _outcome_line(ws: Workspace, sid: str, takes_before: int) -> str:
    seg = ws.plan.segment(sid)
    t = seg.take()
    what = (seg.text if seg.kind == "speech" else seg.caption)[:60]
    rendered = t is not None and t.path is not None
    if len(seg.takes) == takes_before:  # nothing new was made for it
        if seg.locked and rendered:
            return f"locked {sid} {seg.kind} kept (locked) — {what}"
        return f"↺ {sid} {seg.kind} unchanged, reused — {what}" if rendered else f"· {sid} {seg.kind} not rendered (stopped)"
    last = seg.takes[-1]
    if last.path is None:
        return f"✗ {sid} {seg.kind} failed: {last.error}"
    warn = f" ⚠ {'; '.join(last.warnings)}" if last.warnings else ""
    placed = layout(ws.plan)[sid].duration  # the take may be longer: sound clips carry a crossfade tail
    return f"✓ {sid} {seg.kind} {placed:.1f} s — {what}{warn}"


def generate_all(ws: Workspace | None, progress=gr.Progress()):
    """Render every dirty clip (checked, failing ones retaken), one at a time, yielding after each so clips appear
    as they finish; Stop sets the cancel token (checked between clips and inside long ones). Finished clips are
    saved as they complete. Yields (ws, status, table, timeline, mix, loudness)."""
    ws = _ready(ws)
    studio = ws.studio
    token = ws.cancel = CancelToken()
    events: queue.Queue = queue.Queue()

    def on_progress(p):
        # count the segment's takes now, in the render thread: by the time the handler reads the event the
        # clip may already be finished
        n = len(studio.plan.segment(p.segment_id).takes) if p.segment_id else 0
        events.put(("progress", (p, n)))

    def work():
        try:
            events.put(("done", studio.render(progress=on_progress, cancel=token)))
        except BaseException as e:  # noqa: BLE001 - re-raised in the handler thread
            events.put(("error", e))

    ws.busy = True
    # copy_context: on ZeroGPU the GPU scheduler finds the Gradio request through a context variable
    worker = threading.Thread(target=contextvars.copy_context().run, args=(work,), daemon=True,
                              name=f"render-{ws.id}")
    worker.start()
    lines: list[str] = []
    prev: tuple[str, int] | None = None
    total = done_so_far = 0
    skip = gr.skip()
    try:
        while True:
            kind, payload = events.get()
            if kind == "error":
                raise payload
            if kind == "done":
                outcome = payload
                break
            p, takes_before = payload
            total = p.total
            if p.phase in ("check", "retake"):  # QA after the renders: not a clip outcome
                if p.phase == "retake":
                    lines.append(f"↻ {p.message}")
                yield (ws, fmt.render_log(lines + [f"… {p.message}"], done_so_far, p.total, "Checking"),
                       skip, skip, skip, skip)
                continue
            done_so_far = max(done_so_far, p.done)
            if prev is not None:
                lines.append(_outcome_line(ws, *prev))
            prev = (p.segment_id, takes_before) if p.segment_id is not None else None
            if prev is None:
                continue
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
    for sid in outcome.rendered + outcome.cached:
        ws.failed.pop(sid, None)
    ws.failed.update(outcome.failed)
    head = ("Stopped" if outcome.cancelled else "Done") + (
        f": {len(outcome.rendered)} rendered, {len(outcome.cached)} reused, {len(outcome.locked)} locked, "
        f"{len(outcome.failed)} failed")
    image, mix, loud = mix_views(ws)
    done = len(outcome.rendered) + len(outcome.cached) + len(outcome.locked) + len(outcome.failed)
    yield ws, fmt.render_log(lines, done, total, head), table_value(ws), image, mix, loud


def stop(ws: Workspace | None):
    """Stop button: must not wait behind the render (it runs outside the GPU queue)."""
    if isinstance(ws, Workspace) and ws.busy:
        ws.cancel.cancel()
        gr.Info("Stopping (a render stops after the clip in flight)…")


def _one_clip(ws: Workspace, sid: str, desc: str, progress, work) -> str:
    """Run `work(studio)` → status line for one clip with the session marked busy; a model failure is shown on
    the clip, a user error as a toast."""
    progress(0.2, desc=desc)
    ws.busy = True
    try:
        status = work(ws.studio)
        ws.failed.pop(sid, None)
        return status
    except RuntimeError as e:
        ws.failed[sid] = str(e)
        gr.Warning(str(e))
        return f"✗ {e}"
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from None
    finally:
        ws.busy = False


def regenerate(seg_id: str | None, caption: str, text: str, instruction: str, new_seed: bool,
               ws: Workspace | None, progress=gr.Progress()):
    """A new take of one clip: with the edited caption/text/instruction, and/or a new seed. Only this clip
    renders. Returns (ws, *clip editor, table, JSON, timeline, mix, loudness, status)."""
    ws = _ready(ws)
    sid = _selected(ws, seg_id)

    def work(studio):
        if studio.plan.segment(sid).locked:
            raise StudioError(f"Segment {sid} is locked: untick Lock to regenerate it.")
        changed = studio.edit_segment(sid, caption=caption, text=text, instruction=instruction)
        if not changed and not new_seed and not studio.is_dirty(sid):
            gr.Info(f"{sid}: nothing changed — tick 'New seed' for a different take, or edit the clip.")
        take = studio.regenerate(sid, new_seed=bool(new_seed))
        return f"✓ {sid}: new take {take.id} (seed {take.seed}, {take.duration:.2f} s)"

    status = _one_clip(ws, sid, f"Rendering {sid}", progress, work)
    return _clip_and_story(ws, sid, status)


def retake_clip(seg_id: str | None, ws: Workspace | None, progress=gr.Progress()):
    """One-click retake: new seeds until a take passes the checks; the better take by the same checks stays
    active and every take stays selectable. Same outputs as regenerate."""
    ws = _ready(ws)
    sid = _selected(ws, seg_id)

    def work(studio):
        take = studio.retake(sid)
        problem = flagged(ws).get(sid, "")
        return f"✓ {sid}: take {take.id} kept ({'passes its checks' if take.qa.passed else 'still flagged: ' + problem})"

    status = _one_clip(ws, sid, f"Retaking {sid}", progress, work)
    return _clip_and_story(ws, sid, status)


def preview_take(seg_id: str | None, take_id: str | None, ws: Workspace | None):
    """Picking a take in the list plays it (the active take does not change until 'Use this take')."""
    return clip_views(ws, seg_id, take_id)


def use_take(seg_id: str | None, take_id: str | None, ws: Workspace | None):
    ws = _ready(ws)
    sid = _selected(ws, seg_id)
    try:
        ws.studio.use_take(sid, take_id)
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from None
    return _clip_and_story(ws, sid)[:-1]


DELIVERY_CHOICES = [(t.short, name) for name, t in TARGETS.items()]


def set_delivery(delivery: str, ws: Workspace | None):
    """Master for another target (saved with the plan); the mix and its compliance report follow."""
    ws = _ready(ws)
    if delivery not in TARGETS:
        raise gr.Error(f"Unknown delivery target {delivery!r}; choose one of {', '.join(TARGETS)}.")
    ws.studio.set_delivery(delivery)
    return (ws, plan_json(ws), *mix_views(ws))


def plan_extras(ws: Workspace | None):
    """The plan's delivery target, pronunciations and characters (for the voice preview), for their inputs after
    a plan is made, opened or edited."""
    if ws is None or ws.plan is None:
        return gr.Dropdown(), gr.Textbox(), gr.Dropdown(choices=[], value=None)
    names = [c.name for c in ws.plan.characters]
    return (gr.Dropdown(value=ws.plan.delivery), gr.Textbox(value=pronunciations_text(ws.plan)),
            gr.Dropdown(choices=names, value=names[0] if names else None))


def preview_voice(name: str | None, ws: Workspace | None, progress=gr.Progress()):
    """A character's voice before a long render, through exactly the request a line of theirs makes."""
    ws = _ready(ws)
    progress(0.1, desc=f"Speaking as {name}")
    try:
        clip, words = ws.studio.preview_voice(name)
    except USER_ERRORS as e:
        raise gr.Error(str(e)) from None
    path = write_audio(ws, clip.audio, clip.sample_rate, "voice-preview.wav")
    return gr.Audio(value=path, subtitles=[{"text": f"{name}: {words}", "timestamp": [0.0, clip.duration]}])


def pronunciations_text(plan) -> str:
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


def set_lock(seg_id: str | None, locked: bool, ws: Workspace | None):
    ws = _ready(ws)
    ws.studio.set_lock(_selected(ws, seg_id), locked)
    return ws, table_value(ws), plan_json(ws)


# --- Export / import ---------------------------------------------------------------------------------------
def export(what: str, ws: Workspace | None) -> str:
    """Mix (wav/mp3/flac/ogg), stems zip, captions (srt/vtt) or the project zip. Returns a file path."""
    ws = _ready(ws)
    what = (what or "").lower()
    if what not in EXPORT_KINDS:
        raise gr.Error(f"Unknown export {what!r}; choose one of {', '.join(EXPORT_KINDS)}.")
    name = _slug(ws.plan.title)
    file = {"project": f"{name}.audiostory.zip", "stems": f"{name}-stems.zip"}.get(what, f"{name}.{what}")
    if what not in ("project", "srt", "vtt") and not has_audio(ws.plan):
        raise gr.Error("Nothing rendered yet: press Generate all first.")
    done = ws.studio.export(what, ws.out_path(file))
    if done.missing:
        gr.Warning(f"Not rendered yet, silent in the export: {', '.join(done.missing)}")
    return str(done.path)


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
    return _story_views(ws, [f"opened {Path(path).name}"] + list(project.problems))


# --- About ---------------------------------------------------------------------------------------------------
def session_info(ws: Workspace | None) -> str:
    from .gpu import session_for

    try:
        s = ws.session if isinstance(ws, Workspace) else session_for("auto")
        return fmt.session_markdown(s.info(ws.planner if isinstance(ws, Workspace) else None))
    except Exception as e:  # noqa: BLE001 - the About tab must always show something
        return f"session unavailable: {e}"
