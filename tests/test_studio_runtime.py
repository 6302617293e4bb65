"""GPU runtime of the studio profile: memory budget with LRU eviction, OOM recovery, clear errors, step hooks."""

import pytest

torch = pytest.importorskip("torch")

from engine.backends import torch_runtime as rt  # noqa: E402
from engine.backends.base import BackendError, CancelToken, Cancelled  # noqa: E402
from engine.backends.steps import StepHook, progress_to  # noqa: E402


class RecordingCache(rt.ModelCache):
    """The real budget policy on a pretend GPU: moves are recorded instead of performed."""

    def __init__(self, budget):
        super().__init__(torch.device("cuda"), budget_bytes=budget)
        self.moves = []

    def _move(self, modules, device):
        self.moves.append((len(modules), device.type))


def linear(n_params):  # n float32 weights → 4·n bytes
    return torch.nn.Linear(n_params, 1, bias=False)


def test_lru_eviction_keeps_resident_weights_within_budget():
    cache = RecordingCache(budget=4 * 250)
    for name in "abc":
        cache.add(name, [linear(100)])  # 400 bytes each
    cache.use("a")
    cache.use("b")
    assert cache.resident() == ["a", "b"] and cache.used() == 800
    cache.use("c")  # 1200 > 1000: the least recently used one (a) goes to CPU
    assert cache.resident() == ["b", "c"] and cache.evictions == ["a"]
    cache.use("b")  # b becomes the most recent: using a again must evict c, not b
    cache.use("a")
    assert cache.resident() == ["b", "a"] and cache.evictions == ["a", "c"]
    assert cache.used() <= cache.budget


def test_out_of_memory_evicts_the_others_and_retries_once():
    cache = RecordingCache(budget=10_000)
    for name in ("planner", "sound"):
        cache.add(name, [linear(100)])
        cache.use(name)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "audio"

    assert rt.with_oom_recovery(flaky, cache=cache, name="sound", what="TangoFlux") == "audio"
    assert len(calls) == 2 and cache.resident() == ["sound"] and cache.evictions == ["planner"]

    def always():
        raise torch.cuda.OutOfMemoryError("CUDA out of memory.")

    with pytest.raises(BackendError, match="TangoFlux ran out of GPU memory.*shorter clip"):
        rt.with_oom_recovery(always, cache=cache, name="sound", what="TangoFlux")


def test_errors_name_the_repo_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(BackendError, match=r"nobody/no-such-model.*hf download nobody/no-such-model"):
        rt.local_snapshot("nobody/no-such-model", what="TangoFlux")
    f = tmp_path / "weights.bin"
    f.write_bytes(b"x")
    with pytest.raises(BackendError, match="is a file"):
        rt.local_snapshot(f, what="TangoFlux")
    with pytest.raises(BackendError, match="neither an existing folder nor a hub repo id"):
        rt.local_snapshot("not a repo", what="TangoFlux")
    assert rt.local_snapshot(tmp_path, what="x") == tmp_path


def test_gpu_only_models_refuse_cpu_unless_allowed(monkeypatch):
    monkeypatch.delenv(rt.ALLOW_CPU_ENV, raising=False)
    with pytest.raises(BackendError, match="needs a CUDA GPU.*offline"):
        rt.require_gpu(torch.device("cpu"), "VibeVoice (speech)")
    rt.require_gpu(torch.device("cpu"), "VibeVoice (speech)", allow_cpu=True)
    monkeypatch.setenv(rt.ALLOW_CPU_ENV, "1")
    rt.require_gpu(torch.device("cpu"), "VibeVoice (speech)")


def test_dtype_choice(monkeypatch):
    monkeypatch.delenv(rt.DTYPE_ENV, raising=False)
    assert rt.pick_dtype(torch.device("cpu")) == torch.float32  # half precision on CPU is slow and inexact
    assert rt.pick_dtype(torch.device("cpu"), "bf16") == torch.bfloat16
    monkeypatch.setenv(rt.DTYPE_ENV, "fp16")
    assert rt.pick_dtype(torch.device("cpu")) == torch.float16
    with pytest.raises(ValueError, match="dtype 'fp8'"):
        rt.pick_dtype(torch.device("cpu"), "fp8")
    if not torch.cuda.is_available():
        with pytest.raises(BackendError, match="no CUDA GPU is visible"):
            rt.pick_device("cuda")


def test_step_hook_reports_progress_and_stops_on_cancel():
    seen = []
    cancel = CancelToken()
    with progress_to(lambda label, done, total: seen.append((label, done, total))):
        hook = StepHook(cancel, 3, "sound")
    hook(0)
    hook(1)
    cancel.cancel()
    with pytest.raises(Cancelled):
        hook(2)
    assert seen == [("sound", 1, 3), ("sound", 2, 3)]


def test_noise_is_device_independent():
    a = rt.randn((2, 3), 7, torch.device("cpu"), torch.float32)
    b = rt.randn((2, 3), 7, torch.device("cpu"), torch.float32)
    assert torch.equal(a, b) and not torch.equal(a, rt.randn((2, 3), 8, torch.device("cpu"), torch.float32))
