"""GPU runtime shared by the neural ("studio") backends.

What lives here, and why in one place:
- device and dtype choice (bf16 where the GPU supports it, else fp16; fp32 on CPU, where half precision is
  slow and inaccurate);
- weights on disk: a repo id or a local folder becomes a local folder, with errors that say which repo is
  missing, gated or unreachable and how to fix it; chat-template checkpoints (LLM, VibeVoice) load in one call,
  and legacy weight-norm key names are matched to what the installed diffusers builds;
- one memory budget for everything resident on the GPU: models are registered by name, `use(name)` brings
  one onto the device and moves the least recently used others to CPU while the total is over budget;
- out-of-memory recovery: free the cache, move every other model off the GPU, retry once, else a clear
  BackendError (the app keeps running);
- the per-step hook of transformers' generate loops (engine/backends/steps.py holds the torch-free StepHook).
ZeroGPU (one `spaces.GPU` call per clip) is the UI's door, ui/gpu.py; every backend call here is one clip.

engine/session.py imports this module only for neural profiles, so the offline profile never needs torch.
"""

from __future__ import annotations

import gc
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch

from .base import BackendError
from .steps import StepHook

DEVICE_ENV = "AUDIOSTORY_DEVICE"  # "cuda", "cuda:1", "cpu"
DTYPE_ENV = "AUDIOSTORY_DTYPE"  # "bf16", "fp16", "fp32"
BUDGET_ENV = "AUDIOSTORY_VRAM_BUDGET_GB"  # resident-weights budget; default: 85 % of the GPU
ALLOW_CPU_ENV = "AUDIOSTORY_ALLOW_CPU"  # "1": run the neural profile on CPU (tiny test checkpoints, debugging)
DEFAULT_BUDGET_FRACTION = 0.85  # the rest is activations (VAE decode of 30 s is the largest transient)

_DTYPES = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp16": torch.float16, "float16": torch.float16,
           "half": torch.float16, "fp32": torch.float32, "float32": torch.float32}

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------------
# device and dtype


def cpu_allowed(explicit: bool | None = None) -> bool:
    if explicit is not None:
        return bool(explicit)
    return os.environ.get(ALLOW_CPU_ENV, "").strip().lower() in ("1", "true", "yes")


def pick_device(requested: str | torch.device | None = None) -> torch.device:
    """Explicit argument, else $AUDIOSTORY_DEVICE, else the first CUDA GPU, else CPU."""
    name = requested or os.environ.get(DEVICE_ENV) or ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BackendError(f"device {name!r} was requested but no CUDA GPU is visible to torch "
                           f"(torch {torch.__version__}); unset {DEVICE_ENV} or install a CUDA build of torch")
    return device


def pick_dtype(device: torch.device, requested: str | torch.dtype | None = None) -> torch.dtype:
    """bf16 on GPUs that have it (same range as fp32, no overflow in T5/LLMs), fp16 on older GPUs, fp32 on CPU."""
    if isinstance(requested, torch.dtype):
        return requested
    name = (requested or os.environ.get(DTYPE_ENV) or "auto").strip().lower()
    if name != "auto":
        if name not in _DTYPES:
            raise ValueError(f"dtype {name!r} is not one of {', '.join(sorted(_DTYPES))} or 'auto'")
        return _DTYPES[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def require_gpu(device: torch.device, what: str, allow_cpu: bool | None = None) -> None:
    """GPU-only models refuse CPU unless allowed (tiny test checkpoints, patient users)."""
    if device.type == "cpu" and not cpu_allowed(allow_cpu):
        raise BackendError(
            f"{what} needs a CUDA GPU and none is visible. Use the 'offline' profile on this machine, or set "
            f"{ALLOW_CPU_ENV}=1 to run it on CPU anyway (minutes per clip at full size).")


# --------------------------------------------------------------------------------------------------------
# weights on disk


def is_local(repo_id_or_path: str | os.PathLike) -> bool:
    return Path(repo_id_or_path).expanduser().exists()


def local_snapshot(repo_id_or_path: str | os.PathLike, *, what: str, allow_patterns: Iterable[str] | None = None,
                   revision: str | None = None, gated: bool = False) -> Path:
    """A local folder holding the model: the path itself, or the hub snapshot (downloaded once, then cached).

    Every failure becomes a BackendError naming the repo and the fix: gated (accept the terms, log in), not
    found, offline without a cached copy, or a broken download.
    """
    p = Path(repo_id_or_path).expanduser()
    if p.exists():
        if not p.is_dir():
            raise BackendError(f"{what}: {p} is a file; point it at the model folder instead")
        return p
    repo = str(repo_id_or_path)
    if repo.count("/") != 1 or repo.startswith((".", "/", "~")):
        raise BackendError(f"{what}: {repo!r} is neither an existing folder nor a hub repo id like 'owner/name'")
    from huggingface_hub import snapshot_download
    from huggingface_hub import errors as hf_errors

    try:
        return Path(snapshot_download(repo, revision=revision,
                                      allow_patterns=list(allow_patterns) if allow_patterns else None))
    except hf_errors.GatedRepoError:
        raise BackendError(
            f"{what}: {repo} is gated. Accept its terms at https://huggingface.co/{repo} with your account, then "
            f"log in on this machine (`hf auth login`, or set HF_TOKEN) and try again.") from None
    except hf_errors.RepositoryNotFoundError:
        hint = " (it may be gated or private: log in with `hf auth login`)" if gated else ""
        raise BackendError(f"{what}: no model repo {repo!r} on the hub{hint}; check the name or give a local "
                           f"folder") from None
    except hf_errors.RevisionNotFoundError:
        raise BackendError(f"{what}: revision {revision!r} of {repo} does not exist") from None
    except hf_errors.LocalEntryNotFoundError:
        raise BackendError(
            f"{what}: {repo} is not downloaded and the hub cannot be reached (offline mode, HF_HUB_OFFLINE=1, or "
            f"no network). Download it once with `hf download {repo}` on a connected machine, or point the "
            f"model setting at a local copy.") from None
    except (hf_errors.HfHubHTTPError, OSError, ValueError) as e:
        raise BackendError(f"{what}: downloading {repo} failed ({type(e).__name__}: {e}). Check the network and "
                           f"free disk space, then try again; a partial download resumes.") from None


def read_json(path: Path, what: str) -> dict:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackendError(f"{what}: {path.name} is missing in {path.parent}; is this the right model folder?") from None
    except ValueError as e:
        raise BackendError(f"{what}: {path} is not valid JSON ({e})") from None


def load_chat_model(repo_id_or_path: str, model_class: Any, processor_class: Any, *, dtype: torch.dtype,
                    what: str, kind: str, chat_hint: str) -> tuple[Any, Any]:
    """(model in eval mode, its tokenizer or processor) from a transformers checkpoint that speaks through a chat
    template. A folder that is not such a checkpoint (`kind`, e.g. "causal LM") or has no chat template becomes a
    BackendError; `chat_hint` says which checkpoint to use instead."""
    root = local_snapshot(repo_id_or_path, what=what)
    try:
        processor = processor_class.from_pretrained(root)
        model = model_class.from_pretrained(root, dtype=dtype).eval()
    except (OSError, ValueError, KeyError) as e:
        raise BackendError(f"{what}: {root} is not a transformers {kind} ({e})") from None
    if not getattr(processor, "chat_template", None):
        raise BackendError(f"{what}: {root} has no chat template; {chat_hint}")
    return model, processor


# Weight-norm parameter names: legacy torch (weight_g/weight_v) and torch.nn.utils.parametrizations
_WEIGHT_NORM_PAIRS = (("weight_g", "parametrizations.weight.original0"),
                      ("weight_v", "parametrizations.weight.original1"))


def match_weight_norm(state: dict[str, torch.Tensor], module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Rename weight-norm keys of a state dict to the style `module` uses: released VAEs (Stable Audio's
    Oobleck) carry the legacy names, and the installed diffusers may build either."""
    wanted = set(module.state_dict())
    if set(state) <= wanted:
        return state
    out = {}
    for k, v in state.items():
        if k not in wanted:
            for old, new in _WEIGHT_NORM_PAIRS:
                for a, b in ((old, new), (new, old)):
                    if k.endswith(a) and k[: -len(a)] + b in wanted:
                        k = k[: -len(a)] + b
        out[k] = v
    return out


# --------------------------------------------------------------------------------------------------------
# memory budget


def module_bytes(modules: Iterable[torch.nn.Module]) -> int:
    seen: set[int] = set()
    total = 0
    for m in modules:
        for t in list(m.parameters()) + list(m.buffers()):
            if id(t) not in seen:
                seen.add(id(t))
                total += t.numel() * t.element_size()
    return total


@dataclass
class _Entry:
    modules: list[torch.nn.Module]
    nbytes: int
    on_device: bool


class ModelCache:
    """Named groups of modules resident on one device within a byte budget (least recently used leaves first).

    On CPU there is nothing to evict: every model already lives in host memory.
    """

    def __init__(self, device: torch.device, budget_bytes: int | None = None) -> None:
        self.device = device
        self.budget = budget_bytes if budget_bytes is not None else default_budget(device)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # order = least → most recently used
        self._lock = threading.RLock()
        self.evictions: list[str] = []  # names moved to CPU, oldest first (diagnostics, tests)

    def add(self, name: str, modules: Iterable[torch.nn.Module], on_device: bool = False) -> None:
        mods = [m for m in modules if m is not None]
        with self._lock:
            self._entries[name] = _Entry(mods, module_bytes(mods), on_device)
            self._entries.move_to_end(name)

    def remove(self, name: str) -> None:
        with self._lock:
            self._entries.pop(name, None)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def used(self) -> int:
        return sum(e.nbytes for e in self._entries.values() if e.on_device)

    def resident(self) -> list[str]:
        return [n for n, e in self._entries.items() if e.on_device]

    def use(self, name: str) -> None:
        """Put `name` on the device (most recently used), evicting least recently used models over budget."""
        with self._lock:
            entry = self._entries[name]
            self._entries.move_to_end(name)
            if self.device.type == "cpu":
                entry.on_device = True
                return
            for other in list(self._entries):
                if self.used() + (0 if entry.on_device else entry.nbytes) <= self.budget:
                    break
                if other != name and self._entries[other].on_device:
                    self.offload(other)
            if not entry.on_device:
                self._move(entry.modules, self.device)
                entry.on_device = True

    def offload(self, name: str) -> None:
        with self._lock:
            entry = self._entries[name]
            if not entry.on_device or self.device.type == "cpu":
                return
            self._move(entry.modules, torch.device("cpu"))
            entry.on_device = False
            self.evictions.append(name)
        free_cache()

    def _move(self, modules: list[torch.nn.Module], device: torch.device) -> None:
        for m in modules:
            m.to(device)

    def offload_all(self, keep: str | None = None) -> None:
        for name in list(self._entries):
            if name != keep:
                self.offload(name)


_profile_budget_gb: float | None = None  # set by the session from its profile's "vram_budget_gb"


def set_profile_budget(gb: float | None) -> None:
    """The resident-weights budget a profile asks for ($AUDIOSTORY_VRAM_BUDGET_GB still wins); applied to
    device caches that already exist too."""
    global _profile_budget_gb
    if gb is not None and not (isinstance(gb, (int, float)) and gb > 0):
        raise ValueError(f'"vram_budget_gb" must be a positive number of GiB, got {gb!r}')
    _profile_budget_gb = gb
    with _CACHES_LOCK:
        for cache in _CACHES.values():
            cache.budget = default_budget(cache.device)


def default_budget(device: torch.device) -> int:
    env = os.environ.get(BUDGET_ENV)
    if env:
        try:
            return int(float(env) * 1024**3)
        except ValueError:
            raise ValueError(f"{BUDGET_ENV}={env!r} must be a number of GiB") from None
    if device.type == "cuda" and _profile_budget_gb is not None:
        return int(_profile_budget_gb * 1024**3)
    if device.type == "cuda":
        total = torch.cuda.get_device_properties(device).total_memory
        return int(total * DEFAULT_BUDGET_FRACTION)
    return 1 << 62  # CPU: host memory is the limit, nothing to manage


_CACHES: dict[str, ModelCache] = {}
_CACHES_LOCK = threading.Lock()


def model_cache(device: torch.device) -> ModelCache:
    """The one budget per device, shared by every backend in the process."""
    key = str(device)
    with _CACHES_LOCK:
        if key not in _CACHES:
            _CACHES[key] = ModelCache(device)
        return _CACHES[key]


def free_cache() -> None:
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def oom_errors() -> tuple[type[BaseException], ...]:
    errs: list[type[BaseException]] = [torch.cuda.OutOfMemoryError]
    if hasattr(torch, "OutOfMemoryError"):
        errs.append(torch.OutOfMemoryError)
    return tuple(errs)


def with_oom_recovery(fn: Callable[[], T], *, cache: ModelCache | None, name: str, what: str) -> T:
    """Run `fn`; on out-of-GPU-memory free the cache, move every other model to CPU and retry once."""
    try:
        return fn()
    except oom_errors():
        pass  # leave the except block first so the traceback (and the tensors it holds) can be freed
    free_cache()
    if cache is not None:
        cache.offload_all(keep=name)
        cache.use(name)
    try:
        return fn()
    except oom_errors() as e:
        free_cache()
        raise BackendError(
            f"{what} ran out of GPU memory even after moving the other models to CPU ({str(e).splitlines()[0]}). "
            f"Render a shorter clip, close other GPU programs, or lower {BUDGET_ENV}.") from None


# --------------------------------------------------------------------------------------------------------
# progress and cancellation inside transformers' generate loops


class StepCriteria:
    """A transformers stopping criterion that never stops: it is the per-token hook (cancel + progress) for
    autoregressive loops (LLM planner, speech tokens)."""

    def __init__(self, hook: StepHook) -> None:
        self.hook = hook

    def __call__(self, input_ids, scores, **kwargs):
        self.hook()
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


# --------------------------------------------------------------------------------------------------------
# determinism


def cpu_generator(seed: int) -> torch.Generator:
    """Noise drawn on CPU is identical on every device, so a seed means the same take on GPU and in tests."""
    return torch.Generator("cpu").manual_seed(int(seed) % (2**63))


def randn(shape: tuple[int, ...], seed: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.randn(shape, generator=cpu_generator(seed), dtype=torch.float32).to(device=device, dtype=dtype)


# --------------------------------------------------------------------------------------------------------
# the common shell of a neural backend


class LazyModel:
    """Weights are loaded on first use (so listing a profile is instant), registered in the device's memory
    budget under `cache_name`, and every call goes through `run`, which makes the model resident and recovers
    from out-of-memory once."""

    what = "model"  # human name used in errors, e.g. "TangoFlux (sound)"

    def __init__(self, repo_id_or_path: str, *, device: str | None = None, dtype: str | None = None,
                 allow_cpu: bool | None = None) -> None:
        self.repo_id_or_path = str(repo_id_or_path)
        self._device_request = device
        self._dtype_request = dtype
        self._allow_cpu = allow_cpu
        self._model: Any = None
        self._load_lock = threading.Lock()
        self.device: torch.device | None = None
        self.dtype: torch.dtype | None = None

    @property
    def cache_name(self) -> str:
        return f"{type(self).__name__}:{self.repo_id_or_path}"

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def _load(self, device: torch.device, dtype: torch.dtype) -> tuple[Any, list[torch.nn.Module]]:
        """Build the model from `self.repo_id_or_path` on CPU; return (model, its modules for the budget)."""
        raise NotImplementedError

    def model(self) -> Any:
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    device = pick_device(self._device_request)
                    require_gpu(device, self.what, self._allow_cpu)
                    dtype = pick_dtype(device, self._dtype_request)
                    model, modules = self._load(device, dtype)
                    self.device, self.dtype = device, dtype
                    model_cache(device).add(self.cache_name, modules)
                    self._model = model
        return self._model

    def run(self, fn: Callable[[Any], T]) -> T:
        """`fn(model)` with the model resident on the device, recovering from one out-of-memory."""
        model = self.model()
        cache = model_cache(self.device)
        cache.use(self.cache_name)
        return with_oom_recovery(lambda: fn(model), cache=cache, name=self.cache_name, what=self.what)

    def unload(self) -> None:
        if self._model is not None and self.device is not None:
            model_cache(self.device).remove(self.cache_name)
        self._model = None
        free_cache()
