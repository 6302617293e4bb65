"""The one inference session: picks a model profile, loads backends lazily, and serialises model work.

Every model call goes through `Session.generate`, which holds the session lock (one GPU, one caller at a
time), so the UI, the CLI and the API share one set of resident models.
"""

from __future__ import annotations

import importlib
import os
import platform
import threading
from dataclasses import dataclass, field
from typing import Any

from .backends.base import Backend, BackendError, CancelToken, Capabilities, ClipRequest, Clip, Planner

PROFILE_ENV = "AUDIOSTORY_PROFILE"


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    # role → "module:Class" so a profile names its models without importing them until first use
    backends: dict[str, str]
    needs_gpu: bool = False


PROFILES: dict[str, Profile] = {
    "offline": Profile(
        "offline",
        "Embedded CPU models, no download: template planner, Piper speech, procedural sound, synthesised music.",
        {
            "planner": "engine.backends.offline.planner:TemplatePlanner",
            "speech": "engine.backends.offline.speech:PiperSpeech",
            "sound": "engine.backends.offline.sound:ProceduralSound",
            "music": "engine.backends.offline.music:SynthComposer",
        },
    ),
}


def gpu_available() -> bool:
    try:
        import torch  # optional: the offline profile never needs it
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def choose_profile(requested: str | None = None) -> tuple[str, str]:
    """Explicit choice, else $AUDIOSTORY_PROFILE, else automatic. Returns (profile, why)."""
    name = requested or os.environ.get(PROFILE_ENV) or "auto"
    if name != "auto":
        if name not in PROFILES:
            raise ValueError(f"unknown profile {name!r}; available: {', '.join(PROFILES)}")
        if PROFILES[name].needs_gpu and not gpu_available():
            raise BackendError(f"profile {name!r} needs a CUDA GPU and none is visible; use --profile offline")
        return name, "chosen explicitly"
    gpu = [p for p in PROFILES.values() if p.needs_gpu]
    if gpu and gpu_available():
        return gpu[0].name, "a GPU is present"
    return "offline", "no GPU profile is usable here, so the embedded offline models are used"


@dataclass
class Session:
    profile: str = "auto"
    overrides: dict[str, Backend | Planner] = field(default_factory=dict)  # role → instance (tests, custom)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.profile, self.profile_reason = choose_profile(None if self.profile == "auto" else self.profile)
        self._loaded: dict[str, Any] = dict(self.overrides)
        self._load_lock = threading.Lock()
        self.calls: dict[str, int] = {}  # role → number of generate calls (tests count re-renders with it)

    # --- models ------------------------------------------------------------------------------------
    def _get(self, role: str) -> Any:
        if role in self._loaded:
            return self._loaded[role]
        with self._load_lock:
            if role not in self._loaded:
                spec = PROFILES[self.profile].backends.get(role)
                if spec is None:
                    raise BackendError(f"profile {self.profile!r} has no {role} model")
                module, cls = spec.split(":")
                self._loaded[role] = getattr(importlib.import_module(module), cls)()
        return self._loaded[role]

    def backend(self, kind: str) -> Backend:
        return self._get(kind)

    def planner(self) -> Planner:
        return self._get("planner")

    def capabilities(self, kind: str) -> Capabilities:
        return self.backend(kind).capabilities

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        model = self.backend(request.kind)
        with self.lock:
            if cancel is not None:
                cancel.check()
            self.calls[request.kind] = self.calls.get(request.kind, 0) + 1
            return model.generate(request, cancel)

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None, seed: int = 0):
        with self.lock:
            return self.planner().plan(instruction, duration=duration, language=language, seed=seed)

    # --- info ---------------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        models = {}
        for role, spec in PROFILES[self.profile].backends.items():
            obj = self._loaded.get(role)
            caps: Capabilities | None = getattr(obj, "capabilities", None)
            models[role] = {
                "backend": caps.name if caps else spec,
                "model_id": caps.model_id if caps else None,
                "loaded": obj is not None,
                "licence": caps.licence if caps else "",
            }
        return {
            "profile": self.profile,
            "why": self.profile_reason,
            "device": "cuda" if gpu_available() else f"cpu ({platform.processor() or platform.machine()}, "
                                                    f"{os.cpu_count()} cores)",
            "models": models,
            "rss_mb": round(peak_rss_mb(), 1),
        }


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
