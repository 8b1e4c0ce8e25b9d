"""A loopback stand-in for an OpenAI-compatible chat-completions endpoint (`okrbot sandbox --llm-stub`, tests).

A real HTTP server on 127.0.0.1 answering POST /v1/chat/completions with canned, clearly labelled answers
("[stand-in model] …") in the JSON each okrbot task asks for. It records every request, so tests can read
exactly what reached "the model", and can be switched to misbehave:

    mode = "ok"            canned answers
    mode = "slow"          waits `delay` seconds before answering (a timeout for okrbot)
    mode = "fail"          HTTP 500
    mode = "rate_limited"  HTTP 429 with Retry-After
    mode = "malformed"     a well-formed envelope whose content is not the asked-for JSON
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LABEL = "[stand-in model]"
CANNED: dict[str, dict[str, Any]] = {
    "next_steps": {"steps": [
        f"{LABEL} Book 30 minutes with whoever owns the blocker this week & agree on one date",
        f"{LABEL} Split the key result into a smaller milestone you can hit in two weeks",
        f"{LABEL} Post a short status in the OKR thread and ask for one specific kind of help",
    ]},
    "summary": {"summary": f"{LABEL} Reviewed progress and agreed on the next milestone",
                "action_items": [f"{LABEL} Share the updated plan by Friday",
                                 f"{LABEL} Check in on the key result next week"]},
    "prepare": {"points": [f"{LABEL} Start with the key result that is furthest behind and what blocks it",
                           f"{LABEL} Ask for the one decision you need from your manager",
                           f"{LABEL} Close the open tasks from your last 1-on-1"]},
}


def task_of(messages: list[dict[str, Any]]) -> str:
    """Which okrbot task a request is, from the JSON keys its system message asks for."""
    system = next((m.get("content", "") for m in messages if m.get("role") == "system"), "")
    for task, key in (("next_steps", '"steps"'), ("summary", '"summary"'), ("prepare", '"points"')):
        if key in system:
            return task
    return "check"


class FakeLlm:
    """The stand-in server: `start()`, then point OKRBOT_LLM_URL at `url`; `requests` holds what it received."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.mode = "ok"
        self.delay = 5.0
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL to put in OKRBOT_LLM_URL (okrbot appends /chat/completions)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLlm:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()

    def sent_text(self) -> str:
        """Every message content received so far, joined (for "this string never reached the model")."""
        with self._lock:
            return "\n".join(str(m.get("content", "")) for r in self.requests for m in r.get("messages", []))

    def _answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "fail":
            return 500, {"error": {"message": "stand-in failure"}}
        if self.mode == "rate_limited":
            return 429, {"error": {"message": "slow down"}}
        task = task_of(body.get("messages") or [])
        content = "Sure! Here are some ideas: do more." if self.mode == "malformed" else json.dumps(
            CANNED.get(task, {"ok": True}))
        return 200, {"id": "fake-1", "object": "chat.completion", "model": body.get("model", ""),
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": content}}]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # quiet: tests and the sandbox read `requests`
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, {"error": {"message": "bad json"}})
                    return
                with fake._lock:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, answer = fake._answer(body)
                self._send(status, answer)

            def _send(self, status: int, answer: dict[str, Any]) -> None:
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("Retry-After", "30")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): fine
                    pass

        return Handler


def stub_settings() -> tuple[FakeLlm, dict[str, str]]:
    """A started stand-in and the settings that point okrbot at it (`okrbot sandbox --llm-stub`)."""
    fake = FakeLlm().start()
    return fake, {"OKRBOT_LLM_URL": fake.url, "OKRBOT_LLM_MODEL": "okrbot-stand-in", "OKRBOT_LLM_API_KEY": ""}
