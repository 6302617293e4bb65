"""The app's named API, driven by gradio_client against the real app on 127.0.0.1:
plan → edit → render → regenerate one clip → export, with the exported audio measured (length against the
plan's layout, loudness with pyloudnorm); stop without queueing behind the render; per-client isolation.
(How fast `python app.py` serves its page is bench/speed.py's.)"""

from __future__ import annotations

import json
import os
import socket
import time
import zipfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pyloudnorm  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402

from engine.plan import Plan  # noqa: E402

from engine.timing import layout  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CAFE = ('In a quiet cafe, Anna says, "I got the job!" Her friend Tom laughs and replies, "I knew you would." '
        'Cups clink as they celebrate. The total duration is 14 seconds.')
REQUIRED = {"/plan", "/render", "/regenerate", "/export", "/instruct"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url():
    import app

    _, local_url, _ = app.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                                 quiet=True)
    yield local_url
    app.demo.close()


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def _path(value) -> str:
    """An Audio/File output: a path, or an update dict {"value": path | {"path": ...}}."""
    if isinstance(value, dict):
        value = value.get("value", value)
        if isinstance(value, dict):
            value = value.get("path")
    return value


def test_named_endpoints(url):
    api = client(url).view_api(return_format="dict", print_info=False)
    names = set(api["named_endpoints"])
    assert REQUIRED <= names
    # browser-only listeners stay private
    assert not names & {"/select_row", "/after_plan", "/compose", "/pick_clip", "/views_after_edit"}
    params = [p["parameter_name"] for p in api["named_endpoints"]["/regenerate"]["parameters"]]
    assert params == ["seg_id", "caption", "text", "instruction", "new_seed"]


def test_plan_edit_render_regenerate_export(url):
    c = client(url)
    table, plan_json, chars, msg = c.predict(CAFE, 0, "auto", "offline", 0, api_name="/plan")
    assert table["headers"][:3] == ["id", "kind", "track"]
    plan = Plan.from_json(plan_json)
    assert plan.target_duration == 14 and {ch[0] for ch in chars["data"]} == {"Anna", "Tom"}

    # edit: a new caption on the foreground sound clip, sent back as the client would send the table
    row = next(i for i, r in enumerate(table["data"]) if r[1] == "sound" and r[2] == "foreground")
    sid = table["data"][row][0]
    table["data"][row][5] = "A door slams shut."
    table2, plan_json, chars, msg = c.predict(table, api_name="/edit")
    assert Plan.from_json(plan_json).segment(sid).caption == "A door slams shut."
    # a bad edit comes back with the error and the plan unchanged
    bad = json.loads(json.dumps(table2))
    bad["data"][row][4] = "-1"
    table3, plan_json3, _, msg3 = c.predict(bad, api_name="/edit")
    assert f"row {row + 1} (segment {sid}), duration" in msg3 and plan_json3 == plan_json

    # render: progress is reported per clip while it runs
    job = c.submit(api_name="/render")
    seen = set()
    while not job.done():
        st = job.status()
        for pd in st.progress_data or []:
            if pd.index is not None:
                seen.add((pd.index, pd.length))
        time.sleep(0.01)
    status, table4, timeline, mix, loud = job.result()
    n = len(plan.segments)
    assert status.startswith(f"Done: {n} rendered")
    # the client keeps only the latest progress event, so a loaded machine may show just one of them; that each
    # clip reports is tested at handler level (test_first_render_reports_each_clip_as_it_finishes)
    assert seen and all(length == n for _, length in seen)
    assert Path(_path(timeline)).is_file()

    # regenerate one clip with a new seed: only it gets a new take
    out = c.predict(sid, None, None, None, True, api_name="/regenerate")
    status = out[-1]
    assert status.startswith(f"✓ {sid}: new take t002")
    plan = Plan.from_json(out[10])
    assert [len(s.takes) for s in plan.segments] == [2 if s.id == sid else 1 for s in plan.segments]

    # export the mix: its length is the layout's, its loudness the master target
    wav = _path(c.predict("wav", api_name="/export"))
    audio, sr = sf.read(wav)
    total = layout(plan).total
    assert abs(audio.shape[0] / sr - total) <= 0.05
    lufs = pyloudnorm.Meter(sr).integrated_loudness(audio)
    assert -17.0 <= lufs <= -15.0
    mp3 = _path(c.predict("mp3", api_name="/export"))
    a3, sr3 = sf.read(mp3)
    assert abs(a3.shape[0] / sr3 - total) <= 0.08

    # the project zip carries the plan and every take
    z = zipfile.ZipFile(_path(c.predict("project", api_name="/export")))
    names = set(z.namelist())
    assert "plan.json" in names and all(t.path in names for s in plan.segments for t in s.takes)
    assert "A door slams shut." in z.read("plan.json").decode()
    srt = Path(_path(c.predict("srt", api_name="/export"))).read_text(encoding="utf-8")
    assert "Anna: I got the job!" in srt


def test_each_client_has_its_own_project(url):
    a, b = client(url), client(url)
    a.predict(CAFE, 0, "auto", "offline", 0, api_name="/plan")
    table_b, json_b, _, _ = b.predict("Birds sing at dawn in a forest. 12 seconds.", 0, "auto", "offline", 0,
                                      api_name="/plan")
    assert "I got the job" not in json_b
    zip_a = zipfile.ZipFile(_path(a.predict("project", api_name="/export")))
    assert "I got the job!" in zip_a.read("plan.json").decode()
    # a client that never planned has nothing to export, whatever the others did
    with pytest.raises(Exception, match="No plan yet"):
        client(url).predict("project", api_name="/export")


def test_stop_does_not_wait_behind_the_render(url):
    c = client(url)
    c.predict("A long train journey through the countryside: wheels clatter, a whistle blows, rain taps on "
              "the window. 240 seconds.", 0, "auto", "offline", 0, api_name="/plan")
    job = c.submit(api_name="/render")
    while not job.done() and not any((p.index or 0) >= 1 for p in (job.status().progress_data or [])):
        time.sleep(0.02)
    c.predict(api_name="/stop")
    status = job.result()[0]
    assert status.startswith("Stopped"), status.splitlines()[0]


def test_instruct_endpoint(url):
    c = client(url)
    no_voices = {"headers": ["speaker", "voice"], "data": []}
    audio, understood, fig = c.predict("speech", "An elderly man, whispering sadly.", "The sea was calm.",
                                       no_voices, "en", 0, 10, api_name="/instruct")
    a, sr = sf.read(_path(audio))
    assert a.shape[0] / sr > 0.8
    assert "elderly" in understood and "whisper" in understood
