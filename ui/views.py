"""What the app shows of a workspace's story: the plan and characters tables, the timeline image, the mix player
with its loudness report, the clip editor, and figures. Plain functions of a Workspace (read-only, except for
output files and the timeline's pixel map), so every handler refreshes the same views the same way."""

from __future__ import annotations

import threading
from typing import Any

import gradio as gr
import pandas as pd

from engine import audio as audio_io
from engine.edit import CHARACTER_COLUMNS, COLUMNS, characters_rows, plan_rows, segment_choices
from engine.plan import Plan, PlanError
from engine.project import ProjectError
from engine.timing import layout

from . import format as fmt
from .workspace import Workspace

PLAYER_WAV_MAX_S = 180.0  # longer mixes go to the player as MP3 (a 10-minute WAV is 100 MB)
# pyplot keeps a process-wide figure registry; sessions draw from several threads at once
FIGURE_LOCK = threading.Lock()


# --- tables -----------------------------------------------------------------------------------------------------
def empty_table() -> pd.DataFrame:
    return pd.DataFrame([], columns=COLUMNS)


def table_value(ws: Workspace | None, current: str | None = None, pending: int = 0) -> pd.DataFrame:
    if ws is None or ws.plan is None:
        return empty_table()
    plan = ws.plan
    timeline = layout(plan)
    st = fmt.statuses(plan, ws.studio.renderer if ws.project else None, ws.failed, timeline, current)
    rows = plan_rows(plan, timeline, st)
    rows += [[""] * len(COLUMNS) for _ in range(pending)]  # menu-added rows not typed in yet stay on screen
    return pd.DataFrame(rows, columns=COLUMNS)


def characters_value(ws: Workspace | None) -> pd.DataFrame:
    rows = characters_rows(ws.plan) if ws is not None and ws.plan is not None else []
    return pd.DataFrame(rows, columns=CHARACTER_COLUMNS)


def plan_json(ws: Workspace | None) -> str:
    return ws.plan.to_json() if ws is not None and ws.plan is not None else ""


def picker(ws: Workspace | None, value: str | None = None):
    choices = segment_choices(ws.plan if ws is not None else None)
    return gr.Dropdown(choices=choices, value=value if value in [c[1] for c in choices] else None)


def has_audio(plan: Plan) -> bool:
    return any(s.take() is not None and s.take().path is not None for s in plan.segments)


def flagged(ws: Workspace) -> dict[str, str]:
    """Segment id → why it is red on the timeline: its render failed, or its take failed its checks."""
    out = dict(ws.failed)
    for s in ws.plan.segments:
        t = s.take()
        if (t is None or t.path is None) and s.takes and s.takes[-1].error:
            out.setdefault(s.id, s.takes[-1].error)
        if t is not None and t.qa.passed is False:
            out.setdefault(s.id, "QA: " + t.qa.problem())
    return out


# --- figures and players ------------------------------------------------------------------------------------------
def save_figure(ws: Workspace, name: str, make, after=None) -> str:
    """Draw `make()` (a matplotlib figure) to a fresh PNG in the workspace, then `after(fig)` while it is still
    open; returns the PNG's path."""
    import matplotlib.pyplot as plt

    path = ws.out_path(name)
    with FIGURE_LOCK:
        fig = make()
        try:
            fig.savefig(path, dpi=100)
            if after is not None:
                after(fig)
        finally:
            plt.close(fig)
    return str(path)


def timeline_image(ws: Workspace, mix_result=None) -> str:
    """Draw the timeline (and the mix spectrogram under it) to a PNG; remember how pixels map to time so a
    click on the image can select a clip."""
    from engine.viz import timeline_figure

    plan = ws.plan
    audio = mix_result.audio if mix_result is not None else None
    sr = mix_result.sample_rate if mix_result is not None else None

    def remember_pixels(fig):
        ax = fig.axes[0]
        k = 100 / fig.dpi  # display pixels → pixels of the PNG saved at dpi=100
        bb = ax.get_window_extent()
        ws.timeline_map = {"x0": bb.x0 * k, "x1": bb.x1 * k, "y0": bb.y0 * k, "y1": bb.y1 * k,
                           "height": fig.get_size_inches()[1] * 100, "xlim": ax.get_xlim(), "ylim": ax.get_ylim()}

    return save_figure(ws, "timeline.png",
                       lambda: timeline_figure(plan, layout(plan), audio, sr, flagged=flagged(ws)), remember_pixels)


def write_audio(ws: Workspace, audio, sr: int, name: str) -> str:
    path = ws.out_path(name)
    audio_io.write(path, audio, sr, path.suffix.lstrip(".") or "wav")
    return str(path)


def mix_views(ws: Workspace) -> tuple[Any, Any, str]:
    """(timeline image path, mix player update, loudness markdown) for the current plan."""
    with ws.lock:  # one mix at a time per session: the studio mixes into reusable buffers
        plan = ws.plan
        if plan is None:
            return None, gr.Audio(value=None, subtitles=None), ""
        if not has_audio(plan):
            return timeline_image(ws), gr.Audio(value=None, subtitles=None), "not rendered yet — press Generate all"
        result, tl = ws.studio.mix()
        # MixResult.audio lives in reusable buffers: write it out before anything mixes again
        dur = result.audio.shape[0] / result.sample_rate
        path = write_audio(ws, result.audio, result.sample_rate, f"mix.{'wav' if dur <= PLAYER_WAV_MAX_S else 'mp3'}")
        image = timeline_image(ws, result)
        subs = [{"text": text, "timestamp": [round(a, 3), round(b, 3)]}
                for a, b, text in audio_io.caption_cues(plan, tl)]
        missing = ws.studio.missing()
        loud = fmt.loudness_text(result, dur, plan.delivery)
        if missing:
            loud += f"\n- not rendered (silent in the mix): {', '.join(missing)}"
        return image, gr.Audio(value=path, subtitles=subs or None), loud


# --- the clip editor ----------------------------------------------------------------------------------------------
def clip_png(ws: Workspace, audio, sr: int, title: str) -> str:
    from engine.viz import clip_figure

    return save_figure(ws, "clip.png", lambda: clip_figure(audio, sr, title))


def clip_views(ws: Workspace | None, seg_id: str | None, take_id: str | None = None) -> tuple:
    """The selected-clip editor for one segment (its active take, or `take_id` to preview another)."""
    if ws is None or ws.plan is None or not seg_id:
        return (picker(ws), "", None, None, "", "", "", gr.Radio(choices=[], value=None), False)
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
            fig_path = clip_png(ws, data, plan.sample_rate, f"{seg.id} · {take.id}")
            if seg.take() is not None:
                dirty = ws.studio.is_dirty(seg.id, tl)
        except (ProjectError, audio_io.AudioFileError) as e:
            gr.Warning(f"{seg.id}: {e}")
    info = fmt.clip_info(plan, seg, tl, dirty, ws.failed.get(seg.id))
    if take is not None and take.qa.passed is not None:
        info += f"\n\n**Checks:** {'✓ passed' if take.qa.passed else '⚠ ' + take.qa.problem()}"
    return (picker(ws, seg.id), info, audio_path, fig_path, seg.caption, seg.text, seg.instruction,
            gr.Radio(choices=fmt.take_choices(seg), value=take.id if take is not None else None), seg.locked)


def clip_at(ws: Workspace, x: float, y: float) -> str | None:
    """The segment under a click on the timeline image (foreground lane on top, background below)."""
    m = ws.timeline_map
    yb = m["height"] - y  # matplotlib measures from the bottom
    if not (m["x0"] <= x <= m["x1"] and m["y0"] <= yb <= m["y1"]):
        return ws.selected
    t = m["xlim"][0] + (x - m["x0"]) / (m["x1"] - m["x0"]) * (m["xlim"][1] - m["xlim"][0])
    lane_y = m["ylim"][0] + (yb - m["y0"]) / (m["y1"] - m["y0"]) * (m["ylim"][1] - m["ylim"][0])
    hits = [p for p in layout(ws.plan).track("foreground" if lane_y >= 1.0 else "background")
            if p.start <= t <= p.end]
    return hits[-1].segment_id if hits else ws.selected
