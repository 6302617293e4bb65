"""The one inference session: picks a model profile, loads backends lazily, and serialises model work.

Every model call goes through `Session.generate`, which holds the session lock (one GPU, one caller at a
time), so the UI, the CLI and the API share one set of resident models.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import platform
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .backends.base import Backend, BackendError, CancelToken, Capabilities, ClipRequest, Clip, Planner

PROFILE_ENV = "AUDIOSTORY_PROFILE"
PROFILES_DIR = Path(__file__).resolve().parent.parent / "presets" / "profiles"
STUDIO_CONFIG_ENV = "AUDIOSTORY_STUDIO_CONFIG"  # a JSON file merged over presets/profiles/studio.json
MODEL_ENV_PREFIX = "AUDIOSTORY_MODEL_"  # AUDIOSTORY_MODEL_SOUND=/path/or/repo overrides one role's weights
ALLOW_CPU_ENV = "AUDIOSTORY_ALLOW_CPU"  # "1": a GPU profile may run on CPU (tiny test checkpoints, debugging)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    # role → "module:Class" so a profile names its models without importing them until first use
    backends: dict[str, str]
    needs_gpu: bool = False

    def settings(self, extra: dict | None = None) -> dict:
        """The profile's model settings: presets/profiles/<name>.json, then $AUDIOSTORY_STUDIO_CONFIG (studio),
        then `extra`, then $AUDIOSTORY_MODEL_<ROLE> for each role's weights. Shape:
        {"allow_cpu": bool, "roles": {role: {"repo_id_or_path": ..., other backend options}},
         "backends": {role: "module:Class"} (optional: swap a role's backend, e.g. an adapter)}."""
        merged: dict = {}
        path = PROFILES_DIR / f"{self.name}.json"
        if path.exists():
            merged = _merge(merged, _read_settings(path))
        env_file = os.environ.get(STUDIO_CONFIG_ENV) if self.name == "studio" else None
        if env_file:
            merged = _merge(merged, _read_settings(Path(env_file)))
        if extra:
            merged = _merge(merged, extra)
        roles = merged.setdefault("roles", {})
        for role in (set(self.backends) | set(roles)) if self.needs_gpu else ():
            value = os.environ.get(MODEL_ENV_PREFIX + role.upper())
            if value:
                roles.setdefault(role, {})["repo_id_or_path"] = value
        return merged


def _read_settings(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"profile settings file {path} does not exist (check ${STUDIO_CONFIG_ENV})") from None
    except ValueError as e:
        raise ValueError(f"profile settings file {path} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"profile settings file {path} must hold a JSON object")
    return data


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


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
    "studio": Profile(
        "studio",
        "Neural models on one GPU: Qwen3 LLM planner, TangoFlux sound, VibeVoice speech, ACE-Step music "
        "(weights from the hub or local folders; see presets/profiles/studio.json).",
        {
            "planner": "engine.backends.llm_planner:LLMPlanner",
            "speech": "engine.backends.vibevoice:VibeVoiceSpeech",
            "sound": "engine.backends.tangoflux:TangoFluxSound",
            "music": "engine.backends.acestep:AceStepMusic",
        },
        needs_gpu=True,
    ),
    "audiostory": Profile(
        "audiostory",
        "AudioStory-3B (TencentARC) plans the story and renders its sound clips; speech and music from the studio "
        "models. Non-commercial licences (Qwen Research, TangoFlux, Stability AI Community).",
        {
            "planner": "engine.backends.audiostory:AudioStoryPlanner",
            "sound": "engine.backends.audiostory:AudioStorySound",
            "speech": "engine.backends.vibevoice:VibeVoiceSpeech",
            "music": "engine.backends.acestep:AceStepMusic",
        },
        needs_gpu=True,
    ),
}


def gpu_available() -> bool:
    try:
        import torch  # optional: the offline profile never needs it
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def cpu_allowed(settings: dict | None = None) -> bool:
    if os.environ.get(ALLOW_CPU_ENV, "").strip().lower() in ("1", "true", "yes"):
        return True
    return bool((settings or {}).get("allow_cpu", False))


def models_available(profile: Profile, settings: dict | None = None) -> tuple[bool, str]:
    """Whether every role's weights can be had: a local folder, a hub cache entry, or a reachable hub.
    Cheap (no download, no torch); used by automatic selection only."""
    settings = settings if settings is not None else profile.settings()
    roles = settings.get("roles", {})
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes")
    if not offline:
        return True, ""
    try:
        from huggingface_hub import scan_cache_dir

        cached = {r.repo_id for r in scan_cache_dir().repos}
    except Exception:  # noqa: BLE001 - no cache yet, or an unreadable one: nothing is cached
        cached = set()
    for role, opts in roles.items():
        src = str(opts.get("repo_id_or_path", ""))
        if src and not Path(src).expanduser().exists() and src not in cached:
            return False, f"{role} weights {src!r} are not downloaded and the hub is offline"
    return True, ""


def choose_profile(requested: str | None = None, settings: dict | None = None) -> tuple[str, str]:
    """Explicit choice, else $AUDIOSTORY_PROFILE, else automatic. Returns (profile, why).

    A GPU profile chosen explicitly on a machine without a GPU is refused unless CPU use is allowed
    ($AUDIOSTORY_ALLOW_CPU=1 or "allow_cpu": true in its settings) — tiny test checkpoints run that way."""
    name = requested or os.environ.get(PROFILE_ENV) or "auto"
    if name != "auto":
        if name not in PROFILES:
            raise ValueError(f"unknown profile {name!r}; available: {', '.join(PROFILES)}")
        prof = PROFILES[name]
        if prof.needs_gpu and not gpu_available():
            if cpu_allowed(prof.settings(settings)):
                return name, "chosen explicitly; no GPU, running on CPU because CPU use is allowed"
            raise BackendError(f"profile {name!r} needs a CUDA GPU and none is visible; use --profile offline "
                               f"(or set {ALLOW_CPU_ENV}=1 to run it on CPU, minutes per clip at full size)")
        return name, "chosen explicitly"
    if gpu_available():
        for prof in PROFILES.values():
            if prof.needs_gpu:
                ok, why_not = models_available(prof)
                if ok:
                    return prof.name, "a GPU is present"
                return "offline", f"a GPU is present but {why_not}, so the embedded offline models are used"
    return "offline", "no GPU profile is usable here, so the embedded offline models are used"


@dataclass
class Session:
    profile: str = "auto"
    overrides: dict[str, Backend | Planner] = field(default_factory=dict)  # role → instance (tests, custom)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # merged over the profile's settings file (see Profile.settings), e.g. {"roles": {"sound": {"steps": 10}}}
    settings: dict | None = None
    # progress inside one model call: (label, step done, total steps), e.g. ("sound", 12, 25)
    step_progress: Callable[[str, int, int], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.profile, self.profile_reason = choose_profile(None if self.profile == "auto" else self.profile,
                                                           self.settings)
        self._profile_settings = PROFILES[self.profile].settings(self.settings)
        self._loaded: dict[str, Any] = dict(self.overrides)
        if PROFILES[self.profile].needs_gpu and "vram_budget_gb" in self._profile_settings:
            from .backends import torch_runtime as rt

            rt.set_profile_budget(self._profile_settings["vram_budget_gb"])
        self._load_lock = threading.Lock()
        self.calls: dict[str, int] = {}  # role → number of generate calls (tests count re-renders with it)

    # --- models ------------------------------------------------------------------------------------
    def _get(self, role: str) -> Any:
        if role in self._loaded:
            return self._loaded[role]
        with self._load_lock:
            if role not in self._loaded:
                spec = self._backend_specs().get(role)
                if spec is None:
                    raise BackendError(f"profile {self.profile!r} has no {role} model")
                module, cls = spec.split(":")
                options = dict(self._profile_settings.get("roles", {}).get(role, {}))
                if PROFILES[self.profile].needs_gpu and cpu_allowed(self._profile_settings):
                    options.setdefault("allow_cpu", True)
                try:
                    self._loaded[role] = getattr(importlib.import_module(module), cls)(**options)
                except ImportError as e:
                    raise BackendError(f"the {role} model of profile {self.profile!r} needs a package that is not "
                                       f"installed ({e.name or e}); install requirements-studio.txt") from None
                except TypeError as e:
                    raise BackendError(f"settings for the {role} model of profile {self.profile!r} do not fit "
                                       f"{cls}: {e}") from None
        return self._loaded[role]

    def _backend_specs(self) -> dict[str, str]:
        return {**PROFILES[self.profile].backends, **self._profile_settings.get("backends", {})}

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
            with self._step_progress():
                return model.generate(request, cancel)

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None, seed: int = 0):
        with self.lock, self._step_progress():
            return self.planner().plan(instruction, duration=duration, language=language, seed=seed)

    def _step_progress(self):
        """Route per-step progress of neural model loops to `step_progress` (torch only for GPU profiles)."""
        import contextlib

        if self.step_progress is None or not PROFILES[self.profile].needs_gpu:
            return contextlib.nullcontext()
        from .backends.torch_runtime import progress_to

        return progress_to(self.step_progress)

    # --- info ---------------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        models = {}
        for role, spec in self._backend_specs().items():
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
            **self._gpu_info(),
        }

    def _gpu_info(self) -> dict[str, Any]:
        if not PROFILES[self.profile].needs_gpu:
            return {}
        from .backends import torch_runtime as rt

        loaded = [m for m in self._loaded.values() if getattr(m, "device", None) is not None]
        out: dict[str, Any] = {}
        for m in loaded:
            cache = rt.model_cache(m.device)
            out = {"resident": cache.resident(), "resident_gb": round(cache.used() / 1024**3, 2),
                   "budget_gb": round(cache.budget / 1024**3, 2) if cache.budget < 1 << 61 else None,
                   "dtype": str(m.dtype).removeprefix("torch.")}
        return out


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
