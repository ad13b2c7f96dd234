"""FastAPI reference backend: the text/plain chatbot stream of incident 000.

MODE=naive is the code before incident 000's fixes; MODE=hardened (default) is the code after them,
with the Node backend's H1-H11 semantics where they apply to a text/plain stream. BUGS=a,b switches
single behaviours back (see examples/README.md). Run with Debian's packages only:

    PROVIDER_BASE_URL=http://127.0.0.1:4010/v1 /usr/bin/python3 -m uvicorn app:app --port 8080
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from typing import AsyncIterator, Dict, List, Optional

import anyio
import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

# Each switch reintroduces one incident-000 behaviour; MODE=naive turns on the whole pre-fix set.
KNOWN_BUGS = {
    "headers-before-first-chunk": "000 issue 1: StreamingResponse returned before the upstream is contacted",
    "raise-mid-stream": "000 issue 2: a mid-stream exception escapes the generator; uvicorn cuts the body",
    "cleanup-error-marker": "000 issue 3: a cleanup error after a complete answer becomes a STREAM_ERROR marker",
    "stream-options-always": "000 issue 4: stream_options sent to every provider",
    "no-anti-buffering-headers": "001: no X-Accel-Buffering / Cache-Control, nginx buffers",
    "silent-errors": "000 issue 1: the app logs nothing about upstream failures",
    "no-upstream-timeout": "001: no bound on a silent upstream",
    "accounting-failure": "002: accounting before the end of the stream fails without a usage chunk",
    "no-upstream-cancel": "003 (kill -9 on disconnect): a client disconnect leaves the provider call running",
}
NAIVE_BUGS = {
    "headers-before-first-chunk",
    "raise-mid-stream",
    "cleanup-error-marker",
    "stream-options-always",
    "no-anti-buffering-headers",
    "silent-errors",
}
STATUS_FOR_KIND = {"http": 502, "connect": 502, "timeout": 504, "transport": 502, "stream": 502,
                   "malformed": 502, "truncated": 502}


def _fail_config(message: str) -> None:
    sys.stderr.write(f"fastapi-backend: {message}\n")
    raise SystemExit(2)


@dataclass(frozen=True)
class Config:
    base_url: str
    api_key: str
    model: str
    timeout_s: Optional[float]
    stream_options: bool
    bugs: frozenset


def load_config(env: Dict[str, str]) -> Config:
    mode = env.get("MODE", "hardened")
    if mode not in ("hardened", "naive"):
        _fail_config(f'MODE={mode} must be "hardened" or "naive"')
    bugs = set(NAIVE_BUGS if mode == "naive" else ())
    for name in (b.strip() for b in env.get("BUGS", "").split(",")):
        if not name:
            continue
        if name not in KNOWN_BUGS:
            _fail_config(f'BUGS: unknown bug "{name}"; known bugs: {", ".join(KNOWN_BUGS)}')
        bugs.add(name)
    base_url = env.get("PROVIDER_BASE_URL", "").rstrip("/")
    if not base_url:
        _fail_config("PROVIDER_BASE_URL is required (an OpenAI-compatible base ending in /v1)")
    stream_options = env.get("STREAM_OPTIONS", "off")
    if stream_options not in ("on", "off"):
        _fail_config(f'STREAM_OPTIONS={stream_options} must be "on" or "off"')
    try:
        timeout_ms = int(env.get("UPSTREAM_TIMEOUT_MS", "30000"))
    except ValueError:
        _fail_config("UPSTREAM_TIMEOUT_MS must be an integer")
    return Config(
        base_url=base_url,
        api_key=env.get("PROVIDER_API_KEY", ""),
        model=env.get("MODEL", "") or "gpt-4o-mini",
        timeout_s=None if "no-upstream-timeout" in bugs else timeout_ms / 1000,
        stream_options=stream_options == "on",
        bugs=frozenset(bugs),
    )


config = load_config(dict(os.environ))

# The app's own logger writes to stderr; it does not propagate, so uvicorn's loggers stay as they are.
logger = logging.getLogger("fastapi_backend")
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
logger.addHandler(_handler)
logger.setLevel(logging.INFO)
logger.propagate = False


def report(level: int, message: str, *args: object) -> None:
    """Upstream failures; silenced by `silent-errors` (incident 000: "zero errors in the logs")."""
    if "silent-errors" not in config.bugs:
        logger.log(level, message, *args)


class UpstreamFailure(Exception):
    def __init__(self, kind: str, message: str, status: Optional[int] = None,
                 retry_after: Optional[str] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


class SseParser:
    """Incremental SSE parsing per the WHATWG rules: LF, CRLF and bare CR line ends (a CR at the end
    of a read waits for the next read), comments ignored, events split across reads carried over,
    and a final event without its blank line dropped."""

    _LINE_END = re.compile(r"\r\n|\r|\n")

    def __init__(self) -> None:
        self._buffer = ""
        self._data: List[str] = []
        self._event: Optional[str] = None

    def feed(self, text: str) -> List[tuple]:
        self._buffer += text
        events = []
        while True:
            match = self._LINE_END.search(self._buffer)
            if match is None or (match.group() == "\r" and match.end() == len(self._buffer)):
                return events
            line = self._buffer[: match.start()]
            self._buffer = self._buffer[match.end():]
            if line == "":
                if self._data:
                    events.append((self._event, "\n".join(self._data)))
                self._data, self._event = [], None
            elif line.startswith(":"):
                continue
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    self._data.append(value)
                elif name == "event":
                    self._event = value


@dataclass
class UpstreamState:
    finish_reason: Optional[str] = None
    terminated: bool = False
    usage: Optional[Dict[str, int]] = None
    answer: List[str] = field(default_factory=list)


def _error_message(body: str) -> str:
    try:
        parsed = json.loads(body)
        error = parsed.get("error") if isinstance(parsed, dict) else None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
    except ValueError:
        pass
    return body[:200]


async def _tokens(response: httpx.Response, state: UpstreamState) -> AsyncIterator[str]:
    if response.status_code >= 400:
        body = (await response.aread()).decode("utf-8", "replace")
        raise UpstreamFailure(
            "http", f"upstream answered {response.status_code}: {_error_message(body)}",
            response.status_code, response.headers.get("retry-after"))
    parser = SseParser()
    async for text in response.aiter_text():
        for _event, data in parser.feed(text):
            if data.strip() == "[DONE]":
                # Done means done: a provider that holds the connection open after [DONE] must not
                # hold the client too.
                state.terminated = True
                return
            try:
                chunk = json.loads(data)
            except ValueError:
                raise UpstreamFailure("malformed", f"malformed upstream event: {data[:120]!r}")
            if not isinstance(chunk, dict):
                raise UpstreamFailure("malformed", f"malformed upstream event: {data[:120]!r}")
            if chunk.get("error") is not None:
                error = chunk["error"]
                detail = error.get("message") if isinstance(error, dict) else error
                raise UpstreamFailure("stream", f"upstream error event: {detail}")
            choices = chunk.get("choices") or []
            choice = choices[0] if choices and isinstance(choices[0], dict) else {}
            content = (choice.get("delta") or {}).get("content")
            if isinstance(content, str) and content:
                state.answer.append(content)
                yield content
            if isinstance(choice.get("finish_reason"), str):
                state.finish_reason = state.finish_reason or choice["finish_reason"]
            usage = chunk.get("usage")
            if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                state.usage = usage


async def read_upstream(message: str, state: UpstreamState) -> AsyncIterator[str]:
    """Yields the provider's tokens; raises UpstreamFailure for everything that goes wrong. The httpx
    stream is closed on every exit (also on cancellation), so the provider sees the connection end."""
    payload: Dict[str, object] = {
        "model": config.model,
        "messages": [{"role": "user", "content": message}],
        "stream": True,
    }
    if config.stream_options or "stream-options-always" in config.bugs:
        payload["stream_options"] = {"include_usage": True}
    headers = {"accept": "text/event-stream"}
    if config.api_key:
        headers["authorization"] = f"Bearer {config.api_key}"
    # httpx's read timeout bounds the wait for the first byte and every silence after it.
    timeout = httpx.Timeout(config.timeout_s)
    # The client and the response are closed by hand under a shield: Starlette cancels this task when
    # the browser leaves, and anyio re-raises the cancellation at every await, which would abort an
    # unshielded `async with` cleanup before the socket is closed (the provider would keep sending).
    client = httpx.AsyncClient(timeout=timeout)
    try:
        request = client.build_request("POST", f"{config.base_url}/chat/completions", json=payload,
                                       headers=headers)
        response = await client.send(request, stream=True)
        try:
            async for token in _tokens(response, state):
                yield token
        finally:
            with anyio.CancelScope(shield=True):
                await response.aclose()
    except httpx.TimeoutException as error:
        raise UpstreamFailure("timeout", f"no data from upstream for {config.timeout_s}s ({type(error).__name__})")
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        raise UpstreamFailure("connect", f"upstream unreachable: {error}")
    except httpx.HTTPError as error:
        raise UpstreamFailure("transport", f"upstream connection lost: {type(error).__name__}: {error}")
    finally:
        with anyio.CancelScope(shield=True):
            await client.aclose()


def account(state: UpstreamState, strict: bool) -> Dict[str, object]:
    if state.usage is not None:
        return {"input": state.usage.get("prompt_tokens", 0), "output": state.usage["completion_tokens"],
                "source": "upstream"}
    if strict:
        raise RuntimeError("accounting failed: the upstream sent no usage chunk, cannot price the answer")
    return {"input": 0, "output": -(-len("".join(state.answer)) // 4), "source": "estimate"}


def marker(message: str) -> str:
    # The frontend's regex is /\n?\n?<!--STREAM_ERROR:(.+?)-->$/: keep the message on one line, no "-->".
    return "\n\n<!--STREAM_ERROR:" + " ".join(message.replace("-->", "- ->").split()) + "-->"


class Superseded(Exception):
    """A newer request on the same session took over (incident 003's StreamRegistry)."""


_running: "set[asyncio.Task]" = set()


class UpstreamPump:
    """Reads the provider in its own task and queues what it finds. The response generator only
    waits on the queue, so cancelling the provider call never depends on where Starlette happens to
    suspend or finalize the generator: `cancel()` closes the httpx stream in the pump's own task."""

    def __init__(self, message: str) -> None:
        self.state = UpstreamState()
        self._queue: "asyncio.Queue[tuple]" = asyncio.Queue()
        self._task = asyncio.ensure_future(self._run(message))
        # asyncio keeps only weak references to tasks: hold it until it is done.
        _running.add(self._task)
        self._task.add_done_callback(_running.discard)

    async def _run(self, message: str) -> None:
        upstream = read_upstream(message, self.state)
        try:
            async for token in upstream:
                self._queue.put_nowait(("token", token))
            self._queue.put_nowait(("end", None))
        except UpstreamFailure as failure:
            self._queue.put_nowait(("failure", failure))
        except Exception as error:  # noqa: BLE001 - surfaced to the response as a failure
            self._queue.put_nowait(("failure", UpstreamFailure("transport", f"{type(error).__name__}: {error}")))
        finally:
            await closed(upstream)

    async def next(self) -> tuple:
        return await self._queue.get()

    def cancel(self) -> None:
        self._task.cancel()

    def supersede(self) -> None:
        self._task.cancel()
        self._queue.put_nowait(("superseded", None))


class SessionRegistry:
    """At most one stream per session: a new request supersedes the old one before it starts."""

    def __init__(self) -> None:
        self._active: Dict[str, UpstreamPump] = {}

    def claim(self, session_id: Optional[str], pump: UpstreamPump) -> None:
        if session_id is None:
            return
        previous = self._active.get(session_id)
        self._active[session_id] = pump
        if previous is not None:
            logger.warning("stream superseded by a newer request on its session, upstream cancelled")
            previous.supersede()

    def release(self, session_id: Optional[str], pump: UpstreamPump) -> None:
        if session_id is not None and self._active.get(session_id) is pump:
            del self._active[session_id]


sessions = SessionRegistry()


async def chatbot_stream(pump: UpstreamPump, eager: bool, session_id: Optional[str]) -> AsyncIterator[str]:
    """The generator behind the response. `eager` means the router awaits its first chunk, so a
    failure before any token propagates to the router as an HTTP error (incident 000 issue 1 fix)."""
    state = pump.state
    has_yielded = False
    try:
        after_finish: Optional[str] = None
        while True:
            kind, value = await pump.next()
            if kind == "token":
                has_yielded = True
                yield value
                continue
            if kind == "superseded":
                raise Superseded("superseded")
            if kind == "failure":
                if state.finish_reason is None:
                    raise value
                after_finish = str(value)
            break
        if state.finish_reason is None:
            raise UpstreamFailure("truncated", "upstream stream ended without a finish reason")
        if after_finish is None and not state.terminated:
            after_finish = "upstream stream ended without [DONE]"
        if after_finish is not None:
            if "cleanup-error-marker" in config.bugs:
                # Incident 000 issue 3: the generator's handler turned the cleanup error into a
                # marker after the complete answer (that handler already existed: issue 2's fix).
                report(logging.ERROR, "upstream failed during cleanup: %s", after_finish)
                yield marker(after_finish)
                return
            report(logging.WARNING, "upstream problem after the finish reason, answer was complete: %s",
                   after_finish)
        if "accounting-failure" in config.bugs:
            # Incident 002: accounting inside the stream's try, before the end, without a fallback.
            usage = account(state, strict=True)
            logger.info("usage input=%s output=%s source=%s", usage["input"], usage["output"], usage["source"])
            return
    except Superseded:
        if not has_yielded and eager:
            raise  # the router answers 409
        yield marker("superseded")
        return
    except (asyncio.CancelledError, GeneratorExit):
        # Starlette cancels (or later closes) the generator when the client leaves.
        if "no-upstream-cancel" in config.bugs:
            logger.warning("client disconnected, upstream left running")
        else:
            pump.cancel()
            logger.warning("client disconnected, upstream cancelled")
        raise
    except Exception as error:  # noqa: BLE001 - every failure must end in a marker or an HTTP error
        if not has_yielded and eager:
            raise  # the router answers it as an HTTP error
        report(logging.ERROR, "upstream failed after the response started: %s", error)
        if "raise-mid-stream" in config.bugs:
            # Incident 000 issue 2: uvicorn logs the traceback and closes the socket, no 0\r\n\r\n.
            raise
        yield marker(str(error))
        return
    finally:
        sessions.release(session_id, pump)
    try:
        usage = account(state, strict=False)
        logger.info("usage input=%s output=%s source=%s", usage["input"], usage["output"], usage["source"])
    except Exception as error:  # noqa: BLE001 - accounting never touches the response (H9)
        logger.error("accounting failed; the response was already complete: %s", error)


async def closed(gen) -> None:
    """Close an async generator now, in this task, even while being cancelled: an unshielded close
    is itself cancelled by anyio, and leaving it to the garbage collector finalizes it in another
    task (anyio's "exit cancel scope in a different task", wire-formats B3)."""
    with anyio.CancelScope(shield=True):
        await gen.aclose()


async def _client_left(request: Request) -> None:
    """Resolves on `http.disconnect`. The body was read already, so the next message is that one."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


app = FastAPI()


def _stream_headers() -> Dict[str, str]:
    if "no-anti-buffering-headers" in config.bugs:
        return {}
    return {"X-Accel-Buffering": "no", "Cache-Control": "no-cache"}


@app.get("/health")
async def health() -> Dict[str, bool]:
    return {"ok": True}


@app.post("/chatbot/chat")
async def chatbot_chat(request: Request):
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"detail": "the request body must be JSON"}, status_code=400)
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        return JSONResponse({"detail": '"message" must be a non-empty string'}, status_code=400)
    session_id = body.get("session_id")
    if not isinstance(session_id, str) or not session_id:
        session_id = None

    pump = UpstreamPump(message)
    sessions.claim(session_id, pump)

    if "headers-before-first-chunk" in config.bugs:
        # Incident 000 issue 1: the 200 goes out before the provider was asked anything.
        return StreamingResponse(chatbot_stream(pump, False, session_id), media_type="text/plain",
                                 headers=_stream_headers())

    gen = chatbot_stream(pump, True, session_id).__aiter__()
    # Eager first chunk, raced against the client leaving: Starlette only watches for a disconnect
    # once the StreamingResponse runs, and a user who closed the tab must stop the provider call now.
    first_task = asyncio.ensure_future(gen.__anext__())
    left_task = asyncio.ensure_future(_client_left(request))
    await asyncio.wait({first_task, left_task}, return_when=asyncio.FIRST_COMPLETED)
    left_task.cancel()
    if not first_task.done():
        first_task.cancel()
        try:
            await first_task
        except (asyncio.CancelledError, StopAsyncIteration, Exception):  # noqa: BLE001 - nobody is listening
            pass
        return Response(status_code=499)
    try:
        first = first_task.result()
    except StopAsyncIteration:
        return StreamingResponse(iter(()), media_type="text/plain", headers=_stream_headers())
    except Superseded:
        return JSONResponse({"detail": "superseded"}, status_code=409)
    except UpstreamFailure as failure:
        report(logging.ERROR, "upstream failed before the first token: %s", failure)
        status = 429 if failure.status == 429 else STATUS_FOR_KIND.get(failure.kind, 502)
        headers = {"retry-after": failure.retry_after} if status == 429 and failure.retry_after else {}
        return JSONResponse({"detail": str(failure)}, status_code=status, headers=headers)

    async def with_first() -> AsyncIterator[str]:
        try:
            yield first
            async for chunk in gen:
                yield chunk
        finally:
            await closed(gen)

    return StreamingResponse(with_first(), media_type="text/plain", headers=_stream_headers())
