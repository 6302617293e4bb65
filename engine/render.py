"""Segment → take. Caching by a hash of everything that changes the audio, chunking of long clips,
per-segment failure isolation, autosave after every clip, progress and cancellation.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import instruct
from .audio import fit_length, resample
from .backends.base import Cancelled, CancelToken, Capabilities, ClipRequest, Clip
from .delivery import mix_settings
from .mix import MixBuffers, MixResult, MixSettings, integrated_loudness, mix
from .plan import Plan, Segment, Take, TakeChecks, spoken_text
from .timing import Elastic, Timeline, fit_durations, layout
from .project import Project
from .session import Session

RENDER_VERSION = 1  # bump when rendering changes in a way that must invalidate cached takes
BED_QUANTUM = 5.0  # background sound beds are rendered in whole 5 s steps so small ripples reuse them
MUSIC_WEIGHT = 3.0  # when fitting a story to its target, music takes 3× its share of the stretch
MAX_SOUND_GROWTH = 2.0  # ... and a sound clip at most doubles while anything else can grow


@dataclass
class RenderProgress:
    done: int
    total: int
    segment_id: str | None
    message: str


@dataclass
class RenderReport:
    rendered: list[str] = field(default_factory=list)  # segment ids synthesised now
    cached: list[str] = field(default_factory=list)  # reused an existing take, nothing synthesised
    locked: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # segment id → error message
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled


ProgressFn = Callable[[RenderProgress], None]


def resolved_attributes(plan: Plan, seg: Segment) -> dict:
    """Character voice, then the line's instruction, then explicit overrides stored on the segment."""
    attrs = instruct.parse(seg.kind, seg.instruction)
    if seg.kind == "speech":
        ch = plan.character(seg.character)
        if ch is not None:
            voice = instruct.parse("speech", ch.voice.instruction)
            voice = voice.model_copy(update={k: v for k, v in ch.voice.attributes.items() if k in voice.model_fields})
            attrs = instruct.merge(voice, attrs)
    if seg.attributes:
        attrs = attrs.model_copy(update={k: v for k, v in seg.attributes.items() if k in type(attrs).model_fields})
    return attrs.controls()


class Renderer:
    def __init__(self, session: Session, project: Project, settings: MixSettings | None = None):
        self.session = session
        self.project = project
        self.settings = settings or MixSettings()
        self.buffers = MixBuffers()  # reused across remixes; a MixResult is valid until the next mix()

    @property
    def plan(self) -> Plan:
        return self.project.plan

    # --- requests and keys ---------------------------------------------------------------------------
    def handle(self, seg: Segment) -> float:
        """Extra tail rendered after a sound clip so the mixer can crossfade into the next clip."""
        return self.settings.crossfade if seg.kind == "sound" else 0.0

    def request_for(self, seg: Segment, timeline: Timeline | None = None) -> ClipRequest:
        plan = self.plan
        if seg.kind == "speech":
            duration = 0.0
        elif seg.track == "background":
            timeline = timeline or layout(plan)
            span = timeline[seg.id].duration
            if seg.kind == "sound":
                duration = math.ceil(span / BED_QUANTUM) * BED_QUANTUM + self.handle(seg)
            else:
                duration = math.ceil(span)  # music ends with a cadence, so it is rendered to its span
        else:
            duration = seg.duration + self.handle(seg)
        ch = plan.character(seg.character)
        return ClipRequest(
            kind=seg.kind, caption=seg.caption, instruction=seg.instruction,
            text=spoken_text(seg.text, plan.pronunciations) if seg.kind == "speech" else seg.text,
            attributes=resolved_attributes(plan, seg), voice=ch.voice.instruction if ch else "",
            character=seg.character or "", duration=round(duration, 3), language=plan.language,
            seed=plan.segment_seed(seg), project_dir=str(self.project.root),
        )

    def key(self, request: ClipRequest, caps: Capabilities) -> str:
        """Hash of everything that changes the audio: the request (not where voices are kept), the model, and
        the identity of the voice a voice-cloning backend has locked for this speaker."""
        voice_id = getattr(self.session.backend(request.kind), "voice_id", None)
        blob = json.dumps({
            "v": RENDER_VERSION, "req": {k: v for k, v in request.__dict__.items() if k != "project_dir"},
            "backend": caps.name, "model": caps.model_id, "sr": self.plan.sample_rate,
            **({"voice": voice_id(request)} if callable(voice_id) else {}),
        }, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def is_dirty(self, seg: Segment, timeline: Timeline | None = None) -> bool:
        t = seg.take()
        if t is None or t.path is None:
            return True
        req = self.request_for(seg, timeline)
        return t.key != self.key(req, self.session.capabilities(seg.kind))

    # --- rendering -------------------------------------------------------------------------------------
    def synthesize(self, request: ClipRequest, caps: Capabilities, cancel: CancelToken | None) -> Clip:
        """One model call, or several joined with crossfades when the clip is longer than the model allows."""
        if request.kind == "speech" or request.duration <= caps.max_duration:
            return self.session.generate(request, cancel)
        xf = min(self.settings.crossfade, caps.max_duration / 4)
        step = caps.max_duration - xf
        n_chunks = math.ceil((request.duration - xf) / step)
        out: np.ndarray | None = None
        warnings: list[str] = []
        sr = caps.sample_rate
        for i in range(n_chunks):
            if cancel is not None:
                cancel.check()
            d = min(caps.max_duration, request.duration - i * step)
            part = self.session.generate(
                ClipRequest(**{**request.__dict__, "duration": round(d, 3), "seed": request.seed + i}), cancel)
            sr = part.sample_rate
            warnings += [w for w in part.warnings if w not in warnings]
            a = part.audio if part.audio.ndim == 2 else part.audio[:, None]
            if out is None:
                out = a.astype(np.float32)
                continue
            n = min(int(xf * sr), out.shape[0], a.shape[0])
            t = (np.arange(n, dtype=np.float32) + 0.5) / n
            out[-n:] = out[-n:] * np.cos(0.5 * np.pi * t)[:, None] + a[:n] * np.sin(0.5 * np.pi * t)[:, None]
            out = np.concatenate([out, a[n:]])
        assert out is not None
        # where the chunks meet (middle of each crossfade), so the checks look for clicks there
        joins = [round(i * step + xf / 2, 4) for i in range(1, n_chunks)]
        return Clip(out, sr, warnings, {"chunks": n_chunks, "chunk_crossfade": xf, "joins": joins})

    def render_segment(self, seg: Segment, timeline: Timeline | None = None, cancel: CancelToken | None = None,
                       force: bool = False) -> tuple[str, Take]:
        """Make (or reuse) the take for one segment. Returns (status, take): status is rendered|cached|failed."""
        caps = self.session.capabilities(seg.kind)
        req = self.request_for(seg, timeline)
        key = self.key(req, caps)
        if not force:
            for t in seg.takes:
                if t.key == key and t.path is not None:
                    seg.active_take = t.id
                    return "cached", t
        take_id = f"t{len(seg.takes) + 1:03d}-{key[:8]}"
        try:
            clip = self.synthesize(req, caps, cancel)
            audio = self._conform(clip, req)
            key = self.key(req, caps)  # the first line of a character may just have designed and locked a voice
        except Cancelled:
            raise
        except Exception as e:  # a failing backend marks only this segment; the story survives
            take = Take(id=take_id, key=key, backend=caps.name, model_id=caps.model_id, seed=req.seed,
                        parameters={"request": _request_summary(req)}, error=f"{type(e).__name__}: {e}")
            seg.takes.append(take)
            return "failed", take
        rel = self.project.take_relpath(seg, take_id)
        self.project.write_take(rel, audio, self.plan.sample_rate)
        lufs = integrated_loudness(audio, self.plan.sample_rate) if audio.shape[0] else float("-inf")
        take = Take(
            id=take_id, key=key, path=rel, backend=caps.name, model_id=caps.model_id, seed=req.seed,
            parameters={"request": _request_summary(req), **clip.parameters},
            duration=round(audio.shape[0] / self.plan.sample_rate, 4), sample_rate=self.plan.sample_rate,
            warnings=list(clip.warnings),
            qa=TakeChecks(lufs=round(lufs, 2) if np.isfinite(lufs) else None,
                          peak=round(float(np.abs(audio).max()), 4) if audio.size else 0.0),
        )
        seg.takes.append(take)
        seg.active_take = take.id
        self.project.remember(take, audio)
        return "rendered", take

    def _conform(self, clip: Clip, req: ClipRequest) -> np.ndarray:
        audio = np.asarray(clip.audio, dtype=np.float32)
        if audio.size == 0 or not np.isfinite(audio).all():
            raise ValueError("the model returned empty or invalid audio")
        if float(np.abs(audio).max()) < 1e-5:
            raise ValueError("the model returned silence")
        audio = resample(audio, clip.sample_rate, self.plan.sample_rate)
        if req.duration > 0:  # fixed-length clips are exactly as long as asked (resampling rounds)
            audio = fit_length(audio, int(round(req.duration * self.plan.sample_rate)))
        return audio

    def render(self, only: set[str] | None = None, force: bool = False, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> RenderReport:
        """Render every dirty segment (foreground first: speech lengths decide where beds end)."""
        report = RenderReport()
        plan = self.plan
        # speech first (its length is only known after synthesis), then the clips that fill around it
        fg = [s for s in plan.segments if s.track == "foreground"]
        order = ([s for s in fg if s.kind == "speech"] + [s for s in fg if s.kind != "speech"]
                 + [s for s in plan.segments if s.track == "background"])
        todo = [s for s in order if only is None or s.id in only]
        total = len(todo)
        timeline = None
        fitted = False
        for i, seg in enumerate(todo):
            if seg.kind != "speech" and not fitted:
                fitted = True
                self.fit_to_target()
            if seg.track == "background" and timeline is None:
                timeline = layout(plan)  # foreground is final now
            if progress:
                progress(RenderProgress(i, total, seg.id, f"{seg.kind} {seg.id}: {seg.caption or seg.text}"[:120]))
            if seg.locked and seg.take() is not None and seg.take().path is not None:
                report.locked.append(seg.id)
                continue
            try:
                if cancel is not None:
                    cancel.check()
                status, take = self.render_segment(seg, timeline, cancel, force=force)
            except Cancelled:
                report.cancelled = True
                break
            if status == "failed":
                report.failed[seg.id] = take.error or "failed"
            else:
                getattr(report, status).append(seg.id)
            if status != "cached" or force:
                self.project.save()  # autosave after every clip: a crash loses at most the clip in flight
        if progress:
            progress(RenderProgress(total, total, None, "cancelled" if report.cancelled else "done"))
        if report.cached and not report.rendered:
            self.project.save()
        return report

    def fit_to_target(self) -> float:
        """Once speech lengths are known, stretch or shrink the never-rendered foreground sound and music
        clips so the story meets its target length. Clips that were rendered before keep their length, so
        later edits ripple like in an editor instead of re-timing (and re-rendering) the whole story.

        Music takes MUSIC_WEIGHT times its share (it is composed to any length), and a sound grows to at most
        MAX_SOUND_GROWTH times its planned length while other clips can take the rest: a door slam stretched
        from 2 s to 10 s is 8 s of nothing. Returns the seconds added (negative: removed)."""
        plan = self.plan
        elastic = [s for s in plan.segments if s.track == "foreground" and s.kind != "speech"
                   and not s.takes and not s.locked]
        residual = plan.target_duration - layout(plan).total
        if not elastic or abs(residual) < 0.05:
            return 0.0
        floor = 1.0
        durations = [s.duration for s in elastic]
        weights = [s.duration * (MUSIC_WEIGHT if s.kind == "music" else 1.0) for s in elastic]
        budget = sum(durations) + residual
        if residual < 0:
            items = [Elastic(w, lo=min(floor, d), hi=d, base=d) for d, w in zip(durations, weights)]
            new = fit_durations(items, budget)
        else:
            items = [Elastic(w, lo=d, hi=d * MAX_SOUND_GROWTH if s.kind == "sound" else math.inf, base=d)
                     for s, d, w in zip(elastic, durations, weights)]
            new = fit_durations(items, budget)
            if sum(new) < budget - 1e-6:  # every clip is at its cap: the rest is shared without caps
                new = fit_durations([Elastic(w, lo=n, base=n) for n, w in zip(new, weights)], budget)
        new = {s.id: n for s, n in zip(elastic, new)}
        changed = 0.0
        for s in elastic:
            changed += round(new[s.id], 3) - s.duration
            s.duration = round(new[s.id], 3)
        return changed

    def regenerate(self, segment_id: str, new_seed: bool = True, cancel: CancelToken | None = None) -> Take:
        """A new take for one segment (a fresh seed unless told otherwise); the old takes stay selectable."""
        seg = self.plan.segment(segment_id)
        if seg.locked:
            raise ValueError(f"segment {segment_id} is locked; unlock it to regenerate")
        if new_seed:
            seg.seed = random.Random(f"{self.plan.segment_seed(seg)}:{len(seg.takes)}").randrange(2**31)
        timeline = layout(self.plan) if seg.track == "background" else None
        status, take = self.render_segment(seg, timeline, cancel, force=not new_seed)
        self.project.save()
        if status == "failed":
            raise RuntimeError(f"segment {segment_id} failed to render: {take.error}")
        return take

    # --- mixing ------------------------------------------------------------------------------------------
    def active_audio(self) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        clips, lufs = {}, {}
        for seg in self.plan.segments:
            t = seg.take()
            if t is None or t.path is None:
                continue
            clips[seg.id] = self.project.read_take(t)
            if t.qa.lufs is not None:
                lufs[seg.id] = t.qa.lufs
        return clips, lufs

    def mix(self, stems: bool = False) -> tuple[MixResult, Timeline]:
        """Mix and master the active takes (into this renderer's reusable buffers) for the plan's delivery
        target. `stems=True` also keeps the per-track stems for export."""
        timeline = layout(self.plan)
        clips, lufs = self.active_audio()
        settings = mix_settings(self.settings, self.plan.delivery)
        return mix(self.plan, timeline, clips, settings, lufs, self.buffers, stems), timeline


def _request_summary(req: ClipRequest) -> dict:
    return {"duration": req.duration, "attributes": req.attributes, "language": req.language}
