"""A loopback server that speaks the OpenAI chat-completions protocol (JSON, and SSE when asked
to stream) and replays scripted replies, for tests of the optional LLM path.

A script is a function of the request's messages returning a `Reply`: the text the "model"
writes, or an HTTP status with an error body, a delay before the first token, or a stream
whose events are not JSON."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    broken_stream: bool = False


Script = Callable[[list[dict]], Reply]


def passages(messages: list[dict]) -> dict[int, str]:
    """Passage number -> text, read back from the prompt the bot sent."""
    user = messages[-1]["content"]
    found = re.findall(r"^\[(\d+)\] \([^\n]*\)\n(.*?)(?=\n\n\[\d+\] \(|\n\nQuestion: )", user, re.S | re.M)
    return {int(n): text for n, text in found}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model", "owned_by": "tests"}]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.server.requests.append({"path": self.path, "body": body,
                                     "authorization": self.headers.get("Authorization", "")})
        if not self.path.endswith("/chat/completions"):
            return self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
        if self.server.key and self.headers.get("Authorization") != f"Bearer {self.server.key}":
            return self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                              "code": "invalid_api_key"}})
        reply = self.server.script(body["messages"])
        if reply.status != 200:
            return self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
        if not body.get("stream"):
            time.sleep(reply.first_token_delay)
            return self._json(200, {
                "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        time.sleep(reply.first_token_delay)
        try:
            for event in self._events(reply, body["model"]):
                self.wfile.write(f"data: {event}\n\n".encode())
                self.wfile.flush()
                time.sleep(reply.token_delay)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _events(reply: Reply, model: str) -> Iterator[str]:
        if reply.broken_stream:
            yield "{not json"
            return
        base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
        yield json.dumps({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                               "finish_reason": None}]})
        for i in range(0, len(reply.text), 7):
            yield json.dumps({**base, "choices": [{"index": 0, "delta": {"content": reply.text[i:i + 7]},
                                                   "finish_reason": None}]})
        yield json.dumps({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        yield "[DONE]"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script, key: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script, self.key = script, key
        self.requests: list[dict] = []


@contextmanager
def openai_server(script: Script, key: str = "") -> Iterator[_Server]:
    """Serve `script` on a free loopback port; `server.url` is the API root (…/v1)."""
    server = _Server(script, key)
    server.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
