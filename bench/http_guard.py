"""The front door's cost: CPU per request of `bot.http_guard` in front of a WSGI app that does nothing.

In-process (no sockets, no Bolt), so the figure is the guard's own work: reading the body, the strict
timestamp check, slack_sdk's HMAC, parsing and the shape check (for a verified request), or the early
refusal (for a forged one). Bolt parses and verifies every verified body again after it.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from typing import Any

from bench.common import table, write_result
from bot.http_guard import guard_slack_posts
from bot.sandbox.slack.sender import sign

SECRET = "bench-signing-secret"


def _noop(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def _bodies() -> dict[str, tuple[str, bytes]]:
    action = {"type": "block_actions", "user": {"id": "URAVI", "team_id": "T1"}, "team": {"id": "T1"},
              "actions": [{"action_id": "1on1.accept", "value": "42", "block_id": "b"}],
              "message": {"text": "x" * 2000, "blocks": [{"type": "section"}] * 20},
              "container": {"type": "message", "channel_id": "C1", "message_ts": "1.2"}}
    values = {f"b{i}": {"a": {"type": "plain_text_input", "value": "y" * 1000}} for i in range(40)}
    submission = {"type": "view_submission", "user": {"id": "URAVI"}, "team": {"id": "T1"},
                  "view": {"id": "V1", "callback_id": "okr.new", "state": {"values": values}}}
    event = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1",
             "event": {"type": "reaction_added", "user": "U1", "reaction": "clap",
                       "item": {"type": "message", "channel": "C1", "ts": "1.2"}}}
    from urllib.parse import urlencode

    return {"reaction_added event (JSON, 0.3 KB)": ("application/json", json.dumps(event).encode()),
            "block_actions (form, 3 KB)": ("application/x-www-form-urlencoded",
                                           urlencode({"payload": json.dumps(action)}).encode()),
            "view_submission (form, 45 KB)": ("application/x-www-form-urlencoded",
                                              urlencode({"payload": json.dumps(submission)}).encode())}


def _environ(content_type: str, body: bytes, signature: str, stamp: int) -> dict[str, Any]:
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(stamp), "HTTP_X_SLACK_SIGNATURE": signature}


def _cpu_us(app: Any, content_type: str, body: bytes, signature: str, count: int) -> float:
    stamp = int(time.time())
    signature = signature or sign(SECRET, body, stamp)
    rounds = []
    for _ in range(3):
        started = time.process_time()
        for _ in range(count):
            app(_environ(content_type, body, signature, stamp), lambda *a: None)
        rounds.append((time.process_time() - started) / count * 1e6)
    return statistics.median(rounds)


def main(quick: bool = False) -> None:
    """Measure and write bench/results/http_guard.md."""
    import logging

    logging.getLogger("okrbot.http_guard").disabled = True  # a refusal logs a line; the bench measures the check
    count = 300 if quick else 3000
    guarded = guard_slack_posts(_noop, SECRET)
    rows = []
    for name, (content_type, body) in _bodies().items():
        bare = _cpu_us(_noop, content_type, body, "v0=" + "0" * 64, count)
        verified = _cpu_us(guarded, content_type, body, "", count)
        forged = _cpu_us(guarded, content_type, body, "v0=" + "0" * 64, count)
        rows.append((name, f"{bare:.0f}", f"{verified:.0f}", f"{forged:.0f}"))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    markdown = "\n".join([
        "# The front door: CPU per request (`bench/http_guard.py`)", "",
        "CPU µs per request of `bot.http_guard.guard_slack_posts` in front of a WSGI app that does nothing, "
        f"in-process (no sockets, no Bolt); median of 3 rounds of {count} requests. *Verified*: correctly "
        "signed, parsed and shape-checked, then passed on. *Forged*: a wrong signature, refused with 401 "
        "(its log line switched off for the measure). The machine is shared; run " + when + ".", "",
        table(("request", "no guard µs", "verified µs", "forged µs"), rows, "lrrr"), ""])
    write_result("http_guard", markdown)


if __name__ == "__main__":
    main()
