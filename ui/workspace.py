"""Per-browser-session workspace: its own Studio (engine.studio) over its own project folder, cancel token and
outputs.

A Workspace lives in a gr.State. Gradio deep-copies state values; a workspace holds locks and open models,
so copying returns the same object (the State then stores that one object per browser session). Two sessions
never share a folder: each workspace is a fresh uuid directory under the system temp dir (which Gradio may
serve files from), deleted by the State's delete_callback when the session expires, and at process exit.
"""

from __future__ import annotations

import atexit
import dataclasses
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from engine.backends.base import CancelToken
from engine.plan import Plan
from engine.project import Project
from engine.studio import ProgressFn, Studio, StudioSettings

BASE = Path(tempfile.gettempdir()) / "audiostory-studio"
# Failing takes are retaken with a new seed this many times during "Generate all" (0: only flag them).
AUTO_RETAKE = 1
_LIVE: set[Path] = set()
_LIVE_LOCK = threading.Lock()


class Workspace:
    def __init__(self, profile: str = "auto", base: Path | None = None):
        self.id = uuid.uuid4().hex[:12]
        self.root = (base or BASE) / self.id
        self.root.mkdir(parents=True, exist_ok=False)
        with _LIVE_LOCK:
            _LIVE.add(self.root)
        self.profile = profile
        self.planner = "auto"  # which planner plans (engine.session): the app's Planner dropdown
        self._studio: Studio | None = None
        self.cancel = CancelToken()
        self.busy = False  # a render is running: table edits wait for it
        self.selected: str | None = None  # segment open in the clip editor
        self.failed: dict[str, str] = {}  # segment id → error of its latest render
        self.timeline_map: dict | None = None  # pixel ↔ time mapping of the last timeline image
        self.last_warning: tuple[str, float] | None = None  # (message, time) of the last rejected edit
        self.lock = threading.RLock()
        self._n = 0

    def __deepcopy__(self, memo):
        return self

    def __repr__(self) -> str:
        return f"Workspace({self.id}, profile={self.profile}, plan={'yes' if self.project else 'no'})"

    # --- engine objects -------------------------------------------------------------------------------
    @property
    def session(self):
        from .gpu import session_for

        return session_for(self.profile)

    @property
    def studio(self) -> Studio:
        """The engine's front door for this browser session, on the process-wide models of its profile."""
        session = self.session
        if self._studio is None:
            self._studio = Studio(StudioSettings(profile=self.profile, planner=self.planner, auto_retake=AUTO_RETAKE),
                                  session)
        elif self._studio.session is not session or self._studio.settings.planner != self.planner:
            # the profile or the planner changed: same project, other models
            settings = dataclasses.replace(self._studio.settings, profile=self.profile, planner=self.planner)
            self._studio = Studio(settings, session, self._studio.project)
        return self._studio

    @property
    def project(self) -> Project | None:
        return self._studio.project if self._studio is not None else None

    @property
    def plan(self) -> Plan | None:
        return self.project.plan if self.project else None

    @property
    def renderer(self):
        return self.studio.renderer

    # --- project folder ----------------------------------------------------------------------------
    def _next_folder(self, stem: str) -> Path:
        self._n += 1
        return self.root / f"{stem}-{self._n:03d}"

    def _replaced(self, old: Project | None) -> None:
        """A new project took the old one's place: forget per-project UI state and delete its folder."""
        self.failed, self.selected, self.timeline_map = {}, None, None
        if old is not None and old.root != self.project.root:
            shutil.rmtree(old.root, ignore_errors=True)

    def plan_story(self, instruction: str, *, duration: float | None, language: str | None, seed: int,
                   progress: ProgressFn | None = None) -> Plan:
        """Plan into a fresh folder; the current project stays as it was if planning fails or is stopped (Stop
        cancels an LLM planner's generation: the workspace is busy meanwhile)."""
        old, folder = self.project, self._next_folder("project")
        self.cancel, self.busy = CancelToken(), True
        try:
            plan = self.studio.plan_story(instruction, folder, duration=duration, language=language, seed=seed,
                                          progress=progress, cancel=self.cancel)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            self.busy = False
        self._replaced(old)
        return plan

    def new_project(self, plan: Plan, profile: str | None = None) -> Project:
        if profile is not None:
            self.profile = profile
        old = self.project
        project = self.studio.use_plan(plan, self._next_folder("project"))
        self._replaced(old)
        return project

    def import_project(self, data: bytes | str | Path) -> Project:
        old, dest = self.project, self._next_folder("project")
        try:
            self.studio.import_zip(data, dest)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)  # a refused upload leaves the current project as it was
            raise
        self._replaced(old)
        return self.project

    def out_path(self, name: str) -> Path:
        """A fresh file path for an output (mix, export, figure); names never repeat within a workspace so a
        browser never plays a stale cached file."""
        self._n += 1
        d = self.root / "out"
        d.mkdir(exist_ok=True)
        stem, dot, ext = name.rpartition(".")
        return d / (f"{stem}-{self._n:04d}.{ext}" if dot else f"{name}-{self._n:04d}")

    def cleanup(self) -> None:
        self.cancel.cancel()
        shutil.rmtree(self.root, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.discard(self.root)


def delete_workspace(ws: Workspace | None) -> None:
    """gr.State delete_callback: the browser session ended or its state expired."""
    if isinstance(ws, Workspace):
        ws.cleanup()


@atexit.register
def _cleanup_all() -> None:
    with _LIVE_LOCK:
        roots = list(_LIVE)
    for r in roots:
        shutil.rmtree(r, ignore_errors=True)
