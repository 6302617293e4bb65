"""The one inference session: picks a model profile, loads backends lazily, and serialises model work.

Every model call goes through `Session.generate`, which holds the session lock (one GPU, one caller at a
time), so the UI, the CLI and the API share one set of resident models.

Which planner plans is a choice of its own, orthogonal to the profile (`planner_choice`, $AUDIOSTORY_PLANNER):
"rules" (the offline template planner, instant), "local" (the LLM planner in this process), "server" (the LLM
planner on an OpenAI-compatible server) or "auto" (the profile's own planner, or the server when one is
configured: $AUDIOSTORY_PLANNER_URL or "url" in the planner role's settings).
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
from typing import Any

from .backends.base import Backend, BackendError, CancelToken, Capabilities, ClipRequest, Clip, Planner
from .backends.llm_transports import SERVER_KEYS, URL_ENV, server_settings
from .backends.steps import ProgressFn, progress_to

PROFILE_ENV = "AUDIOSTORY_PROFILE"
PROFILES_DIR = Path(__file__).resolve().parent.parent / "presets" / "profiles"
STUDIO_CONFIG_ENV = "AUDIOSTORY_STUDIO_CONFIG"  # a JSON file merged over presets/profiles/studio.json
MODEL_ENV_PREFIX = "AUDIOSTORY_MODEL_"  # AUDIOSTORY_MODEL_SOUND=/path/or/repo overrides one role's weights
ALLOW_CPU_ENV = "AUDIOSTORY_ALLOW_CPU"  # "1": a GPU profile may run on CPU (tiny test checkpoints, debugging)
PLANNER_ENV = "AUDIOSTORY_PLANNER"  # rules | local | server: which planner plans when none is chosen
PLANNER_CHOICES = ("auto", "rules", "local", "server")
RULES_PLANNER = "engine.backends.offline.planner:TemplatePlanner"
LLM_PLANNER = "engine.backends.llm_planner:LLMPlanner"
LOCAL_ONLY_KEYS = ("repo_id_or_path", "device", "dtype", "allow_cpu")  # LLM planner settings a server ignores


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
            "planner": RULES_PLANNER,
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
            "planner": LLM_PLANNER,
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


@dataclass(frozen=True)
class PlannerSetup:
    """What a planner choice means in a session: the planner role's backend and the options it is built with."""
    choice: str  # "rules", "local", "server", or "profile" (the profile's own planner, e.g. AudioStory's)
    backend: str  # "module:Class"
    options: dict = field(repr=False)  # may hold the server's API key
    why: str = field(default="", compare=False)


def choose_planner(requested: str | None, profile: Profile, settings: dict, extra: dict | None = None) -> PlannerSetup:
    """Map a planner choice (explicit, else $AUDIOSTORY_PLANNER, else "auto") onto the planner role of `profile`,
    whose merged settings are `settings` (`extra`: the session's own settings). The LLM planner's options are the
    profile's planner role when that is the LLM planner, else the studio profile's (a local Qwen3 or a server)."""
    explicit = requested not in (None, "", "auto")
    name = (requested if explicit else os.environ.get(PLANNER_ENV, "")).strip().lower() or "auto"
    if name not in PLANNER_CHOICES:
        raise ValueError(f"unknown planner {name!r}; choose one of {', '.join(PLANNER_CHOICES)}"
                         + ("" if explicit else f" (check ${PLANNER_ENV})"))
    why = "chosen explicitly" if explicit else f"from ${PLANNER_ENV}"
    if name == "rules":
        return PlannerSetup("rules", RULES_PLANNER, {}, why)
    own = {**profile.backends, **settings.get("backends", {})}["planner"]
    llm_settings = settings if own == LLM_PLANNER else PROFILES["studio"].settings(extra)
    llm_role = dict(llm_settings.get("roles", {}).get("planner", {}))
    server = server_settings(llm_role)
    if name == "auto" and "url" in server:
        name, why = "server", f'a planner server is configured (${URL_ENV} or "url" in the planner settings)'
    elif name == "auto":
        options = {k: v for k, v in settings.get("roles", {}).get("planner", {}).items() if k not in SERVER_KEYS}
        if profile.needs_gpu and cpu_allowed(settings):
            options.setdefault("allow_cpu", True)
        return PlannerSetup({RULES_PLANNER: "rules", LLM_PLANNER: "local"}.get(own, "profile"), own, options,
                            f"the {profile.name} profile's planner")
    if name == "local":
        options = {k: v for k, v in llm_role.items() if k not in SERVER_KEYS}
        if cpu_allowed(llm_settings):
            options.setdefault("allow_cpu", True)
        return PlannerSetup("local", LLM_PLANNER, options, why)
    if "url" not in server:
        raise ValueError(f"the server planner needs the server's address: set ${URL_ENV} (e.g. "
                         f'http://localhost:11434/v1 for Ollama) or "url" in the planner settings')
    shared = {k: v for k, v in llm_role.items() if k not in LOCAL_ONLY_KEYS and k not in SERVER_KEYS}
    return PlannerSetup("server", LLM_PLANNER, {**shared, **server}, why)


@dataclass
class Session:
    profile: str = "auto"
    overrides: dict[str, Backend | Planner] = field(default_factory=dict)  # role → instance (tests, custom)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # merged over the profile's settings file (see Profile.settings), e.g. {"roles": {"sound": {"steps": 10}}};
    # not in the repr: it may hold a planner server's key
    settings: dict | None = field(default=None, repr=False)
    # progress inside one model call: (label, step done, total steps), e.g. ("sound", 12, 25)
    step_progress: ProgressFn | None = field(default=None, repr=False)
    # "auto", "rules", "local" or "server" (see the module doc); after construction, what it resolved to
    planner_choice: str = "auto"

    def __post_init__(self) -> None:
        self.profile, self.profile_reason = choose_profile(None if self.profile == "auto" else self.profile,
                                                           self.settings)
        self._profile_settings = PROFILES[self.profile].settings(self.settings)
        self._planner = choose_planner(self.planner_choice, PROFILES[self.profile], self._profile_settings,
                                       self.settings)
        self.planner_choice, self.planner_reason = self._planner.choice, self._planner.why
        self._loaded: dict[str, Any] = dict(self.overrides)
        if PROFILES[self.profile].needs_gpu and "vram_budget_gb" in self._profile_settings:
            from .backends import torch_runtime as rt

            rt.set_profile_budget(self._profile_settings["vram_budget_gb"])
        self._load_lock = threading.Lock()
        # planners other than the session's own, by what they were built from (settings and environment)
        self._other_planners: list[tuple[PlannerSetup, Planner]] = []
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
                if role == "planner":
                    options = self._planner.options
                else:
                    options = dict(self._profile_settings.get("roles", {}).get(role, {}))
                    if PROFILES[self.profile].needs_gpu and cpu_allowed(self._profile_settings):
                        options.setdefault("allow_cpu", True)
                self._loaded[role] = self._build(role, spec, options)
        return self._loaded[role]

    def _build(self, role: str, spec: str, options: dict) -> Any:
        module, cls = spec.split(":")
        try:
            return getattr(importlib.import_module(module), cls)(**options)
        except ImportError as e:
            raise BackendError(f"the {role} model of profile {self.profile!r} needs a package that is not "
                               f"installed ({e.name or e}); install requirements-studio.txt") from None
        except TypeError as e:
            raise BackendError(f"settings for the {role} model of profile {self.profile!r} do not fit "
                               f"{cls}: {e}") from None

    def _backend_specs(self) -> dict[str, str]:
        return {**PROFILES[self.profile].backends, **self._profile_settings.get("backends", {}),
                "planner": self._planner.backend}

    def backend(self, kind: str) -> Backend:
        return self._get(kind)

    def planner_setup(self, choice: str | None = None) -> PlannerSetup:
        """What a planner choice means in this session; None or "auto": the session's own planner."""
        if choice in (None, "auto"):
            return self._planner
        return choose_planner(choice, PROFILES[self.profile], self._profile_settings, self.settings)

    def planner(self, choice: str | None = None) -> Planner:
        """The session's planner, or the one `choice` names: a shell that shares this session's models (the app)
        may plan with another planner than the session's own; each is built once."""
        setup = self.planner_setup(choice)
        if setup == self._planner:
            return self._get("planner")
        with self._load_lock:
            built = self._other_planner(setup)
            if built is None:
                built = self._build("planner", setup.backend, setup.options)
                self._other_planners.append((setup, built))
        return built

    def _other_planner(self, setup: PlannerSetup) -> Planner | None:
        return next((built for known, built in self._other_planners if known == setup), None)

    def capabilities(self, kind: str) -> Capabilities:
        return self.backend(kind).capabilities

    def generate(self, request: ClipRequest, cancel: CancelToken | None = None) -> Clip:
        model = self.backend(request.kind)
        with self.lock:
            if cancel is not None:
                cancel.check()
            self.calls[request.kind] = self.calls.get(request.kind, 0) + 1
            with progress_to(self.step_progress):
                return model.generate(request, cancel)

    def plan(self, instruction: str, duration: float | None = None, language: str | None = None, seed: int = 0, *,
             planner: str | None = None, cancel: CancelToken | None = None, step_progress: ProgressFn | None = None):
        """The plan of the session's planner (or of the one `planner` names). `cancel`: Stop for an LLM planner's
        generation (or its stream from a server); `step_progress`: its tokens as they come (default: the
        session's `step_progress`)."""
        model = self.planner(planner)
        with self.lock, progress_to(step_progress or self.step_progress, cancel):
            return model.plan(instruction, duration=duration, language=language, seed=seed)

    # --- info ---------------------------------------------------------------------------------------
    def info(self, planner: str | None = None) -> dict[str, Any]:
        """Profile, device, memory and each role's model; the planner row describes `planner` (default: the
        session's own). A server planner shows its host and model, never its key."""
        setup = self.planner_setup(planner)
        if setup.choice in ("rules", "server"):
            self.planner(planner)  # nothing to load: the rules, or a server's host and model, show before a plan
        models = {}
        for role, spec in {**self._backend_specs(), "planner": setup.backend}.items():
            if role == "planner" and setup != self._planner:
                obj = self._other_planner(setup)
            else:
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
            "planner": {"choice": setup.choice, "why": setup.why},
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
