"""The one front door: everything a shell does with a story goes through `Studio`.

The app (ui/), the command line (engine/__main__.py), the benchmarks (bench/) and Python scripts all plan, edit,
render, check, retake, mix and export through this class, with one `StudioSettings`, so a story rendered from the
CLI gets the same checks and retakes, the same warnings and the same master as one rendered in the browser.

    studio = Studio(StudioSettings(profile="offline"))
    studio.plan_story("Rain on a tin roof, then a kettle whistles. 20 seconds.", "my-story")
    outcome = studio.render(progress=print)          # every new take checked, failing ones retaken
    for notice in studio.notices():                  # fallbacks, approximations, failed checks, unknown words
        print(notice.line())
    studio.export("wav", "my-story.wav")

A Studio holds one project (a folder with plan.json and the takes) at a time, or none yet: speech, music and
dialogue straight from an instruction (`speak`, `compose`, `dialogue`, `contrast`) need no project. Progress is
reported as typed `Progress` events (phase plan / render / check / retake / mix / export); long work takes a
`CancelToken`. Every edit is validated as a whole, so a rejected edit leaves the plan exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import audio as audio_io
from . import direct, edit, instruct, qa
from .backends.base import Cancelled, CancelToken, Clip
from .delivery import TARGETS, Check
from .delivery import report as delivery_report
from .mix import MixResult
from .plan import Plan, Segment, Take
from .project import Project
from .render import Renderer
from .session import PLANNER_CHOICES, Session
from .timing import Timeline, layout

EXPORT_KINDS = ("wav", "mp3", "flac", "ogg", "stems", "srt", "vtt", "project")
PHASES = ("plan", "render", "check", "retake", "mix", "export")
MIN_INSTRUCTION_CHARS = 3
PREVIEW_LINE = {"en": "Hello. This is how I sound when I tell the story.", "zh": "你好。我讲故事的时候，就是这个声音。"}


class StudioError(ValueError):
    """Something the user asked for cannot be done as asked; the message says what to fix."""


@dataclass(frozen=True)
class StudioSettings:
    """What every shell shares. `auto_retake`: new seeds tried for a take that fails its checks during a render
    (0: flag it only); `check`: measure every new take at all; `asr`: let the checks listen with a recogniser
    (True: the default one, False: none, or a qa.Recognizer); `delivery`: master for this target from now on
    (saved in the plan; None keeps the plan's); `models`: the profile's model settings overridden (see
    engine.session.Profile.settings: weights per role, steps, budget; not in the repr, as it may hold a planner
    server's key); `planner`: which planner plans, whatever the profile ("auto", "rules", "local", "server"; see
    engine.session)."""
    profile: str = "auto"
    models: dict | None = field(default=None, repr=False)
    check: bool = True
    auto_retake: int = 1
    asr: Any = True
    delivery: str | None = None
    planner: str = "auto"

    def __post_init__(self) -> None:
        if self.planner not in PLANNER_CHOICES:
            raise StudioError(f"unknown planner {self.planner!r}; choose one of {', '.join(PLANNER_CHOICES)}")
        if not isinstance(self.auto_retake, int) or self.auto_retake < 0:
            raise StudioError(f"auto_retake must be a whole number ≥ 0 (got {self.auto_retake!r})")
        if self.delivery is not None and self.delivery not in TARGETS:
            raise StudioError(f"unknown delivery target {self.delivery!r}; choose one of {', '.join(TARGETS)}")


@dataclass(frozen=True)
class Progress:
    phase: str  # one of PHASES
    done: int
    total: int
    segment_id: str | None = None
    message: str = ""

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 1.0


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Notice:
    """Something the listener would not guess from the plan: a clip that failed, failed its checks, was made
    with a fallback or an approximation, or an instruction word nothing understood. `segment_id` None: the whole
    story (the planner's notes)."""
    segment_id: str | None
    kind: Literal["failed", "check", "warning", "unknown-word", "note"]
    message: str

    def line(self) -> str:
        where = f"{self.segment_id}: " if self.segment_id else ""
        label = {"failed": "failed", "check": "check failed", "warning": "warning", "unknown-word": "not understood",
                 "note": "note"}[self.kind]
        return f"{label}: {where}{self.message}"

    def to_dict(self) -> dict:
        return {"segment_id": self.segment_id, "kind": self.kind, "message": self.message}


@dataclass
class RenderOutcome:
    rendered: list[str] = field(default_factory=list)
    cached: list[str] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # segment id → error
    checks: dict[str, qa.QAResult] = field(default_factory=dict)  # segment id → result of its active take
    retakes: dict[str, int] = field(default_factory=dict)  # segment id → new takes made for it
    cancelled: bool = False

    @property
    def failing(self) -> list[str]:
        """Segments whose active take did not pass its checks."""
        return [sid for sid, r in self.checks.items() if not r.passed]

    @property
    def ok(self) -> bool:
        return not (self.failed or self.failing or self.cancelled)

    def summary(self) -> str:
        return (f"{len(self.rendered)} rendered, {len(self.cached)} reused, {len(self.locked)} locked, "
                f"{len(self.failed)} failed, {len(self.failing)} flagged by the checks")


@dataclass
class Exported:
    path: Path
    result: MixResult | None = None  # the master, for audio exports
    missing: list[str] = field(default_factory=list)  # segments not rendered yet: silent in the export


class Studio:
    def __init__(self, settings: StudioSettings | None = None, session: Session | None = None,
                 project: Project | None = None) -> None:
        self.settings = settings or StudioSettings()
        self._session = session
        self.project = project
        self._renderer: Renderer | None = None

    # --- what it works on ------------------------------------------------------------------------------------
    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.settings.profile, settings=self.settings.models,
                                    planner_choice=self.settings.planner)
        return self._session

    @property
    def has_plan(self) -> bool:
        return self.project is not None

    @property
    def plan(self) -> Plan:
        if self.project is None:
            raise StudioError("no plan yet: write an instruction and plan it (or open a project)")
        return self.project.plan

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None or self._renderer.project is not self.project or \
                self._renderer.session is not self.session:
            self.plan  # noqa: B018 - the "no plan yet" error
            self._renderer = Renderer(self.session, self.project)
        return self._renderer

    def timeline(self) -> Timeline:
        return layout(self.plan)

    # --- planning and opening --------------------------------------------------------------------------------
    def plan_story(self, instruction: str, folder: str | Path, *, duration: float | None = None,
                   language: str | None = None, seed: int = 0, plan_file: str = "plan.json",
                   progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> Plan:
        """Plan an instruction into a new project in `folder` (which becomes this studio's project). An LLM
        planner reports its tokens as "plan" progress and stops at `cancel` (raising Cancelled; no project is
        made)."""
        text = (instruction or "").strip()
        if len(text) < MIN_INSTRUCTION_CHARS:
            raise StudioError("write a story instruction first (a sentence or two; you can name the length, "
                              "e.g. 'The total duration is 20 seconds.')")

        def tokens(label: str, done: int, total: int) -> None:
            progress(Progress("plan", done, total, None, f"{label}: {done} tokens"))

        if progress:
            progress(Progress("plan", 0, 1, None, "planning"))
        plan = self.session.plan(text, duration=duration, language=language, seed=int(seed),
                                 planner=self.settings.planner, cancel=cancel,
                                 step_progress=tokens if progress else None)
        self.use_plan(plan, folder, plan_file)
        if progress:
            progress(Progress("plan", 1, 1, None, f"{len(plan.segments)} segments planned"))
        return plan

    def use_plan(self, plan: Plan, folder: str | Path, plan_file: str = "plan.json") -> Project:
        """Make a new project in `folder` holding `plan`."""
        self._set_project(Project.create(folder, plan, plan_file))
        self._apply_delivery_setting()
        return self.project

    def open(self, path: str | Path) -> list[str]:
        """Open a project folder (or its plan.json). Returns what loading found wrong (missing takes...)."""
        self._set_project(Project.open(path))
        self._apply_delivery_setting()
        return list(self.project.problems)

    def import_zip(self, data: bytes | str | Path, folder: str | Path) -> list[str]:
        """Unpack an exported project archive into `folder` and open it; a refused archive changes nothing."""
        project = Project.import_zip(data, folder)
        self._set_project(project)
        return list(project.problems)

    def _set_project(self, project: Project) -> None:
        self.project, self._renderer = project, None

    def _apply_delivery_setting(self) -> None:
        if self.settings.delivery and self.settings.delivery != self.plan.delivery:
            self.set_delivery(self.settings.delivery)

    # --- edits ---------------------------------------------------------------------------------------------------
    def _commit(self, plan: Plan) -> Plan:
        self.project.plan = plan
        self.project.save()
        return plan

    def apply_table(self, table: Any) -> edit.TableResult:
        """The segment table as the user edited it (rows of COLUMNS). Raises edit.TableError naming row/field."""
        result = edit.apply_table(self.plan, table)
        self._commit(result.plan)
        return result

    def apply_characters(self, table: Any) -> Plan:
        return self._commit(edit.apply_characters(self.plan, table))

    def replace_plan(self, plan: Plan | str) -> list[str]:
        """The whole plan (or its JSON) replaced; takes that point at missing files are flagged, not trusted."""
        self.project.plan = plan if isinstance(plan, Plan) else Plan.from_json(plan or "")
        problems = self.project.check_takes()
        self.project.save()
        return problems

    def add_segment(self, after: str | None = None) -> str:
        plan, sid = edit.add_segment(self.plan, after)
        self._commit(plan)
        return sid

    def delete_segment(self, segment_id: str) -> str | None:
        """Delete a segment; returns the neighbour that takes its place in a selection (None if it was the last)."""
        ids = [s.id for s in self.plan.segments]
        self._commit(edit.delete_segment(self.plan, segment_id))
        i = ids.index(segment_id)
        return ids[i + 1] if i + 1 < len(ids) else (ids[i - 1] if i > 0 else None)

    def move_segment(self, segment_id: str, delta: int) -> None:
        self._commit(edit.move_segment(self.plan, segment_id, delta))

    def edit_segment(self, segment_id: str, *, caption: str | None = None, text: str | None = None,
                     instruction: str | None = None, seed: int | None = None) -> list[str]:
        """Change a segment's caption, text, instruction or seed (validated with the whole plan). Returns the
        fields that changed."""
        seg = self.plan.segment(segment_id)
        changes: dict[str, Any] = {k: v.strip() for k, v in (("caption", caption), ("text", text),
                                                              ("instruction", instruction))
                                   if v is not None and v.strip() != getattr(seg, k)}
        if seed is not None and seed != seg.seed:
            changes["seed"] = int(seed)
        if changes:
            data = self.plan.model_dump(mode="json")
            for d in data["segments"]:
                if d["id"] == segment_id:
                    d.update(changes)
            self._commit(Plan.from_dict(data))
        return sorted(changes)

    def set_pronunciations(self, mapping: dict[str, str]) -> None:
        """How the speech models say some words (scripts and captions keep them as written)."""
        self._commit(Plan.from_dict({**json.loads(self.plan.to_json()), "pronunciations": dict(mapping)}))

    def set_delivery(self, delivery: str) -> None:
        if delivery not in TARGETS:
            raise StudioError(f"unknown delivery target {delivery!r}; choose one of {', '.join(TARGETS)}")
        self.plan.delivery = delivery
        self.project.save()

    def set_lock(self, segment_id: str, locked: bool) -> None:
        self.plan.segment(segment_id).locked = bool(locked)
        self.project.save()

    def use_take(self, segment_id: str, take_id: str) -> Take:
        seg = self.plan.segment(segment_id)
        take = next((t for t in seg.takes if t.id == take_id), None)
        if take is None or take.path is None:
            raise StudioError(f"{segment_id}: take {take_id!r} has no audio; pick a take that has audio")
        seg.active_take = take.id
        self.project.save()
        return take

    # --- rendering, checks and retakes ------------------------------------------------------------------------
    def is_dirty(self, segment_id: str, timeline: Timeline | None = None) -> bool:
        return self.renderer.is_dirty(self.plan.segment(segment_id), timeline)

    def render(self, only: set[str] | None = None, force: bool = False, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> RenderOutcome:
        """Render every dirty segment (or `only` these); every new take is checked and a failing one retaken up to
        settings.auto_retake times. Speech goes first and is settled (retakes change its length) before the beds
        that span it. Finished takes are saved as they complete."""
        plan = self.plan
        wanted = [s for s in plan.segments if only is None or s.id in only]
        speech = {s.id for s in wanted if s.kind == "speech" and s.track == "foreground"}
        out = RenderOutcome()
        total = len(wanted)
        if self._render_phase(speech, 0, total, force, progress, cancel, out):
            self._render_phase({s.id for s in wanted} - speech, len(speech), total, force, progress, cancel, out)
        return out

    def _render_phase(self, ids: set[str], offset: int, total: int, force: bool, progress: ProgressFn | None,
                      cancel: CancelToken | None, out: RenderOutcome) -> bool:
        def relay(p):
            if progress:
                progress(Progress("render", min(offset + p.done, total), total, p.segment_id, p.message))

        report = self.renderer.render(only=ids, force=force, progress=relay if progress else None, cancel=cancel)
        for name in ("rendered", "cached", "locked"):
            getattr(out, name).extend(getattr(report, name))
        out.failed.update(report.failed)
        if report.cancelled:
            out.cancelled = True
            return False
        if not self.settings.check:
            return True
        for sid in [s.id for s in self.plan.segments if s.id in ids]:
            seg = self.plan.segment(sid)
            take = seg.take()
            if sid in report.failed or take is None or take.path is None:
                continue
            if cancel is not None and cancel.cancelled:
                out.cancelled = True
                return False
            if progress:
                progress(Progress("check", offset, total, sid, f"checking {seg.kind} {sid}"))
            result = qa.stored(take) if sid not in report.rendered else None
            result = result or qa.check_take(self.renderer, seg, take, self.settings.asr, save=False)
            if not result.passed and self.settings.auto_retake and not seg.locked:
                before = len(seg.takes)
                if progress:
                    progress(Progress("retake", offset, total, sid, f"retaking {sid}: {result.summary()}"[:120]))
                try:
                    self.retake(sid, attempts=self.settings.auto_retake, cancel=cancel)
                except Cancelled:
                    out.cancelled = True
                    return False
                except Exception as e:  # noqa: BLE001 - the outcome carries it; the story goes on
                    out.failed[sid] = f"retake failed: {e}"
                out.retakes[sid] = len(seg.takes) - before
                result = qa.stored(seg.take()) or result
            out.checks[sid] = result
        self.project.save()
        return True

    def regenerate(self, segment_id: str, new_seed: bool = True, cancel: CancelToken | None = None) -> Take:
        """A new take of one segment (a fresh seed unless told otherwise), checked when checks are on; the old
        takes stay selectable. Raises RuntimeError when the model failed (the failure is kept on the segment)."""
        take = self.renderer.regenerate(segment_id, new_seed=new_seed, cancel=cancel)
        if self.settings.check:
            qa.check_take(self.renderer, self.plan.segment(segment_id), take, self.settings.asr)
        return take

    def retake(self, segment_id: str, attempts: int | None = None, cancel: CancelToken | None = None) -> Take:
        """Up to `attempts` new takes with new seeds (default: settings.auto_retake + 1), stopping at the first
        that passes its checks; the best of them and the current take by the checks stays active (a tie goes to
        the newer take: the user asked for a new one). Every take stays selectable. Returns the active take."""
        attempts = self.settings.auto_retake + 1 if attempts is None else attempts
        if attempts < 0:
            raise StudioError(f"attempts must be 0 or more (got {attempts})")
        r, asr = self.renderer, self.settings.asr
        seg = self.plan.segment(segment_id)
        if seg.locked:
            raise StudioError(f"segment {segment_id} is locked; unlock it to retake")
        best = seg.take()
        best_qa = None
        if best is not None and best.path is not None:
            best_qa = qa.stored(best) or qa.check_take(r, seg, best, asr, save=False)
        errors = []
        for _ in range(attempts):
            try:
                new = r.regenerate(segment_id, new_seed=True, cancel=cancel)
            except RuntimeError as e:  # a failed render is one failed attempt, not the end of the retake
                errors.append(str(e))
                continue
            new_qa = qa.check_take(r, seg, new, asr, save=False)
            if best_qa is None or not qa.better(best_qa, new_qa):
                best, best_qa = new, new_qa
            if best_qa.passed:
                break
        if best is None:
            raise RuntimeError(f"segment {segment_id}: no take could be rendered ({'; '.join(errors)})")
        seg.active_take = best.id
        seg.seed = best.seed  # the render key follows the seed, so a later render() finds this take in its cache
        self.project.save()
        return best

    def check(self, segment_id: str) -> qa.QAResult:
        """Measure a segment's active take (and store the result on it)."""
        return qa.check_take(self.renderer, self.plan.segment(segment_id), None, self.settings.asr)

    # --- listening and exporting ---------------------------------------------------------------------------------
    def missing(self) -> list[str]:
        """Segments with no rendered audio (silent in a mix)."""
        return [s.id for s in self.plan.segments if s.take() is None or s.take().path is None]

    def mix(self, stems: bool = False) -> tuple[MixResult, Timeline]:
        """The mastered mix for the plan's delivery target. The result lives in reusable buffers: write it out
        (or copy it) before the next mix."""
        return self.renderer.mix(stems=stems)

    def delivery_checks(self, result: MixResult) -> list[Check]:
        return delivery_report(result.audio, result.sample_rate, self.plan.delivery, result.loudness,
                               result.true_peak_db)

    def export(self, kind: str, path: str | Path, mixed: tuple[MixResult, Timeline] | None = None) -> Exported:
        """Write one export: the mix as wav/mp3/flac/ogg, the stems as a zip, captions as srt/vtt, or the project
        archive. `mixed`: a mix already made (with stems, for a stems export) so several exports share it."""
        kind = (kind or "").lower()
        if kind not in EXPORT_KINDS:
            raise StudioError(f"unknown export {kind!r}; choose one of {', '.join(EXPORT_KINDS)}")
        path = Path(path)
        plan = self.plan
        if kind == "project":
            path.write_bytes(self.project.export_zip())
            return Exported(path)
        if kind in ("srt", "vtt"):
            timeline = mixed[1] if mixed else layout(plan)
            path.write_text((audio_io.srt if kind == "srt" else audio_io.vtt)(plan, timeline), encoding="utf-8")
            return Exported(path)
        missing = self.missing()
        if len(missing) == len(plan.segments):
            raise StudioError("nothing rendered yet: render the story first")
        if mixed is None or (kind == "stems" and mixed[0].stems is None):
            mixed = self.mix(stems=kind == "stems")
        result = mixed[0]
        if kind == "stems":
            path.write_bytes(audio_io.stems_zip(result.master_stems(), result.sample_rate))
        else:
            audio_io.write(path, result.audio, result.sample_rate, kind)
        return Exported(path, result, missing)

    def preview_voice(self, character: str, cancel: CancelToken | None = None) -> tuple[Clip, str]:
        """A character's voice before a long render: their first line (pronunciations applied), or a sample
        sentence, through exactly the request a line of theirs makes. Returns (clip, the words spoken)."""
        plan = self.plan
        ch = plan.character(character) if character else None
        if ch is None:
            raise StudioError("Choose a character to hear (add one in the characters table first).")
        first = next((s for s in plan.segments if s.kind == "speech" and s.character == ch.name and s.text.strip()),
                     None)
        probe = Segment(id="voice-preview", kind="speech", duration=1.0, character=ch.name,
                        text=first.text if first else PREVIEW_LINE[plan.language])
        return self.session.generate(self.renderer.request_for(probe), cancel), probe.text

    # --- what the user should know ---------------------------------------------------------------------------------
    def notices(self, notes: bool = False) -> list[Notice]:
        """Per segment: a failed render, failed checks, the backend's warnings (fallback voice, approximate
        sound...) and instruction words nothing understood; with `notes`, the planner's notes first."""
        plan = self.plan
        out = [Notice(None, "note", n) for n in plan.notes] if notes else []
        for ch in plan.characters:
            for word in instruct.parse("speech", ch.voice.instruction).unknown:
                first = next((s.id for s in plan.segments if s.character == ch.name), None)
                out.append(Notice(first, "unknown-word", f"{word!r} in {ch.name}'s voice"))
        for seg in plan.segments:
            take = seg.take()
            if (take is None or take.path is None) and seg.takes and seg.takes[-1].error:
                out.append(Notice(seg.id, "failed", seg.takes[-1].error))
            if take is not None and take.path is not None:
                out += [Notice(seg.id, "warning", w) for w in take.warnings]
                if take.qa.passed is False:
                    out += [Notice(seg.id, "check", i.message or i.code) for i in take.qa.issues]
            if seg.kind in ("speech", "music", "sound") and seg.instruction and not _is_backend_link(seg.instruction):
                out += [Notice(seg.id, "unknown-word", repr(w))
                        for w in instruct.parse(seg.kind, seg.instruction).unknown]
        return out

    # --- speech, music and dialogue straight from an instruction (no project needed) ---------------------------------
    def speak(self, text: str, instruction: str, language: str | None = None, seed: int = 0,
              cancel: CancelToken | None = None) -> direct.Rendered:
        return direct.render_speech(self.session, text, instruction, language, seed, cancel)

    def compose(self, instruction: str, lyrics: str = "", duration: float = 10.0, language: str | None = None,
                seed: int = 0, cancel: CancelToken | None = None) -> direct.Rendered:
        return direct.render_music(self.session, instruction, lyrics, duration, language, seed, cancel)

    def dialogue(self, script: str, voices: dict[str, str], language: str | None = None, seed: int = 0,
                 cancel: CancelToken | None = None) -> direct.Rendered:
        return direct.render_dialogue(self.session, script, voices, language, seed, cancel)

    def contrast(self, line: str, instructions: list[str], language: str | None = None, seed: int = 0,
                 cancel: CancelToken | None = None) -> list[tuple[str, direct.Rendered]]:
        return direct.render_contrast(self.session, line, instructions, language, seed, cancel)


def _is_backend_link(instruction: str) -> bool:
    """Instructions some backends write for themselves (AudioStory's 'audiostory:<story>:<clip>' link) are not
    natural language; they are never reported as unknown words."""
    return instruction.startswith("audiostory:")

