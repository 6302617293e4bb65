"""GPU benchmark of the neural profiles: full-size models with random weights, built from bench/configs/*.json
(no hub access needed), saved and loaded through the same loaders users hit.

    python -m bench.gpu                       # everything; writes bench/results/gpu.json and prints the tables
    python -m bench.gpu --only sound,music    # a subset of: planner, sound, speech, music, story, audiostory
    python -m bench.gpu --models-dir /data/m  # keep (and reuse) the random checkpoints between runs
    python -m bench gpu --update-readme       # also put the tables into README.md (real GPU runs only)
    python -m bench.gpu --tables-from bench/results/gpu.json --update-readme
                                              # the README tables from a saved GPU run (e.g. a lent machine's)
    python -m bench.gpu --smoke               # the same flow on tiny random models on the CPU: checks that
                                              # the benchmark itself works before GPU time is spent on it

What it measures, on CUDA only, with torch.cuda.synchronize() around every timed call and one warm-up call
per backend excluded from the timings:
- `studio` profile: seconds of compute per second of audio per backend (TangoFlux 10 s and 30 s, ACE-Step 30 s,
  VibeVoice one line with a locked voice, and its voice design), the planner's tokens per second (random
  weights never stop, so the token count is fixed by max_new_tokens); a 60 s story end to end (plan by the LLM
  with a fixed token budget, then render and mix, voice design included): wall time, time to the first
  rendered clip, seconds per segment;
- `audiostory` profile (AudioStory-3B layout: Qwen2.5-3B + bridge + DiT): its 60 s story end to end, the LLM's
  tokens per second while planning, and the DiT per clip. A random LLM writes no story, so its head is steered
  along a written 6-clip script (`ScriptedHead`): every forward pass and the real head still run, token by
  token, so the cost is the real one; only the argmax is chosen for it;
- peak VRAM (torch.cuda.max_memory_allocated and max_memory_reserved) per backend and over each story.
Random weights make the audio meaningless; the cost of every layer, step and token is the real one. Every part
runs on its own: a failure is recorded in the JSON (and the table) and the other parts still run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import shutil
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = HERE / "configs"
RESULTS = HERE / "results" / "gpu.json"
ROLES = ("planner", "sound", "speech", "music", "story", "audiostory")
STORY_60 = ("A storm reaches a fishing village at night; an old fisherman tells his grandson a story about the "
            "sea; sad piano at the end. The total duration is 60 seconds.")
TARGETS = {"story_60s_s": 15.0, "first_clip_s": 3.0, "peak_vram_gb": 24.0}
BUILDS = {  # role → (full-size config, builder name in random_models)
    "planner": ("qwen3_4b.json", "build_qwen3"),
    "sound": ("tangoflux.json", "build_tangoflux"),
    "speech": ("vibevoice_1.5b.json", "build_vibevoice"),
    "music": ("acestep_2b_turbo.json", "build_acestep"),
    "audiostory": ("audiostory_3b.json", "build_audiostory"),
}
# the 60 s AudioStory script the random LLM is steered along: reasoning, then six 10 s clips
AUDIOSTORY_REASONING = ("The story opens on the storm over the harbour, moves indoors to the fisherman and the boy by "
                        "the fire, returns to the sea as the boats come home, and ends quietly.")
AUDIOSTORY_CLIPS = ("Heavy rain and wind over a harbour at night", "Waves crash against a wooden pier",
                    "A fire crackles in a small cottage", "An old man speaks softly by the fire",
                    "Boat engines approach through the storm", "Rain fades to a calm sea at dawn")


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


def _peaks() -> dict:
    import torch

    if SMOKE:
        return {"peak_vram_gb": None, "peak_reserved_gb": None}
    return {"peak_vram_gb": round(torch.cuda.max_memory_allocated() / 1024**3, 2),
            "peak_reserved_gb": round(torch.cuda.max_memory_reserved() / 1024**3, 2)}


class Results:
    """The run's JSON, rewritten after every part, so a run cut short still leaves what it measured."""

    def __init__(self, out: Path, data: dict) -> None:
        self.out, self.data = out, data
        data.setdefault("errors", {})

    def save(self) -> None:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text(json.dumps(self.data, indent=2, default=str))

    @contextlib.contextmanager
    def part(self, name: str):
        """Run one part; an exception is recorded under errors[name] (with its traceback's tail) and the run goes on."""
        t = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            yield
        except Exception as e:  # noqa: BLE001 - one broken part must not cost the others their measurements
            tb = traceback.format_exc().strip().splitlines()
            self.data["errors"][name] = f"{type(e).__name__}: {e}"[:600]
            self.data.setdefault("tracebacks", {})[name] = tb[-25:]
            print("\n".join(tb[-25:]), flush=True)
        finally:
            self.data.setdefault("part_s", {})[name] = round(time.perf_counter() - t, 1)
            self.save()


# ------------------------------------------------------------------------------------------------------------
# checkpoints


def build_all(models: Path, need: set[str], res: Results) -> dict[str, Path]:
    """Full-size random checkpoints, built on the GPU (fast init), saved in bf16 in the loaders' layouts."""
    import torch

    from . import random_models as rm

    paths: dict[str, Path] = {}
    builds = res.data.setdefault("build_s", {})
    for role in sorted(need & set(BUILDS)):
        cfg_file, builder = BUILDS[role]
        out = models / role
        done = out / ".complete"
        if done.exists():
            paths[role] = Path(done.read_text())
            continue
        with res.part(f"build {role}"):
            shutil.rmtree(out, ignore_errors=True)
            print(f"building {role} from {'its tiny test config' if SMOKE else cfg_file} …", flush=True)
            t = time.perf_counter()
            build = getattr(rm, builder)
            if SMOKE:
                path = build(out)  # the builders' defaults are the tiny test configs
            else:
                with torch.device("cuda"):
                    path = build(out, rm.load_config(CONFIGS / cfg_file), dtype=torch.bfloat16)
            done.write_text(str(path))
            paths[role] = Path(path)
            builds[role] = round(time.perf_counter() - t, 1)
            _peak_reset()
            print(f"  {builds[role]} s", flush=True)
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


# ------------------------------------------------------------------------------------------------------------
# studio profile


def bench_backends(session, only: set[str], res: Results) -> list[dict]:
    from engine.backends.base import ClipRequest
    from engine.backends.steps import StepHook

    rows = res.data.setdefault("backends", [])

    def clip_row(name, role, request):
        with res.part(name):
            backend = session.backend(role)
            (_, load_s) = timed(lambda: backend.model())
            if SMOKE:  # tiny test models make shorter clips than the real ones
                request.duration = min(request.duration, backend.capabilities.max_duration)
            timed(lambda: session.generate(request))  # warm-up: kernels, caches, voice design for speech
            _peak_reset()
            clip, secs = timed(lambda: session.generate(request))
            audio_s = clip.duration
            rows.append({"backend": name, "audio_s": round(audio_s, 2), "compute_s": round(secs, 3),
                         "s_per_audio_s": round(secs / audio_s, 4), "load_s": round(load_s, 1), **_peaks()})
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
        with res.part("VibeVoice voice design"):
            backend = session.backend("speech")
            _peak_reset()
            cands, secs = timed(lambda: backend.design_voice("an old woman", n=backend.candidates, seed=7))
            audio_s = sum(c.audio.shape[0] for c in cands) / 24000
            rows.append({"backend": f"VibeVoice voice design, {backend.candidates} candidates (once per character)",
                         "audio_s": round(audio_s, 2), "compute_s": round(secs, 3),
                         "s_per_audio_s": round(secs / max(audio_s, 1e-6), 4), "load_s": 0.0, **_peaks()})
            print(rows[-1], flush=True)
    if "planner" in only:
        with res.part("planner"):
            model = session.planner().transport  # the in-process transformers model
            (_, load_s) = timed(lambda: model.model())
            msgs = [{"role": "user", "content": STORY_60}]
            tokens = 40 if SMOKE else 700

            def answer(n):
                return model.complete(msgs, seed=0, max_tokens=n, schema=None, hook=StepHook(None, n, "planning"))

            answer(32)  # warm-up
            _peak_reset()
            _, secs = timed(lambda: answer(tokens))
            rows.append({"backend": f"Qwen3-4B planner, {tokens} tokens", "audio_s": None,
                         "compute_s": round(secs, 3), "tokens_per_s": round(tokens / secs, 1),
                         "load_s": round(load_s, 1), **_peaks()})
            print(rows[-1], flush=True)
    return rows


def render_story(studio, workdir: Path, instruction: str) -> dict:
    """Plan, render every clip and mix one story, timing each step and each segment (the clip checks are off:
    random weights make audio that fails them, and retakes would be timed instead of the story)."""
    _peak_reset()
    marks: list[tuple[float, str | None]] = []
    t0 = time.perf_counter()
    plan, plan_s = timed(lambda: studio.plan_story(instruction, workdir, seed=0))
    t_render = time.perf_counter()

    def progress(p):
        _sync()
        marks.append((time.perf_counter() - t_render, p.segment_id))
        print(f"  {marks[-1][0]:7.1f} s  {p.message}", flush=True)  # a run cut short still shows where time went

    report, render_s = timed(lambda: studio.render(progress=progress))
    (result, timeline), mix_s = timed(studio.mix)
    total = time.perf_counter() - t0
    kinds = {s.id: s.kind for s in plan.segments}
    per_segment = [{"id": sid, "kind": kinds.get(sid), "s": round(marks[i + 1][0] - t, 2)}
                   for i, (t, sid) in enumerate(marks[:-1]) if sid is not None]
    return {"plan_s": round(plan_s, 2), "render_s": round(render_s, 2), "mix_s": round(mix_s, 2),
            "story_60s_s": round(total, 2), "first_clip_s": round(marks[1][0], 2) if len(marks) > 1 else None,
            "segments": len(plan.segments), "story_length_s": round(timeline.total, 2),
            "failed": report.failed, **_peaks(), "per_segment": per_segment, "plan_note": plan.notes[0][:160]}


def bench_story(studio, workdir: Path) -> dict:
    return render_story(studio, workdir / "story", STORY_60)


# ------------------------------------------------------------------------------------------------------------
# audiostory profile


class ScriptedHead:
    """Wraps an LM head so greedy decoding writes `script`: the real head runs on every call (its cost is real),
    then the script's next token gets the top logit. Lets a random-weight AudioStory LLM plan a real story."""

    def __init__(self, head, script: list[int]) -> None:
        import torch

        class _Head(torch.nn.Module):
            def __init__(inner) -> None:
                super().__init__()
                inner.head = head

            def forward(inner, h):
                logits = inner.head(h)
                if self.calls < len(self.script):
                    logits[..., self.script[self.calls]] = logits.abs().amax() + 1e4
                self.calls += 1
                return logits

        self.script, self.calls = list(script), 0
        self.module = _Head()


def audiostory_script(tokenizer) -> list[int]:
    ids = tokenizer.convert_tokens_to_ids
    enc = lambda text: tokenizer.encode(text, add_special_tokens=False)  # noqa: E731
    seq = enc(AUDIOSTORY_REASONING) + [ids("<|/think|>")]
    each = 60.0 / len(AUDIOSTORY_CLIPS)
    for caption in AUDIOSTORY_CLIPS:
        seq += ([ids("<|gen|>")] + enc(caption + ".") + [ids("<timestamp>")] + enc(f"{each:.1f}")
                + [ids("</timestamp>"), ids("<t5>"), ids("<aud>"), ids("<|/gen|>")])
    return seq + [ids("<|im_end|>")]


def bench_audiostory(paths: dict[str, Path], workdir: Path, res: Results) -> None:
    """The audiostory profile alone on the GPU (the studio models are released first): its 60 s story, then the
    DiT per clip. Uses the profile's own memory budget (no vram_budget_gb: 85 % of the card)."""
    import torch

    from engine.backends import torch_runtime as rt
    from engine.studio import Studio, StudioSettings

    ck = str(paths["audiostory"])
    rt.set_profile_budget(None)
    settings = {"roles": {"planner": {"repo_id_or_path": ck}, "sound": {"repo_id_or_path": ck, "steps": 50}}}
    if SMOKE:
        settings = {"allow_cpu": True, "roles": {"planner": {"repo_id_or_path": ck},
                                                 "sound": {"repo_id_or_path": ck, "steps": 2}}}
    studio = Studio(StudioSettings(profile="audiostory", check=False, models=settings))
    planner = studio.session.planner()
    model, load_s = timed(planner.model)
    scripted = ScriptedHead(model.llm.lm_head, audiostory_script(model.tokenizer))
    model.llm.lm_head = scripted.module
    rows = res.data.setdefault("audiostory_backends", [])
    with res.part("audiostory warm-up"):
        planner.run(lambda m: m.decode(m.prompt_ids("warm up"), max_new_tokens=16))
    scripted.calls = 0
    with res.part("audiostory story"):
        story = render_story(studio, workdir / "audiostory", STORY_60)
        free = scripted.calls
        story["llm_free_tokens"] = free
        story["llm_tokens_per_s"] = round(free / story["plan_s"], 1) if story["plan_s"] else None
        res.data["audiostory_story"] = story
        print(story, flush=True)
        rows.append({"backend": f"AudioStory-3B LLM: plan of {len(AUDIOSTORY_CLIPS)} clips, {free} decoded tokens "
                                f"(+ forced bridge runs)", "audio_s": None, "compute_s": story["plan_s"],
                     "tokens_per_s": story["llm_tokens_per_s"], "load_s": round(load_s, 1),
                     "peak_vram_gb": None, "peak_reserved_gb": None})
    from engine.backends.audiostory import _STORIES

    clips = [c for s in _STORIES.values() for c in s.clips]
    for seconds in (10.0, 29.9):
        name = f"AudioStory DiT {seconds:g} s, 50 steps"
        with res.part(name):
            if not clips:
                raise RuntimeError("no planned clip to render (the story part failed)")
            d = min(seconds, model.max_duration)
            steps = 2 if SMOKE else 50
            render = lambda: planner.run(lambda m: m.render_clip(clips[0], d, steps=steps))  # noqa: E731
            render()
            _peak_reset()
            audio, secs = timed(render)
            rows.append({"backend": name, "audio_s": round(audio.shape[0] / model.sample_rate, 2),
                         "compute_s": round(secs, 3), "s_per_audio_s": round(secs / d, 4), "load_s": 0.0,
                         **_peaks()})
            print(rows[-1], flush=True)
    res.data["audiostory_dtype"] = str(planner.dtype).removeprefix("torch.")
    del model, scripted
    if not SMOKE:
        torch.cuda.empty_cache()


def launch_probe() -> dict:
    """What one small CUDA kernel costs on this machine, launched eagerly and replayed from a CUDA graph: when
    eager launches are slow, models that run many small kernels per step (LLM decoding, DiT steps) are bound by
    launches, not by the GPU."""
    import torch

    x = torch.zeros(1024, device="cuda")
    n = 2000
    for _ in range(100):
        x.add_(1)
    _, eager = timed(lambda: [x.add_(1) for _ in range(n)])
    g = torch.cuda.CUDAGraph()
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        x.add_(1)
    torch.cuda.current_stream().wait_stream(s)
    with torch.cuda.graph(g):
        for _ in range(n):
            x.add_(1)
    g.replay()
    _, graph = timed(g.replay)
    return {"eager_launch_us": round(eager / n * 1e6, 1), "graph_kernel_us": round(graph / n * 1e6, 2)}


def release(session) -> None:
    """Drop a session's models from the GPU and the memory budget (the next profile is measured alone)."""
    for role in ("planner", "sound", "speech", "music"):
        backend = session._loaded.get(role)
        if backend is not None and hasattr(backend, "unload"):
            backend.unload()
    session._loaded.clear()


# ------------------------------------------------------------------------------------------------------------
# tables


def _rate(r: dict) -> str:
    return str(r["s_per_audio_s"]) if "s_per_audio_s" in r else f"{r.get('tokens_per_s')} tok/s"


def backend_table(rows: list[dict]) -> list[str]:
    lines = ["| backend | audio s | compute s | s per audio s | load s | peak VRAM GB (allocated / reserved) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        peak = "–" if r.get("peak_vram_gb") is None else f"{r['peak_vram_gb']} / {r.get('peak_reserved_gb')}"
        lines.append(f"| {r['backend']} | {r['audio_s'] or '–'} | {r['compute_s']} | {_rate(r)} | {r['load_s']} | "
                     f"{peak} |")
    return lines


def story_table(story: dict, title: str, with_targets: bool) -> list[str]:
    ok = lambda v, k: ("✅" if v is not None and v <= TARGETS[k] else "❌") if with_targets else ""  # noqa: E731
    target = lambda k: f"≤ {TARGETS[k]}" if with_targets else "–"  # noqa: E731
    segs = ", ".join(f"{s['kind']} {s['s']}" for s in story.get("per_segment", []))
    return [f"| {title} | measured | target | ok |", "|---|---:|---:|---|",
            f"| end to end (plan {story['plan_s']} + render {story['render_s']} + mix {story['mix_s']} s) | "
            f"{story['story_60s_s']} s | {target('story_60s_s')} s | {ok(story['story_60s_s'], 'story_60s_s')} |",
            f"| first clip rendered (from the start of rendering) | {story['first_clip_s']} s | "
            f"{target('first_clip_s')} s | {ok(story['first_clip_s'], 'first_clip_s')} |",
            f"| peak VRAM over the story, allocated / reserved | {story['peak_vram_gb']} / "
            f"{story.get('peak_reserved_gb')} GB | {target('peak_vram_gb')} GB | "
            f"{ok(story['peak_vram_gb'], 'peak_vram_gb')} |",
            f"| segments (s each, in render order) | {story['segments']}: {segs} | | |"]


def tables(result: dict) -> str:
    out = ["### GPU benchmark (full-size models with random weights)", "",
           f"{result['device']} · torch {result['torch']} · {result.get('dtype')} · measured {result.get('date', '?')}",
           "", "**studio profile** (weights budget "
           f"{result.get('vram_budget_gb')} GB; the least recently used model moves to host memory)", ""]
    out += backend_table(result.get("backends", []))
    if result.get("story"):
        out += [""] + story_table(result["story"], "studio: 60 s story", True)
    elif result.get("backends") and "studio story" not in result.get("errors", {}):
        out += ["", "studio 60 s story: **not measured** — the run reached its time limit while rendering it "
                    "(the rows above say why: see the s per audio s of speech and the planner's tokens per second)."]
    if result.get("audiostory_backends") or result.get("audiostory_story"):
        out += ["", "**audiostory profile** (AudioStory-3B: Qwen2.5-3B + bridge + DiT; the random LLM is steered "
                    "along a 6-clip script, token by token)", ""]
        out += backend_table(result.get("audiostory_backends", []))
        if result.get("audiostory_story"):
            out += [""] + story_table(result["audiostory_story"], "audiostory: 60 s story", False)
    if result.get("launch"):
        out += ["", f"One small CUDA kernel on this machine: {result['launch']['eager_launch_us']} µs launched eagerly, "
                    f"{result['launch']['graph_kernel_us']} µs replayed from a CUDA graph."]
    if result.get("errors"):
        out += ["", "Parts that failed: " + "; ".join(f"{k}: {v[:160]}" for k, v in result["errors"].items())]
    return "\n".join(out)


def merge_runs(runs: list[dict]) -> dict:
    """Several saved runs on one kind of GPU (e.g. one per profile) as one result: the first run's figures win,
    later runs add the parts it lacks; errors, dates and part timings are kept from all."""
    devices = {r["device"] for r in runs}
    if len(devices) > 1:
        raise SystemExit(f"these runs were measured on different devices ({', '.join(sorted(devices))})")
    out: dict = {}
    for r in runs:
        for k, v in r.items():
            if k in ("errors", "part_s", "build_s"):
                out.setdefault(k, {}).update(v)
            elif k == "date":
                out[k] = v if k not in out or v in out[k] else f"{out[k]} and {v}"
            elif out.get(k) in (None, [], {}):
                out[k] = v
    return out


# ------------------------------------------------------------------------------------------------------------


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
    from engine.studio import Studio, StudioSettings

    device = ("cpu — smoke test on tiny random models: the flow is checked, the figures mean nothing"
              if SMOKE else torch.cuda.get_device_name())
    res = Results(out, {"device": device, "smoke": SMOKE, "torch": torch.__version__,
                        "python": platform.python_version(),
                        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "targets": TARGETS})
    tmp = Path(tempfile.mkdtemp(prefix="audiostory-gpu-"))
    models = models_dir or tmp / "models"
    models.mkdir(parents=True, exist_ok=True)
    try:
        if not SMOKE:
            with res.part("launch probe"):
                res.data["launch"] = launch_probe()
                print(res.data["launch"], flush=True)
        studio_parts = only - {"audiostory"}
        need = (set(BUILDS) - {"audiostory"} if "story" in only else studio_parts) | (only & {"audiostory"})
        paths = build_all(models, need, res)
        if studio_parts:
            studio = Studio(StudioSettings(profile="studio", check=False, models=studio_settings(paths, tmp / "voices")))
            session = studio.session
            res.data["dtype"] = "bf16" if not SMOKE else "fp32"
            res.data["vram_budget_gb"] = session._profile_settings.get("vram_budget_gb")
            bench_backends(session, only, res)
            if "story" in only:
                with res.part("studio story"):
                    res.data["story"] = bench_story(studio, tmp)
                    print(res.data["story"], flush=True)
            release(session)
            del session, studio
            if not SMOKE:
                torch.cuda.empty_cache()
        if "audiostory" in only:
            with res.part("audiostory"):
                bench_audiostory(paths, tmp, res)
        res.save()
        md = tables(res.data)
        print(f"\n{md}\n\nsaved {out}")
        if update_readme:
            from .report import save

            save("gpu", md, update_readme=True, measured=f"{res.data['date']} on {device}")
        return 0 if not res.data["errors"] else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    global SMOKE
    ap = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(ROLES), help=f"comma-separated subset of {','.join(ROLES)}")
    ap.add_argument("--models-dir", type=Path, help="build the random checkpoints here and reuse them next time")
    ap.add_argument("--out", type=Path, help=f"where the JSON results go (default {RESULTS})")
    ap.add_argument("--update-readme", action="store_true", help="put the tables into README.md")
    ap.add_argument("--tables-from", type=Path, nargs="+",
                    help="make the tables from saved GPU runs' JSON (several: merged, e.g. one run per profile); "
                         "measure nothing")
    ap.add_argument("--smoke", action="store_true",
                    help="run the whole flow on tiny random models on the CPU (checks the benchmark, measures nothing)")
    a = ap.parse_args(argv)
    only = {x.strip() for x in a.only.split(",") if x.strip()}
    unknown = only - set(ROLES)
    if unknown:
        ap.error(f"unknown part(s) {sorted(unknown)}; choose from {', '.join(ROLES)}")
    if a.smoke and (a.update_readme or a.out is None):
        ap.error("--smoke measures nothing worth keeping: give it an --out file, and no --update-readme")
    if a.tables_from:
        runs = [json.loads(f.read_text()) for f in a.tables_from]
        if any(r.get("smoke") for r in runs):
            ap.error("a smoke run's figures mean nothing: give only runs measured on a GPU")
        result = merge_runs(runs)
        md = tables(result)
        print(md)
        if a.update_readme:
            from .report import save

            save("gpu", md, update_readme=True, measured=f"{result.get('date')} on {result['device']} "
                                                          f"(Python {result.get('python')})")
        return 0
    SMOKE = a.smoke
    return run(only, a.models_dir, a.out or RESULTS, a.update_readme)


if __name__ == "__main__":
    sys.exit(main())
