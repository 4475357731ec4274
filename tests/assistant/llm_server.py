"""A tiny OpenAI-compatible chat server for tests: scripted answers per model name.

Runs stdlib ``http.server`` in a thread on 127.0.0.1; tests reach it through litellm with
``model="openai/<script>"`` and ``api_base=server.api_base``, exactly like a deployment.
Every request body is recorded so tests can assert what left the machine.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    content: str = ""
    status: int = 200
    delay: float = 0.0


Script = Callable[[dict[str, Any]], Reply]


@dataclass
class ScriptedLLM:
    scripts: dict[str, Script] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    raw_bodies: list[str] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def calls_to(self, model: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("model") == model]

    def start(self) -> ScriptedLLM:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                body = json.loads(raw)
                owner.raw_bodies.append(raw)
                owner.requests.append(body)
                script = owner.scripts.get(str(body.get("model")))
                reply = script(body) if script else Reply(status=404, content="no such model")
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply, str(body.get("model")))

            def _send(self, reply: Reply, model: str) -> None:
                if reply.status == 200:
                    payload: dict[str, Any] = {
                        "id": "chatcmpl-test", "object": "chat.completion", "created": 0,
                        "model": model,
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": reply.content}}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10,
                                  "total_tokens": 20},
                    }
                else:
                    payload = {"error": {"message": reply.content or "scripted failure",
                                         "type": "server_error", "code": reply.status}}
                data = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
