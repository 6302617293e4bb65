"""The GPU benchmark's full-size configs describe the real models (parameter counts on the meta device, no
memory used), and the benchmark refuses clearly when there is no GPU."""

import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from bench import random_models as rm  # noqa: E402

CONFIGS = Path(__file__).resolve().parent.parent / "bench" / "configs"


def millions(*modules):
    seen, total = set(), 0
    for m in modules:
        for p in m.parameters():
            if id(p) not in seen:
                seen.add(id(p))
                total += p.numel()
    return total / 1e6


def test_full_size_configs_match_the_released_models():
    with torch.device("meta"):
        tango = rm.make_tangoflux(rm.load_config(CONFIGS / "tangoflux.json"))
        voice, _ = rm.make_vibevoice(rm.load_config(CONFIGS / "vibevoice_1.5b.json"))
        ace = rm.make_acestep(rm.load_config(CONFIGS / "acestep_2b_turbo.json"))
        llm, _ = rm.make_qwen3(rm.load_config(CONFIGS / "qwen3_4b.json"))
    assert millions(tango.dit.transformer) == pytest.approx(516.7, abs=0.1)  # AudioStory spec §2.5
    assert millions(tango.vae) == pytest.approx(156.1, abs=0.1)
    assert millions(tango.text_encoder) == pytest.approx(341.2, abs=0.5)  # flan-t5-large encoder
    assert millions(voice) == pytest.approx(2704, rel=0.01)  # 5.4 GB in bf16, the size of VibeVoice-1.5B
    assert millions(ace.transformer) == pytest.approx(1575, rel=0.01)
    assert millions(llm) == pytest.approx(4022, rel=0.01)  # Qwen3-4B


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_gpu_bench_says_why_it_measured_nothing_on_cpu(tmp_path):
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-m", "bench.gpu", "--out", str(tmp_path / "gpu.json")], cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no CUDA GPU is visible" in r.stdout
    assert not (tmp_path / "gpu.json").exists()


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_bench_sound_runs_on_a_gpu(tmp_path):
    """Full-size TangoFlux on the GPU; $AUDIOSTORY_BENCH_MODELS reuses a benchmark run's checkpoints."""
    import os

    from bench import gpu

    models = os.environ.get("AUDIOSTORY_BENCH_MODELS") or str(tmp_path / "models")
    assert gpu.main(["--only", "sound", "--models-dir", models, "--out", str(tmp_path / "gpu.json")]) == 0
    assert (tmp_path / "gpu.json").exists()


def test_gpu_bench_flow_runs_end_to_end_on_tiny_models_on_the_cpu(tmp_path):
    """`--smoke` runs every part of the GPU benchmark (build, load, per-backend timings, the 60 s story, the
    table, the JSON) on tiny random models, so a GPU session spends its time measuring, not debugging."""
    import json

    from bench import gpu

    out = tmp_path / "smoke.json"
    try:
        assert gpu.main(["--smoke", "--out", str(out)]) == 0
        with pytest.raises(SystemExit):  # smoke figures never go where they could pass for measurements
            gpu.main(["--smoke", "--update-readme", "--out", str(out)])
    finally:
        gpu.SMOKE = False
    r = json.loads(out.read_text())
    assert r["smoke"] is True and "mean nothing" in r["device"]
    assert r["errors"] == {}
    assert [row["backend"].split()[0] for row in r["backends"]] == ["TangoFlux", "TangoFlux", "ACE-Step",
                                                                   "VibeVoice", "VibeVoice", "Qwen3-4B"]
    assert all(row["compute_s"] > 0 for row in r["backends"])
    story = r["story"]
    assert story["failed"] == {} and story["segments"] >= 3 and 0 < story["first_clip_s"] < story["story_60s_s"]
    assert [s["kind"] for s in story["per_segment"]].count("speech") >= 1
    # the audiostory profile: the steered random LLM wrote the six scripted clips, and each was rendered
    story = r["audiostory_story"]
    assert story["failed"] == {} and story["segments"] == len(gpu.AUDIOSTORY_CLIPS)
    assert [s["kind"] for s in story["per_segment"]] == ["sound"] * len(gpu.AUDIOSTORY_CLIPS)
    assert story["llm_free_tokens"] == len(gpu.audiostory_script(_tiny_audiostory_tokenizer()))
    assert [row["backend"].split()[0] for row in r["audiostory_backends"]] == ["AudioStory-3B", "AudioStory",
                                                                              "AudioStory"]


def _tiny_audiostory_tokenizer():
    from engine.backends.audiostory import ADDED_TOKENS

    tok = rm.qwen_tokenizer(chat_template=None)
    tok.add_tokens(list(ADDED_TOKENS), special_tokens=True)
    return tok


def test_tables_from_saved_runs_merge_profiles_and_refuse_smoke_or_mixed_devices(tmp_path, capsys):
    """A lent GPU's runs come back as JSON files; the README table is made from them, never from smoke figures."""
    import json

    from bench import gpu

    studio = {"device": "GPU X", "smoke": False, "torch": "2", "dtype": "bf16", "date": "d1", "errors": {},
              "backends": [{"backend": "TangoFlux 10 s", "audio_s": 10.0, "compute_s": 1.0, "s_per_audio_s": 0.1,
                            "load_s": 1.0, "peak_vram_gb": 5.0, "peak_reserved_gb": 6.0}]}
    story = {"device": "GPU X", "smoke": False, "torch": "2", "date": "d2", "errors": {}, "backends": [],
             "audiostory_story": {"plan_s": 1, "render_s": 2, "mix_s": 0.1, "story_60s_s": 3.1, "first_clip_s": 0.5,
                                  "peak_vram_gb": 9.0, "peak_reserved_gb": 10.0, "segments": 1,
                                  "per_segment": [{"id": "a", "kind": "sound", "s": 2}]}}
    files = []
    for i, run in enumerate((studio, story, {**story, "device": "GPU Y"}, {**story, "smoke": True})):
        files.append(tmp_path / f"{i}.json")
        files[-1].write_text(json.dumps(run))
    assert gpu.main(["--tables-from", str(files[0]), str(files[1])]) == 0
    md = capsys.readouterr().out
    assert "GPU X" in md and "d1 and d2" in md and "| TangoFlux 10 s | 10.0 | 1.0 | 0.1 | 1.0 | 5.0 / 6.0 |" in md
    assert "audiostory: 60 s story" in md and "| 3.1 s |" in md
    assert "studio 60 s story: **not measured**" in md
    with pytest.raises(SystemExit):
        gpu.main(["--tables-from", str(files[0]), str(files[2])])
    with pytest.raises(SystemExit):
        gpu.main(["--tables-from", str(files[3])])
