"""Tiny random checkpoints for the studio tests, built once per test process (bench/random_models.py builds
them in code, tokenizers included) and opened through the same loaders users hit, with the hub offline."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_ROOT = Path(tempfile.mkdtemp(prefix="audiostory-tiny-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)


@functools.cache
def checkpoint(kind: str) -> Path:
    from bench import random_models as rm

    builders = {"tangoflux": rm.build_tangoflux, "vibevoice": rm.build_vibevoice, "acestep": rm.build_acestep,
                "qwen3": rm.build_qwen3, "stable_audio": rm.build_stable_audio}
    return builders[kind](_ROOT / kind)


def studio_settings(voices_dir: str | Path, **role_overrides) -> dict:
    """Session settings pointing every studio role at the tiny checkpoints, with few steps (CPU allowed)."""
    roles = {
        "planner": {"repo_id_or_path": str(checkpoint("qwen3")), "constrained": False, "retries": 0,
                    "max_new_tokens": 40},
        "sound": {"repo_id_or_path": str(checkpoint("tangoflux")), "steps": 2},
        "speech": {"repo_id_or_path": str(checkpoint("vibevoice")), "candidates": 1, "diffusion_steps": 2,
                   "voices_dir": str(voices_dir)},
        "music": {"repo_id_or_path": str(checkpoint("acestep")), "steps": 2},
    }
    for role, opts in role_overrides.items():
        roles[role] = {**roles[role], **opts}
    return {"allow_cpu": True, "roles": roles}
