"""Timing, decided in one place: where every segment plays (`layout`) and how long the elastic ones last
(`fit_durations`). Every planner and the renderer use these two, so a plan is laid out the same way when it is
written, rendered, mixed, shown and exported.

- Foreground segments play in order, each after its `gap` (negative: overlap the previous one); speech lasts as
  long as its rendered take once there is one (its length is only known after synthesis), everything else as
  planned. Later segments ripple, like in an editor.
- A background segment either covers a range of foreground segments (`covers`: first and last id) and lasts
  exactly as long as they do, or sits at an absolute `start` for its own `duration`. A covered bed's duration is
  derived from the layout; `sync_covered_durations` writes it back into the plan so the stored value (shown in
  the table, read by the renderer as the clip length) is never a second, stale opinion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .plan import Plan, Segment


@dataclass(frozen=True)
class Placement:
    segment_id: str
    kind: str
    track: str
    start: float
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class Timeline:
    placements: tuple[Placement, ...]
    total: float

    def __getitem__(self, segment_id: str) -> Placement:
        for p in self.placements:
            if p.segment_id == segment_id:
                return p
        raise KeyError(segment_id)

    def track(self, track: str) -> list[Placement]:
        return [p for p in self.placements if p.track == track]


def effective_duration(seg: Segment) -> float:
    """Speech lasts as long as its rendered take; everything else as planned."""
    t = seg.take()
    if seg.kind == "speech" and t is not None and t.path is not None and t.duration > 0:
        return t.duration
    return seg.duration


def foreground_spans(durations: Sequence[float], gaps: Sequence[float]) -> list[tuple[float, float]]:
    """(start, end) of clips played in order, each after its gap; a clip never starts before 0 and an overlap
    never pulls the cursor back (a short clip inside a long one does not shorten the story)."""
    spans, cursor = [], 0.0
    for d, g in zip(durations, gaps):
        start = max(0.0, cursor + g)
        spans.append((start, start + d))
        cursor = max(cursor, start + d)
    return spans


def layout(plan: Plan) -> Timeline:
    """Plan → timeline. Foreground plays in order; background spans the foreground range it covers."""
    fg = [s for s in plan.segments if s.track == "foreground"]
    spans = foreground_spans([effective_duration(s) for s in fg], [s.gap for s in fg])
    placements = {s.id: Placement(s.id, s.kind, s.track, a, b - a) for s, (a, b) in zip(fg, spans)}
    fg_end = max((b for _, b in spans), default=0.0)
    for seg in plan.segments:
        if seg.track != "background":
            continue
        if seg.covers:
            first, last = placements[seg.covers[0]], placements[seg.covers[-1]]
            start, end = first.start, max(last.end, first.end)
        else:
            start = seg.start or 0.0
            end = start + seg.duration
        placements[seg.id] = Placement(seg.id, seg.kind, seg.track, start, max(end - start, 0.01))
    total = max([fg_end] + [p.end for p in placements.values()]) if placements else 0.0
    ordered = tuple(placements[s.id] for s in plan.segments if s.id in placements)
    return Timeline(ordered, total)


def sync_covered_durations(plan: Plan, timeline: Timeline | None = None) -> bool:
    """Set every covered bed's `duration` to the span it covers in the layout. True if anything changed."""
    timeline = timeline or layout(plan)
    changed = False
    for seg in plan.segments:
        if seg.track == "background" and seg.covers:
            d = round(timeline[seg.id].duration, 3)
            if abs(seg.duration - d) > 1e-9:
                seg.duration = d
                changed = True
    return changed


@dataclass(frozen=True)
class Elastic:
    """One clip whose length may change: it becomes `clamp(base + weight·λ, lo, hi)` for the λ that makes the
    clips sum to the budget. base 0 shares the budget in proportion to the weights; base = the current length
    shares only the change."""
    weight: float
    lo: float = 0.0
    hi: float = math.inf
    base: float = 0.0

    def at(self, lam: float) -> float:
        return min(self.hi, max(self.lo, self.base + self.weight * lam))


def fit_durations(items: Sequence[Elastic], budget: float) -> list[float]:
    """Lengths for `items` that add up to `budget` seconds, each within its bounds (all at their lower bounds
    when the budget is too small, all at their upper bounds when it is too large). Monotone in λ, so a bisection
    finds it; 100 halvings put it within nanoseconds."""
    if not items:
        return []
    if any(i.weight <= 0 for i in items):
        raise ValueError("every elastic clip needs a positive weight")
    lo_sum = sum(i.lo for i in items)
    if budget <= lo_sum:
        return [i.lo for i in items]
    if all(math.isfinite(i.hi) for i in items) and budget >= sum(i.hi for i in items):
        return [i.hi for i in items]
    a = min((i.lo - i.base) / i.weight for i in items)
    b = max(((i.hi if math.isfinite(i.hi) else i.lo) - i.base) / i.weight for i in items)
    b = max(b, a) + 1.0
    while sum(i.at(b) for i in items) < budget:  # an unbounded clip: widen until the budget is reachable
        b = a + 2 * (b - a)
    for _ in range(100):
        mid = (a + b) / 2
        if sum(i.at(mid) for i in items) < budget:
            a = mid
        else:
            b = mid
    return [i.at(b) for i in items]
