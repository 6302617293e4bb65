"""Long clips are worked on in chunks, shared out to a few worker threads, so that no temporary is as long as the
clip and both cores work on one bed."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from engine.backends.base import CancelToken

CHUNK = 1 << 22  # samples per chunk when streaming long clips: small temporaries, reused instead of fresh pages
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """Worker threads for chunked work: numpy and scipy.fft release the GIL on large arrays, so two chunks of a
    long bed are filtered at once on two cores."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="sound")
    return _POOL


def run_chunks(tasks, cancel: CancelToken | None = None) -> None:
    """Run chunk jobs (zero-argument callables writing disjoint parts of an output) on the worker threads, a few
    in flight at a time so memory stays bounded; errors surface here."""
    pool, pending = _pool(), []
    for task in tasks:
        pending.append(pool.submit(task))
        if len(pending) >= 2 * _WORKERS:
            pending.pop(0).result()
        if cancel is not None and cancel.cancelled:
            for f in pending:
                f.cancel()
            cancel.check()
    for f in pending:
        f.result()
