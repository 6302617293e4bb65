"""Per-step progress and cancellation inside model loops: denoising steps, generated tokens, streamed chunks.

Torch-free, so a planner that streams its answer from a server reports through the same hook as the GPU
backends, and the offline profile can route it without importing torch. The session sets where progress goes
(and, for calls whose protocol takes no cancel token, such as a planner's `plan`, which token Stop sets) with
`progress_to`; each loop makes one `StepHook` and calls it once per step.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable

from .base import CancelToken

ProgressFn = Callable[[str, int, int], None]  # (label, step done, total steps)
_PROGRESS: contextvars.ContextVar[ProgressFn | None] = contextvars.ContextVar("audiostory_progress", default=None)
_CANCEL: contextvars.ContextVar[CancelToken | None] = contextvars.ContextVar("audiostory_cancel", default=None)


@contextlib.contextmanager
def progress_to(fn: ProgressFn | None, cancel: CancelToken | None = None):
    """Route the step progress of model loops run inside this block to `fn`; loops not handed a cancel token
    check `cancel` instead."""
    progress_token = _PROGRESS.set(fn)
    cancel_token = _CANCEL.set(cancel)
    try:
        yield
    finally:
        _CANCEL.reset(cancel_token)
        _PROGRESS.reset(progress_token)


class StepHook:
    """Called once per denoising / decoding step: raises Cancelled when the user pressed Stop, reports progress."""

    def __init__(self, cancel: CancelToken | None, total: int, label: str) -> None:
        self.cancel = cancel if cancel is not None else _CANCEL.get()
        self.total = max(1, int(total))
        self.label = label
        self.done = 0
        self._report = _PROGRESS.get()

    def __call__(self, step: int | None = None) -> None:
        self.done = self.done + 1 if step is None else step + 1
        if self.cancel is not None:
            self.cancel.check()
        if self._report is not None:
            self._report(self.label, min(self.done, self.total), self.total)
