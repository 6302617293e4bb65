"""The process-wide inference sessions, and the one door model work goes through.

On a ZeroGPU Space every `@spaces.GPU` call runs in a forked worker that receives its arguments pickled and
sends its result back pickled. So the decorated functions here take plain values (profile name, ClipRequest)
and return plain values (Clip, Plan), never a Renderer or a project: mutations made inside the worker would be
lost. One clip (or one planning call) is one decorated call, which keeps each GPU lease short.
Off ZeroGPU `spaces.GPU` returns the function unchanged, and without the `spaces` package we use an identity
decorator, so the same path runs locally and in CI.
"""

from __future__ import annotations

import os
import threading

from engine.backends.base import CancelToken, Clip, ClipRequest
from engine.backends.steps import ProgressFn, progress_to
from engine.session import PROFILES, Session, choose_profile

try:  # only on Hugging Face Spaces does this do anything
    import spaces as _spaces
except Exception:  # noqa: BLE001 - a broken optional package must not stop the app
    _spaces = None

ON_ZERO_GPU = os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "true")


def gpu(duration=None):
    if _spaces is None:
        return lambda fn: fn
    return _spaces.GPU(duration=duration) if duration is not None else _spaces.GPU


def _clip_seconds(profile: str, request: ClipRequest, cancel=None) -> int:
    """ZeroGPU lease estimate: shorter asks get better queue priority, so ask for what one clip needs."""
    return int(min(120, 15 + 1.5 * max(request.duration, len(request.text) / 12.0)))


@gpu(duration=_clip_seconds)
def gpu_generate(profile: str, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
    # No session lock in here: in a forked ZeroGPU worker the parent's lock may be copied in its held state.
    # The caller holds the lock around this call.
    return session_for(profile).backend(request.kind).generate(request, cancel)


@gpu(duration=60)
def gpu_plan(profile: str, planner: str | None, instruction: str, duration: float | None, language: str | None,
             seed: int):
    return session_for(profile).planner(planner).plan(instruction, duration=duration, language=language, seed=seed)


class StudioSession(Session):
    """engine.session.Session whose model calls go through the GPU door above."""

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        if cancel is not None:
            cancel.check()
        self.backend(request.kind)  # load (and count) in this process, outside the GPU lease
        with self.lock:
            self.calls[request.kind] = self.calls.get(request.kind, 0) + 1
            # a CancelToken holds a threading.Event, which cannot be pickled into a ZeroGPU worker
            return gpu_generate(self.profile, request, None if ON_ZERO_GPU else cancel)

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None, seed: int = 0, *,
             planner: str | None = None, cancel: CancelToken | None = None, step_progress: ProgressFn | None = None):
        if self.planner_setup(planner).choice in ("rules", "server"):  # no GPU work: plan right here
            return super().plan(instruction, duration, language, seed, planner=planner, cancel=cancel,
                                step_progress=step_progress)
        self.planner(planner)
        # off ZeroGPU the call runs in this thread, so progress and Stop reach the model's loop
        with self.lock, progress_to(step_progress or self.step_progress, cancel):
            return gpu_plan(self.profile, planner, instruction, duration, language, seed)


_SESSIONS: dict[str, StudioSession] = {}
_SESSIONS_LOCK = threading.Lock()


def profile_choices() -> list[str]:
    return ["auto", *PROFILES]


def resolve_profile(name: str | None) -> tuple[str, str]:
    """(profile, why) for a UI choice; "auto" picks a GPU profile only when one can run here."""
    return choose_profile(None if name in (None, "", "auto") else name)


def session_for(profile: str | None = "auto") -> StudioSession:
    """One session per resolved profile for the whole process: all browser sessions share resident models
    (and the lock), while each keeps its own project (and plans with the planner it chose)."""
    name, why = resolve_profile(profile)
    with _SESSIONS_LOCK:
        s = _SESSIONS.get(name)
        if s is None:
            s = _SESSIONS[name] = StudioSession(name)
            if profile in (None, "", "auto"):
                s.profile_reason = why
        return s
