"""How the LLM planner reaches its model: the `Transport` protocol, and the OpenAI-compatible server transport.

A transport turns chat messages into the model's answer text and nothing more; the planner (llm_planner.py)
owns the prompt, parsing, validation, retries and the fallback, once for every transport. Two exist:
- `TransformersTransport` (llm_local.py): the model in this process, on this machine's GPU;
- `ServerTransport` (here): any server that speaks the OpenAI chat-completions API — Ollama
  (http://localhost:11434/v1), vLLM, LM Studio, llama.cpp's server, `transformers serve`, hosted providers.

The server transport streams the answer, calling the step hook once per chunk (progress in the app, Stop closes
the stream). It asks for the answer's JSON schema as `response_format` and, when the server refuses that
(400/422/501), asks again without it and stops sending it. Every failure (timeout, refused connection, an HTTP
error, a broken stream) becomes a BackendError that names the server and the model, so the planner's fallback note
says what went wrong. The API key is held as a secret: never in a message, a repr, a plan or the session info.
Torch-free: planning on a server works in the offline install.
"""

from __future__ import annotations

import os
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

from .base import BackendError, Cancelled
from .steps import StepHook

URL_ENV = "AUDIOSTORY_PLANNER_URL"  # e.g. http://localhost:11434/v1 (Ollama)
MODEL_ENV = "AUDIOSTORY_PLANNER_MODEL"  # e.g. qwen3:4b; unset: the first model the server lists
KEY_ENV = "AUDIOSTORY_PLANNER_KEY"  # falls back to $OPENAI_API_KEY; local servers need none
OPENAI_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_TIMEOUT_S = 120.0
SERVER_KEYS = ("url", "model", "api_key", "timeout", "licence")  # planner settings that only a server uses
# a server that does not know `response_format` says so with one of these
_SCHEMA_REFUSED = (400, 422, 501)


class Transport(Protocol):
    name: str  # backend name in provenance and the About panel
    model_id: str  # which model answers, as shown to the user
    licence: str

    def complete(self, messages: list[dict], *, seed: int, max_tokens: int, schema: type[BaseModel] | None,
                 hook: StepHook) -> str:
        """The model's answer to `messages`, at most `max_tokens` tokens; constrained to `schema` where the
        transport can; `hook()` once per generated token or streamed chunk. Raises BackendError when the model
        cannot answer, Cancelled when the hook's token is set."""
        ...


def server_settings(role: dict[str, Any]) -> dict[str, Any]:
    """The planner server's url, model, timeout (and key, licence) from the planner role's settings, with
    $AUDIOSTORY_PLANNER_URL and $AUDIOSTORY_PLANNER_MODEL filling what the settings leave out. No "url": no server.
    The key's environment variables are read by the transport itself, so they never travel in settings."""
    out = {k: role[k] for k in SERVER_KEYS if role.get(k) not in (None, "")}
    for key, env in (("url", URL_ENV), ("model", MODEL_ENV)):
        value = os.environ.get(env, "").strip()
        if value and key not in out:
            out[key] = value
    return out


class ServerTransport:
    """An OpenAI-compatible chat-completions server (see the module doc)."""

    name = "llm-server"

    def __init__(self, url: str, model: str | None = None, *, api_key: str | None = None,
                 timeout: float | None = None, licence: str | None = None, constrained: bool = True,
                 temperature: float = 0.7, top_p: float = 0.8) -> None:
        parts = urlsplit(str(url).strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the planner server URL must look like http://host:port/v1 (got {_public(url)!r})")
        self.url = str(url).strip().rstrip("/")
        self.model = (model or "").strip() or None
        self.timeout = float(timeout) if timeout is not None else DEFAULT_TIMEOUT_S
        if not self.timeout > 0:
            raise ValueError(f"the planner server timeout must be a number of seconds > 0 (got {timeout!r})")
        self.constrained = bool(constrained)
        self.schema_refused = False  # the server refused response_format once: not sent again
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self._api_key = SecretStr(api_key or os.environ.get(KEY_ENV) or os.environ.get(OPENAI_KEY_ENV) or "")
        self._licence = licence
        self._client: Any = None

    def __repr__(self) -> str:
        return f"ServerTransport({self.public_url!r}, model={self.model!r})"

    @property
    def public_url(self) -> str:
        return _public(self.url)

    @property
    def host(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    @property
    def model_id(self) -> str:
        return f"{self.model or 'the default model'} at {self.host}"

    @property
    def licence(self) -> str:
        return self._licence or f"the licence of the model {self.host} serves"

    # --- one answer --------------------------------------------------------------------------------------------
    def complete(self, messages: list[dict], *, seed: int, max_tokens: int, schema: type[BaseModel] | None,
                 hook: StepHook) -> str:
        request: dict[str, Any] = {"messages": messages, "max_tokens": int(max_tokens), "stream": True,
                                   "seed": int(seed), "temperature": self.temperature, "top_p": self.top_p}
        if schema is not None and self.constrained and not self.schema_refused:
            request["response_format"] = {"type": "json_schema", "json_schema": {
                "name": "plan", "schema": schema.model_json_schema(), "strict": False}}
        model = self.model
        try:
            client = self._connect()
            model = model or self._served_model(client)
            return self._read(self._open(client, {"model": model, **request}), hook)
        except (Cancelled, BackendError):
            raise
        except Exception as e:  # noqa: BLE001 - whatever the network or the server did, the planner falls back
            raise BackendError(self._explain(e, model)) from None

    def _connect(self):
        if self._client is None:
            try:
                import openai
            except ImportError:
                raise BackendError("the planner server needs the openai package: pip install openai") from None
            # `timeout`: for connecting and between any two bytes, so a long answer that keeps streaming is never
            # cut; max_retries=1: the client retries a dropped connection, a timeout, 429 or 5xx once (backoff)
            self._client = openai.OpenAI(base_url=self.url, api_key=self._api_key.get_secret_value() or "none",
                                         timeout=self.timeout, max_retries=1)
        return self._client

    def _served_model(self, client) -> str:
        """No model named: the first one the server lists (a server with one loaded model needs no name)."""
        listed = [m.id for m in client.models.list().data]
        if not listed:
            raise BackendError(f"the planner server {self.public_url} lists no model; name one with {MODEL_ENV}")
        self.model = listed[0]
        return self.model

    def _open(self, client, request: dict[str, Any]):
        import openai

        try:
            return client.chat.completions.create(**request)
        except openai.APIStatusError as e:
            if "response_format" not in request or e.status_code not in _SCHEMA_REFUSED:
                raise
        # this server does not take a JSON schema: ask again without one (json-repair and validation remain)
        stream = client.chat.completions.create(**{k: v for k, v in request.items() if k != "response_format"})
        self.schema_refused = True
        return stream

    def _read(self, stream, hook: StepHook) -> str:
        parts: list[str] = []
        with stream:  # leaving early (Stop, an error) closes the connection, so the server stops generating
            for chunk in stream:
                hook()
                for choice in chunk.choices:
                    if choice.delta is not None and choice.delta.content:
                        parts.append(choice.delta.content)
        return "".join(parts)

    def _explain(self, error: Exception, model: str | None) -> str:
        import openai

        where = f"the planner server {self.public_url} (model {model or 'not named'})"
        if isinstance(error, openai.APITimeoutError):
            why = f"sent nothing within the {self.timeout:g} s timeout"
        elif isinstance(error, openai.APIConnectionError):
            cause = error.__cause__ or error
            why = f"could not be reached ({type(cause).__name__}: {cause})"
        elif isinstance(error, openai.APIStatusError):
            why = f"answered HTTP {error.status_code} ({_detail(error)})"
        else:
            why = f"broke off its answer ({type(error).__name__}: {error})"
        return self._scrub(f"{where} {why}")[:400]

    def _scrub(self, text: str) -> str:
        """A server may echo the key in an error; it never reaches a note."""
        key = self._api_key.get_secret_value()
        return text.replace(key, "***") if len(key) >= 4 else text


def _public(url: str) -> str:
    """The URL without a user:password@ part."""
    parts = urlsplit(str(url).strip())
    if parts.username is None and parts.password is None:
        return str(url).strip()
    host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
    return parts._replace(netloc=host).geturl()


def _detail(error) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        body = body.get("detail") or body.get("message") or body.get("error") or body
    return " ".join(str(body or error.message).split())[:200]
