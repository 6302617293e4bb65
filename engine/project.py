"""Project folders: plan.json + takes/ audio. Atomic writes, validated loads, zip import/export.

Nothing in a project file can make the engine touch a path outside the project folder: take paths are
validated as relative at parse time (plan.Take) and resolved-and-checked again here before every access.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from . import audio as audio_io
from .backends.base import PROJECT_STATE
from .plan import Plan, PlanError, Segment, Take

PLAN_FILE = "plan.json"
TAKES_DIR = "takes"
_STATE_FILE = re.compile("^(" + "|".join(f"{d}/{f}" for d, f in PROJECT_STATE.items()) + ")$")
TAKE_FORMAT = "flac"  # lossless, about half the size of WAV
MAX_ZIP_BYTES = 2 * 1024**3


class ProjectError(ValueError):
    """A project folder or archive is unusable; the message says why and what to do."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, rename: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


class Project:
    def __init__(self, root: str | Path, plan: Plan, plan_file: str = PLAN_FILE, cache_bytes: int = 768 * 1024**2):
        self.root = Path(root).resolve()
        self.plan = plan
        self.plan_file = plan_file  # the plan's file name inside root (plan.json unless the user chose another)
        self.problems: list[str] = []  # what load found wrong (missing/corrupt takes), shown to the user
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_bytes = cache_bytes

    # --- create / open / save ----------------------------------------------------------------------
    @classmethod
    def create(cls, root: str | Path, plan: Plan, plan_file: str = PLAN_FILE) -> "Project":
        p = cls(root, plan, plan_file)
        p.root.mkdir(parents=True, exist_ok=True)
        p.save()
        return p

    @classmethod
    def open(cls, root: str | Path) -> "Project":
        """A project folder, or a plan file whose folder is the project (takes live beside it in takes/)."""
        root = Path(root)
        f = root / PLAN_FILE if root.is_dir() else root
        if not f.is_file():
            raise ProjectError(f"no {PLAN_FILE} in {root}; create a project with `python -m engine plan`")
        try:
            plan = Plan.from_json(f.read_bytes())
        except PlanError as e:
            raise ProjectError(f"{f}: {e}") from None
        proj = cls(f.parent, plan, f.name)
        proj.check_takes()
        return proj

    def save(self) -> None:
        """Write plan.json; a covered bed's duration is derived from the layout first (never a stale copy)."""
        from .timing import sync_covered_durations

        sync_covered_durations(self.plan)
        atomic_write(self.root / self.plan_file, self.plan.to_json().encode())

    # --- paths ---------------------------------------------------------------------------------------
    def resolve(self, rel: str) -> Path:
        """Project-relative path → absolute path, refusing anything that escapes the folder (incl. symlinks)."""
        p = (self.root / rel).resolve()
        if p != self.root and self.root not in p.parents:
            raise ProjectError(f"path {rel!r} points outside the project folder; refusing to use it")
        return p

    def state_files(self) -> list[str]:
        """Project-relative paths of what backends keep in the project (locked voices, story contexts)."""
        found = []
        for folder in PROJECT_STATE:
            d = self.root / folder
            if d.is_dir():
                found += [f"{folder}/{f.name}" for f in d.iterdir()
                          if _STATE_FILE.match(f"{folder}/{f.name}") and f.is_file() and not f.is_symlink()]
        return sorted(found)

    def take_relpath(self, seg: Segment, take_id: str) -> str:
        return f"{TAKES_DIR}/{seg.id}/{take_id}.{TAKE_FORMAT}"

    # --- take audio ---------------------------------------------------------------------------------
    def write_take(self, rel: str, audio: np.ndarray, sr: int) -> None:
        atomic_write(self.resolve(rel), audio_io.encode(audio, sr, TAKE_FORMAT))

    def read_take(self, take: Take) -> np.ndarray:
        if take.path is None:
            raise ProjectError(f"take {take.id} has no audio ({take.error or 'render failed'})")
        hit = self._cache.get(take.key + take.path)
        if hit is not None:
            self._cache.move_to_end(take.key + take.path)
            return hit
        data, sr = audio_io.read(self.resolve(take.path))
        if sr != self.plan.sample_rate:
            data = audio_io.resample(data, sr, self.plan.sample_rate)
        self.remember(take, data)
        return data

    def remember(self, take: Take, data: np.ndarray) -> None:
        """Keep decoded audio in memory so a remix after one edit decodes nothing."""
        if take.path is None:
            return
        self._cache[take.key + take.path] = data
        total = sum(a.nbytes for a in self._cache.values())
        while total > self._cache_bytes and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            total -= old.nbytes

    def check_takes(self) -> list[str]:
        """Verify every take file exists, stays inside the folder and decodes; bad takes are flagged, not lost."""
        import soundfile as sf

        problems = []
        for seg in self.plan.segments:
            for t in seg.takes:
                if t.path is None:
                    continue
                reason = None
                try:
                    f = self.resolve(t.path)
                    if not f.is_file():
                        reason = "its audio file is missing"
                    else:
                        info = sf.info(str(f))
                        if info.frames == 0:
                            reason = "its audio file is empty"
                except ProjectError as e:
                    reason = str(e)
                except (RuntimeError, sf.LibsndfileError) as e:
                    reason = f"its audio file is corrupt ({e})"
                if reason:
                    problems.append(f"segment {seg.id}, take {t.id}: {reason}; re-render the segment")
                    t.error = reason
                    t.path = None
                    if seg.active_take == t.id:
                        seg.active_take = None
        self.problems = problems
        return problems

    # --- zip ----------------------------------------------------------------------------------------
    def export_zip(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:  # FLAC does not compress further
            z.writestr(PLAN_FILE, self.plan.to_json())
            for seg in self.plan.segments:
                for t in seg.takes:
                    if t.path is not None:
                        z.write(self.resolve(t.path), t.path)
            for rel in self.state_files():
                z.write(self.resolve(rel), rel)
        return buf.getvalue()

    @classmethod
    def import_zip(cls, data: bytes | str | Path, dest: str | Path) -> "Project":
        dest = Path(dest).resolve()
        try:
            z = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
        except zipfile.BadZipFile:
            raise ProjectError("the uploaded file is not a project zip") from None
        with z:
            names = z.namelist()
            if PLAN_FILE not in names:
                raise ProjectError(f"the project zip has no {PLAN_FILE} at its top level")
            if sum(i.file_size for i in z.infolist()) > MAX_ZIP_BYTES:
                raise ProjectError("the project zip unpacks to more than 2 GiB; refusing it")
            try:
                plan = Plan.from_json(z.read(PLAN_FILE))
            except PlanError as e:
                raise ProjectError(f"the project zip's plan is invalid: {e}") from None
            proj = cls(dest, plan)
            dest.mkdir(parents=True, exist_ok=True)
            wanted = {t.path for s in plan.segments for t in s.takes if t.path}
            for name in names:  # only files the plan refers to and backend state, each checked to land inside dest
                if name in wanted or _STATE_FILE.match(name):
                    atomic_write(proj.resolve(name), z.read(name))
            proj.save()
        proj.check_takes()
        return proj
