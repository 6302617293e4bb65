"""The LLM planner on an OpenAI-compatible server: a real `transformers serve` of a tiny random Qwen3 on 127.0.0.1,
reached through a recording pass-through (it forwards every byte both ways, and can play a server that refuses
`response_format`, a slow one, or one that echoes the key in its error). Random weights write garbage, so every
plan here ends in the rules planner: what is checked is the road there — the request the server gets, streamed
progress, Stop, the timeout, repair + retry, an unreachable URL, and the key that never shows."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

for _package in ("fastapi", "uvicorn", "openai"):
    pytest.importorskip(_package, reason=f"`transformers serve` and the planner's client need {_package}")
torch = pytest.importorskip("torch", reason="`transformers serve` runs the tiny checkpoint with torch")

from engine.backends.base import CancelToken, Cancelled  # noqa: E402
from engine.backends.llm_planner import SYSTEM_PROMPT, LLMPlan  # noqa: E402
from engine.backends.llm_transports import KEY_ENV, MODEL_ENV, URL_ENV  # noqa: E402
from engine.session import PLANNER_ENV, Session  # noqa: E402
from engine.studio import Studio, StudioError, StudioSettings  # noqa: E402
from engine.timing import layout  # noqa: E402

KEY = "sk-test-0123456789abcdef"
STORY = "Rain on a tin roof, then a kettle whistles. The total duration is 12 seconds."
TOKENS = 48


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def no_planner_env(monkeypatch):
    for name in (URL_ENV, MODEL_ENV, KEY_ENV, PLANNER_ENV, "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


# ------------------------------------------------------------------------------------------------------------
# the server and the recording pass-through


class Recorder(ThreadingHTTPServer):
    """Forwards to `upstream` and keeps each request (path, headers, JSON body). Switches: `refuse_schema` answers
    400 to a request with response_format (as servers without JSON-schema support do), `delay_s` waits before
    forwarding, `echo_key` answers 401 quoting the Authorization header back."""

    daemon_threads = True

    def __init__(self, upstream: int) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.requests: list[dict] = []
        self.refuse_schema = False
        self.delay_s = 0.0
        self.echo_key = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def reset(self) -> None:
        self.requests.clear()
        self.refuse_schema, self.delay_s, self.echo_key = False, 0.0, False


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes: streams pass through as they come

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": None})
        self._forward(None)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        data = json.loads(body)
        rec: Recorder = self.server
        rec.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": data})
        if rec.echo_key:
            return self._answer(401, {"error": {"message": f"invalid key {self.headers.get('Authorization')}"}})
        if rec.refuse_schema and "response_format" in data:
            return self._answer(400, {"error": {"message": "response_format is not supported"}})
        time.sleep(rec.delay_s)
        self._forward(body)

    def _answer(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _forward(self, body: bytes | None) -> None:
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body,
                             headers={"Content-Type": "application/json"} if body is not None else {})
            response = upstream.getresponse()
            self.send_response(response.status)
            self.send_header("Content-Type", response.getheader("Content-Type", "application/json"))
            self.end_headers()
            while chunk := response.read1(65536):
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client closed the stream (Stop, timeout): stop forwarding
        finally:
            upstream.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(model id, Recorder) for a `transformers serve` of a tiny random Qwen3, stopped at the end of the module."""
    from bench import random_models as rm

    folder = rm.build_qwen3(tmp_path_factory.mktemp("served") / "qwen3")
    # generation settings as in Qwen3-Instruct's own generation_config.json: it samples, so answers vary by seed
    config = folder / "generation_config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "do_sample": True, "temperature": 0.7,
                                  "top_p": 0.8, "top_k": 20}))
    port = free_port()
    log = (tmp_path_factory.getbasetemp() / "serve.log").open("w")
    # the `transformers` command line, run by this interpreter
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(folder), "--host", "127.0.0.1",
               "--port", str(port), "--device", "cpu", "--log-level", "warning"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    recorder = Recorder(port)
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"transformers serve did not start:\n{Path(log.name).read_text()[-3000:]}")
            time.sleep(0.5)
        yield str(folder), recorder
    finally:
        recorder.shutdown()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture
def recorder(served):
    served[1].reset()
    return served[1]


def server_settings(url: str, **planner) -> dict:
    return {"roles": {"planner": {"url": url, "api_key": KEY, "retries": 0, "max_new_tokens": TOKENS, **planner}}}


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert KEY not in text and KEY[3:] not in text


# ------------------------------------------------------------------------------------------------------------
# the request, the stream, the fallback


def test_request_shape_streamed_progress_and_the_fallback_note(served, recorder, tmp_path):
    model, _ = served
    studio = Studio(StudioSettings(profile="offline", planner="server", models=server_settings(recorder.url)))
    events = []
    plan = studio.plan_story(STORY, tmp_path / "story", seed=3, progress=events.append)

    (request,) = [r for r in recorder.requests if r["path"].endswith("/chat/completions")]
    body = request["body"]
    assert [r["path"] for r in recorder.requests] == ["/v1/models", "/v1/chat/completions"]  # no model named
    assert body["model"] == model and body["stream"] is True and body["max_tokens"] == TOKENS
    assert body["seed"] == 3 and body["temperature"] == 0.7 and body["top_p"] == 0.8
    system, user = body["messages"]
    assert system["role"] == "system" and system["content"].startswith(SYSTEM_PROMPT)
    assert user["role"] == "user" and user["content"].startswith(STORY)
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "plan", "schema": LLMPlan.model_json_schema(), "strict": False}}
    assert request["auth"] == f"Bearer {KEY}"  # the key goes to the server, and nowhere else

    tokens = [e for e in events if e.phase == "plan" and e.message.startswith("planning:")]
    assert len(tokens) >= 2 and all(e.total == TOKENS for e in tokens)
    assert [e.done for e in tokens] == list(range(1, len(tokens) + 1))  # one event per streamed chunk
    # random weights: garbage, so the rules planner made the plan, and the first note says who failed
    assert plan.notes[0].startswith("The language model could not plan this story (")
    assert f"{model} at 127.0.0.1:{recorder.server_address[1]} gave no usable plan" in plan.notes[0]
    assert plan.segments and abs(layout(plan).total - 12) <= 0.6
    info = studio.session.info()
    assert info["planner"]["choice"] == "server"
    assert info["models"]["planner"]["model_id"] == f"{model} at 127.0.0.1:{recorder.server_address[1]}"
    assert_no_key(plan.to_json(), json.dumps(info), repr(studio.session), repr(studio.settings),
                  repr(studio.session.planner().transport), (tmp_path / "story" / "plan.json").read_text())


def test_a_server_without_json_schema_gets_the_request_again_without_it_and_not_again(served, recorder):
    model, _ = served
    recorder.refuse_schema = True
    session = Session("offline", planner_choice="server", settings=server_settings(recorder.url, model=model,
                                                                                   retries=1))
    plan = session.plan(STORY, seed=1)
    formats = ["response_format" in r["body"] for r in recorder.requests]
    assert formats == [True, False, False]  # refused once; the retry after the garbage answer does not ask
    assert session.planner().transport.schema_refused
    second = recorder.requests[2]["body"]["messages"][1]["content"]
    assert "Your previous answer could not be used:" in second  # the parse error went back to the model
    assert len(session.planner().last_raw) == 2 and "gave no usable plan" in plan.notes[0]


def test_a_short_client_timeout_falls_back_to_the_rules_and_names_the_timeout(served, recorder):
    model, _ = served
    recorder.delay_s = 2.0
    session = Session("offline", planner_choice="server",
                      settings=server_settings(recorder.url, model=model, timeout=0.4))
    started = time.monotonic()
    plan = session.plan(STORY)
    assert time.monotonic() - started < 4.0
    assert "0.4 s timeout" in plan.notes[0] and recorder.url in plan.notes[0] and model in plan.notes[0]
    assert "template planner made this plan instead" in plan.notes[0] and plan.segments


def test_stop_mid_stream_raises_cancelled_and_makes_no_project(served, recorder, tmp_path):
    model, _ = served
    studio = Studio(StudioSettings(profile="offline", planner="server",
                                   models=server_settings(recorder.url, model=model, max_new_tokens=400)))
    token = CancelToken()
    events = []

    def progress(event):
        events.append(event)
        if event.message.startswith("planning:"):
            token.cancel()  # Stop pressed as the first chunk arrives

    with pytest.raises(Cancelled):
        studio.plan_story(STORY, tmp_path / "story", progress=progress, cancel=token)
    assert [e.done for e in events if e.message.startswith("planning:")] == [1]  # the next chunk stopped it
    assert not (tmp_path / "story").exists() and studio.project is None
    assert len(recorder.requests) == 1


def test_a_wrong_port_names_the_url_and_the_rules_plan():
    url = f"http://127.0.0.1:{free_port()}/v1"
    plan = Session("offline", planner_choice="server", settings=server_settings(url, model="qwen3:4b")).plan(STORY)
    assert f"the planner server {url} (model qwen3:4b) could not be reached" in plan.notes[0]
    assert plan.segments and abs(layout(plan).total - 12) <= 0.6


def test_a_server_that_echoes_the_key_never_gets_it_into_a_note(served, recorder, monkeypatch):
    recorder.echo_key = True
    monkeypatch.setenv(KEY_ENV, KEY)  # the key from the environment this time
    session = Session("offline", planner_choice="server",
                      settings={"roles": {"planner": {"url": recorder.url, "model": served[0], "retries": 0}}})
    plan = session.plan(STORY)
    assert recorder.requests[0]["auth"] == f"Bearer {KEY}"
    assert "answered HTTP 401" in plan.notes[0] and "***" in plan.notes[0]
    assert_no_key(plan.to_json(), json.dumps(session.info()), repr(session))


# ------------------------------------------------------------------------------------------------------------
# choosing the planner


def test_the_planner_choice_maps_onto_the_planner_role(monkeypatch):
    assert Session("offline").planner_choice == "rules"
    monkeypatch.setenv(URL_ENV, "http://localhost:11434/v1")
    monkeypatch.setenv(MODEL_ENV, "qwen3:4b")
    auto = Session("offline")  # "auto" plans on the configured server
    assert auto.planner_choice == "server" and URL_ENV in auto.planner_reason
    assert auto.planner().capabilities.model_id == "qwen3:4b at localhost:11434"
    assert Session("offline", planner_choice="rules").planner().capabilities.name == "template-planner"
    local = Session("offline", planner_choice="local").planner_setup()
    assert local.choice == "local" and "url" not in local.options
    assert local.options["repo_id_or_path"] == "Qwen/Qwen3-4B-Instruct-2507"  # the studio profile's planner
    monkeypatch.setenv(PLANNER_ENV, "rules")
    assert Session("offline").planner_choice == "rules"
    # a shell sharing one session (the app) plans with the planner it chose
    shared = Session("offline")
    assert shared.planner("server") is shared.planner("server") is not shared.planner()
    monkeypatch.delenv(URL_ENV)
    with pytest.raises(ValueError, match=URL_ENV):
        Session("offline", planner_choice="server")
    monkeypatch.setenv(PLANNER_ENV, "gpt")
    with pytest.raises(ValueError, match="unknown planner 'gpt'"):
        Session("offline")
    with pytest.raises(StudioError, match="unknown planner"):
        StudioSettings(planner="gpt")


def test_cli_and_app_plan_on_the_server(served, recorder, tmp_path, monkeypatch):
    from engine.__main__ import main
    from engine.session import STUDIO_CONFIG_ENV

    model, _ = served
    config = tmp_path / "studio.json"  # the planner role's settings, as a user's $AUDIOSTORY_STUDIO_CONFIG
    config.write_text(json.dumps({"roles": {"planner": {"retries": 0, "max_new_tokens": TOKENS}}}))
    monkeypatch.setenv(STUDIO_CONFIG_ENV, str(config))
    out = tmp_path / "cli" / "plan.json"
    assert main(["plan", STORY, "--profile", "offline", "--planner", "server", "--planner-url", recorder.url,
                 "--planner-model", model, "-o", str(out)]) == 0
    assert json.loads(out.read_text())["notes"][0].startswith("The language model could not plan this story")
    assert [r["body"]["model"] for r in recorder.requests] == [model]
    assert main(["plan", STORY, "--profile", "offline", "--planner", "rules", "-o", str(tmp_path / "r.json")]) == 0
    assert len(recorder.requests) == 1  # rules planning never calls the server

    from ui import handlers as h
    from ui.gpu import session_for

    session_for("offline")  # the app's shared session exists before the server is configured (as in the app)
    config.write_text(json.dumps({"roles": {"planner": {"url": recorder.url, "api_key": KEY, "retries": 0,
                                                        "max_new_tokens": TOKENS}}}))
    ws, _, plan_json, _, messages = h.plan_story(STORY, 0, "auto", "offline", 0, None, "server")
    assert ws.planner == "server" and "could not plan this story" in messages
    assert recorder.requests[-1]["auth"] == f"Bearer {KEY}"
    about = h.session_info(ws)
    assert f"at 127.0.0.1:{recorder.server_address[1]}" in about and "planner: **server**" in about
    assert_no_key(plan_json, messages, about)
    ws.cleanup()
