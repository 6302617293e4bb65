"""GPU benchmark of the studio profile: full-size models with random weights, built from bench/configs/*.json
(no hub access needed), saved and loaded through the same loaders users hit.

    python -m bench.gpu                       # everything; writes bench/results/gpu.json and prints a table
    python -m bench.gpu --only sound,music    # a subset: planner, sound, speech, music, story
    python -m bench.gpu --models-dir /data/m  # keep (and reuse) the random checkpoints between runs
    python -m bench gpu --update-readme       # also put the table into README.md (real GPU runs only)
    python -m bench.gpu --smoke               # the same flow on tiny random models on the CPU: checks that
                                              # the benchmark itself works before GPU time is spent on it

What it measures, on CUDA only, with torch.cuda.synchronize() around every timed call and one warm-up call
per backend excluded from the timings:
- seconds of compute per second of audio, per backend (TangoFlux 10 s and 30 s clips, ACE-Step 30 s,
  VibeVoice one line of ~10 s with a locked voice); planner tokens per second (random weights never stop, so
  the token count is fixed by max_new_tokens);
- a 60 s story end to end (plan by the LLM with a fixed token budget, then render and mix: voice design
  included): wall time, and the time until the first clip is rendered;
- peak VRAM (torch.cuda.max_memory_allocated) per backend and over the story, within the profile's
  weights budget (the least recently used model moves to host memory).
Random weights make the audio meaningless; the cost of every layer, step and token is the real one.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path


HERE = Path(__file__).resolve().parent
CONFIGS = HERE / "configs"
RESULTS = HERE / "results" / "gpu.json"
ROLES = ("planner", "sound", "speech", "music", "story")
STORY_60 = ("A storm reaches a fishing village at night; an old fisherman tells his grandson a story about the "
            "sea; sad piano at the end. The total duration is 60 seconds.")
TARGETS = {"story_60s_s": 15.0, "first_clip_s": 3.0, "peak_vram_gb": 24.0}


SMOKE = False  # --smoke: tiny models on the CPU; every figure is meaningless, only the flow is checked


def _sync():
    import torch

    if not SMOKE:
        torch.cuda.synchronize()


def timed(fn):
    _sync()
    t = time.perf_counter()
    out = fn()
    _sync()
    return out, time.perf_counter() - t


def _peak_reset():
    import torch

    if not SMOKE:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def _peak_gb() -> float | None:
    import torch

    return None if SMOKE else round(torch.cuda.max_memory_allocated() / 1024**3, 2)


def build_all(models: Path, only: set[str]) -> dict[str, Path]:
    """Full-size random checkpoints, built on the GPU (fast init) and saved in the loaders' layouts."""
    import torch

    from . import random_models as rm

    paths: dict[str, Path] = {}
    jobs = {
        "planner": ("qwen3_4b.json", rm.build_qwen3),
        "sound": ("tangoflux.json", rm.build_tangoflux),
        "speech": ("vibevoice_1.5b.json", rm.build_vibevoice),
        "music": ("acestep_2b_turbo.json", rm.build_acestep),
    }
    need = set(jobs) if "story" in only else only & set(jobs)
    for role in sorted(need):
        cfg_file, build = jobs[role]
        out = models / role
        if not (out / ".complete").exists():
            shutil.rmtree(out, ignore_errors=True)
            print(f"building {role} from {'its tiny test config' if SMOKE else cfg_file} …", flush=True)
            t = time.perf_counter()
            if SMOKE:
                build(out)  # the builders' defaults are the tiny test configs
            else:
                with torch.device("cuda"):
                    build(out, rm.load_config(CONFIGS / cfg_file))
            (out / ".complete").write_text("ok")
            _peak_reset()
            print(f"  {time.perf_counter() - t:.1f} s", flush=True)
        paths[role] = out
    return paths


def studio_settings(paths: dict[str, Path], voices: Path) -> dict:
    if SMOKE:
        return {"allow_cpu": True, "roles": {
            "planner": {"repo_id_or_path": str(paths.get("planner", "")), "constrained": False, "retries": 0,
                        "max_new_tokens": 40},
            "sound": {"repo_id_or_path": str(paths.get("sound", "")), "steps": 2},
            "speech": {"repo_id_or_path": str(paths.get("speech", "")), "candidates": 1, "diffusion_steps": 2,
                       "voices_dir": str(voices)},
            "music": {"repo_id_or_path": str(paths.get("music", "")), "steps": 2}}}
    return {"roles": {
        "planner": {"repo_id_or_path": str(paths.get("planner", "")), "constrained": False, "retries": 0,
                    "max_new_tokens": 700},
        "sound": {"repo_id_or_path": str(paths.get("sound", "")), "steps": 25},
        "speech": {"repo_id_or_path": str(paths.get("speech", "")), "candidates": 4, "diffusion_steps": 10,
                   "voices_dir": str(voices)},
        "music": {"repo_id_or_path": str(paths.get("music", "")), "steps": 8},
    }}


def bench_backends(session, only: set[str]) -> list[dict]:
    from engine.backends.base import ClipRequest

    rows = []

    def clip_row(name, role, request):
        backend = session.backend(role)
        (_, load_s) = timed(lambda: backend.model())
        if SMOKE:  # tiny test models make shorter clips than the real ones
            request.duration = min(request.duration, backend.capabilities.max_duration)
        timed(lambda: session.generate(request))  # warm-up: kernels, caches, voice design for speech
        _peak_reset()
        clip, secs = timed(lambda: session.generate(request))
        audio_s = clip.duration
        rows.append({"backend": name, "audio_s": round(audio_s, 2), "compute_s": round(secs, 3),
                     "s_per_audio_s": round(secs / audio_s, 4), "load_s": round(load_s, 1),
                     "peak_vram_gb": _peak_gb()})
        print(rows[-1], flush=True)

    if "sound" in only:
        clip_row("TangoFlux 10 s, 25 steps", "sound", ClipRequest(kind="sound", caption="rain on a roof", duration=10))
        clip_row("TangoFlux 30 s, 25 steps", "sound",
                 ClipRequest(kind="sound", caption="rain on a roof", duration=29.9))
    if "music" in only:
        clip_row("ACE-Step 2B turbo 30 s, 8 steps", "music",
                 ClipRequest(kind="music", caption="sad piano", duration=30,
                             attributes={"tempo_bpm": 70, "key": "D", "mode": "minor"}))
    if "speech" in only:
        line = "The sea was calm that night, and the old man told the boy a story about the great wave."
        clip_row("VibeVoice 1.5B line, 10 diffusion steps", "speech",
                 ClipRequest(kind="speech", text=line, character="Grandpa", voice="an old man"))
    if "planner" in only:
        planner = session.planner()
        (_, load_s) = timed(lambda: planner.model())
        msgs = [{"role": "user", "content": STORY_60}]
        tokens = 40 if SMOKE else 700
        planner._answer(msgs, 0, 32)  # warm-up
        _peak_reset()
        _, secs = timed(lambda: planner._answer(msgs, 0, tokens))
        rows.append({"backend": f"Qwen3-4B planner, {tokens} tokens", "audio_s": None, "compute_s": round(secs, 3),
                     "tokens_per_s": round(tokens / secs, 1), "load_s": round(load_s, 1),
                     "peak_vram_gb": _peak_gb()})
        print(rows[-1], flush=True)
    return rows


def bench_story(session, workdir: Path) -> dict:
    from engine.project import Project
    from engine.render import Renderer

    _peak_reset()
    first: list[float] = []
    t0 = time.perf_counter()
    plan, plan_s = timed(lambda: session.plan(STORY_60, seed=0))
    project = Project.create(workdir / "story", plan)
    renderer = Renderer(session, project)
    t_render = time.perf_counter()

    def progress(p):
        if p.done == 1 and not first:
            _sync()
            first.append(time.perf_counter() - t_render)

    report, render_s = timed(lambda: renderer.render(progress=progress))
    (result, timeline), mix_s = timed(renderer.mix)
    total = time.perf_counter() - t0
    return {"plan_s": round(plan_s, 2), "render_s": round(render_s, 2), "mix_s": round(mix_s, 2),
            "story_60s_s": round(total, 2), "first_clip_s": round(first[0], 2) if first else None,
            "segments": len(plan.segments), "story_length_s": round(timeline.total, 2),
            "failed": report.failed, "peak_vram_gb": _peak_gb(), "plan_note": plan.notes[0][:160]}


def table(rows: list[dict], story: dict | None) -> str:
    lines = ["| backend | audio s | compute s | s per audio s | load s | peak VRAM GB |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        rate = r.get("s_per_audio_s", f"{r.get('tokens_per_s')} tok/s")
        lines.append(f"| {r['backend']} | {r['audio_s'] or '–'} | {r['compute_s']} | {rate} | {r['load_s']} | "
                     f"{r['peak_vram_gb']} |")
    if story:
        lines += ["", "| 60 s story | measured | target |", "|---|---:|---:|",
                  f"| end to end (plan + render + mix) | {story['story_60s_s']} s | ≤ {TARGETS['story_60s_s']} s |",
                  f"| first clip rendered | {story['first_clip_s']} s | ≤ {TARGETS['first_clip_s']} s |",
                  f"| peak VRAM over the story (within the weights budget) | {story['peak_vram_gb']} GB "
                  f"| ≤ {TARGETS['peak_vram_gb']} GB |"]
    return "\n".join(lines)


def run(only: set[str], models_dir: Path | None, out: Path, update_readme: bool = False) -> int:
    try:
        import torch
    except ImportError:
        print("bench gpu: torch is not installed; install requirements-studio.txt on a machine with a CUDA GPU")
        return 2
    if not SMOKE and not torch.cuda.is_available():
        print("bench gpu: no CUDA GPU is visible, so nothing was measured. Run this on a GPU machine "
              "(`python -m bench.gpu`); CPU numbers of these models would say nothing about the targets.")
        return 2
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # everything is built here; a hub call would be a bug
    from engine.session import Session

    tmp = Path(tempfile.mkdtemp(prefix="audiostory-gpu-"))
    models = models_dir or tmp / "models"
    models.mkdir(parents=True, exist_ok=True)
    try:
        paths = build_all(models, only)
        session = Session("studio", settings=studio_settings(paths, tmp / "voices"))
        rows = bench_backends(session, only)
        story = bench_story(session, tmp) if "story" in only else None
        if story:
            print(story, flush=True)
        device = ("cpu — smoke test on tiny random models: the flow is checked, the figures mean nothing"
                  if SMOKE else torch.cuda.get_device_name())
        result = {"device": device, "smoke": SMOKE, "torch": torch.__version__,
                  "python": platform.python_version(), "dtype": session.info().get("dtype"),
                  "vram_budget_gb": session.info().get("budget_gb"), "backends": rows, "story": story,
                  "targets": TARGETS}
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2))
        md = f"### GPU (studio profile, full-size models with random weights)\n\n{device}\n\n{table(rows, story)}"
        print(f"\n{md}\n\nsaved {out}")
        if update_readme:
            from .report import save

            save("gpu", md, update_readme=True)
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    global SMOKE
    ap = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(ROLES), help=f"comma-separated subset of {','.join(ROLES)}")
    ap.add_argument("--models-dir", type=Path, help="build the random checkpoints here and reuse them next time")
    ap.add_argument("--out", type=Path, help=f"where the JSON results go (default {RESULTS})")
    ap.add_argument("--update-readme", action="store_true", help="put the table into README.md")
    ap.add_argument("--smoke", action="store_true",
                    help="run the whole flow on tiny random models on the CPU (checks the benchmark, measures nothing)")
    a = ap.parse_args(argv)
    only = {x.strip() for x in a.only.split(",") if x.strip()}
    unknown = only - set(ROLES)
    if unknown:
        ap.error(f"unknown part(s) {sorted(unknown)}; choose from {', '.join(ROLES)}")
    if a.smoke and (a.update_readme or a.out is None):
        ap.error("--smoke measures nothing worth keeping: give it an --out file, and no --update-readme")
    SMOKE = a.smoke
    return run(only, a.models_dir, a.out or RESULTS, a.update_readme)


if __name__ == "__main__":
    sys.exit(main())
