"""CUDA-only paths of the neural profiles, on tiny random checkpoints (opt in with `pytest -m gpu`): bf16 on the
GPU for every backend, the memory budget moving models between GPU and host, and recovery from a real
out-of-memory error. The full-size timings are bench/gpu.py's."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]

from studio_tiny import checkpoint, studio_settings  # noqa: E402

from engine.backends import torch_runtime as rt  # noqa: E402
from engine.backends.base import BackendError, ClipRequest  # noqa: E402
from engine.session import Session  # noqa: E402


def _gpu_session(tmp_path):
    settings = studio_settings(tmp_path / "voices")
    settings["allow_cpu"] = False
    return Session("studio", settings=settings)


def _on_gpu(backend) -> bool:
    modules = rt.model_cache(backend.device)._entries[backend.cache_name].modules
    return all(p.device.type == "cuda" for m in modules for p in m.parameters())


def _audible(clip) -> None:
    a = np.asarray(clip.audio)
    assert a.size and np.isfinite(a).all() and np.abs(a).max() > 1e-5


@pytest.fixture(autouse=True)
def _fresh_budget():
    yield
    rt.set_profile_budget(None)
    for cache in list(rt._CACHES.values()):
        cache.offload_all()
    rt._CACHES.clear()
    torch.cuda.set_per_process_memory_fraction(1.0)
    rt.free_cache()


def test_every_studio_backend_runs_in_bf16_on_the_gpu(tmp_path):
    s = _gpu_session(tmp_path)
    requests = [ClipRequest(kind="sound", caption="rain on a roof", duration=3),
                ClipRequest(kind="music", caption="sad piano", duration=4, attributes={"tempo_bpm": 70}),
                ClipRequest(kind="speech", text="The sea was calm that night.", character="Grandpa",
                            voice="an old man")]
    for r in requests:
        _audible(s.generate(r))
        backend = s.backend(r.kind)
        assert backend.device.type == "cuda" and backend.dtype == torch.bfloat16 and _on_gpu(backend)
    plan = s.plan("Rain on a tin roof, then a kettle whistles. The total duration is 20 seconds.")
    assert plan.segments and s.planner().dtype == torch.bfloat16


def test_audiostory_bridge_dit_and_vae_run_in_bf16_on_the_gpu(tmp_path):
    from bench import random_models as rm
    from engine.backends.audiostory import AudioStory3B, StoryClip

    ck = rm.build_audiostory(tmp_path / "as")
    m = AudioStory3B.from_pretrained(str(ck), dtype=torch.bfloat16).to("cuda")
    gen, hidden = m.decode(m.prompt_ids(m.instruction_text("rain on a roof.", 8.0)), max_new_tokens=8)
    assert len(gen) == 8
    hid = m.llm.config.hidden_size
    clip = StoryClip("rain", 4.0, torch.randn(m.n_sem, hid), torch.randn(m.n_res, hid), 0)
    audio = m.render_clip(clip, 4.0, steps=3)
    assert audio.shape == (int(round(4.0 * m.sample_rate)), 2) and np.isfinite(audio).all()


def test_budget_moves_the_least_recently_used_model_to_host_memory_and_back(tmp_path):
    s = _gpu_session(tmp_path)
    sound = ClipRequest(kind="sound", caption="rain on a roof", duration=3)
    _audible(s.generate(sound))
    cache = rt.model_cache(s.backend("sound").device)
    cache.budget = cache.used()  # room for exactly what is resident now: the next model evicts it
    _audible(s.generate(ClipRequest(kind="music", caption="sad piano", duration=4)))
    sound_name = s.backend("sound").cache_name
    assert sound_name in cache.evictions and sound_name not in cache.resident()
    assert not any(p.device.type == "cuda" for p in s.backend("sound").model().dit.parameters())
    _audible(s.generate(sound))  # brought back on use
    assert sound_name in cache.resident() and _on_gpu(s.backend("sound"))


def test_real_out_of_memory_moves_the_other_models_off_and_retries(tmp_path):
    s = _gpu_session(tmp_path)
    request = ClipRequest(kind="sound", caption="rain on a roof", duration=6)
    _audible(s.generate(request))
    device = s.backend("sound").device
    cache = rt.model_cache(device)
    index = device.index if device.index is not None else torch.cuda.current_device()
    ballast = torch.nn.Linear(16384, 16384, bias=False, device=device)  # 1 GiB of another model's weights
    cache.add("ballast", [ballast], on_device=True)
    rt.free_cache()
    total = torch.cuda.get_device_properties(device).total_memory
    torch.cuda.set_per_process_memory_fraction((torch.cuda.memory_reserved(index) + (1 << 20)) / total, index)
    _audible(s.generate(request))  # ran out, moved the ballast to host memory, retried
    assert "ballast" in cache.evictions and ballast.weight.device.type == "cpu"

    rt.free_cache()
    torch.cuda.set_per_process_memory_fraction((torch.cuda.memory_reserved(index) + (1 << 20)) / total, index)
    with pytest.raises(BackendError, match="ran out of GPU memory even after moving the other models"):
        s.generate(request)  # nothing left to move: a clear error, the session stays usable
    torch.cuda.set_per_process_memory_fraction(1.0, index)
    _audible(s.generate(request))
