"""Per-browser-session workspace: its own project folder, renderer, cancel token and outputs.

A Workspace lives in a gr.State. Gradio deep-copies state values; a workspace holds locks and open models,
so copying returns the same object (the State then stores that one object per browser session). Two sessions
never share a folder: each workspace is a fresh uuid directory under the system temp dir (which Gradio may
serve files from), deleted by the State's delete_callback when the session expires, and at process exit.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
import uuid
from pathlib import Path

from engine.backends.base import CancelToken
from engine.plan import Plan
from engine.project import Project

BASE = Path(tempfile.gettempdir()) / "audiostory-studio"
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
        self.project: Project | None = None
        self._renderer = None
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
    def plan(self) -> Plan | None:
        return self.project.plan if self.project else None

    @property
    def renderer(self):
        if self.project is None:
            raise ValueError("no plan yet: write an instruction and press Plan (or open a project zip)")
        if self._renderer is None or self._renderer.project is not self.project:
            from engine.render import Renderer

            self._renderer = Renderer(self.session, self.project)
        return self._renderer

    # --- project folder ----------------------------------------------------------------------------
    def _next_folder(self, stem: str) -> Path:
        self._n += 1
        return self.root / f"{stem}-{self._n:03d}"

    def _swap(self, project: Project) -> Project:
        old = self.project
        self.project, self._renderer = project, None
        self.failed, self.selected, self.timeline_map = {}, None, None
        if old is not None and old.root != project.root:
            shutil.rmtree(old.root, ignore_errors=True)
        return project

    def new_project(self, plan: Plan, profile: str | None = None) -> Project:
        if profile is not None:
            self.profile = profile
        return self._swap(Project.create(self._next_folder("project"), plan))

    def import_project(self, data: bytes | str | Path) -> Project:
        dest = self._next_folder("project")
        try:
            project = Project.import_zip(data, dest)
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)  # a refused upload leaves the current project as it was
            raise
        return self._swap(project)

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
