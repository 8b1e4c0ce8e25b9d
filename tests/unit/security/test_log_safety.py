"""Log lines never carry tokens, secrets or payload bodies, whatever logger or level writes them."""

from __future__ import annotations

import logging

import pytest

from bot import log_safety


@pytest.fixture(autouse=True)
def installed() -> None:
    log_safety.install(secrets=["unit-secret-value-123"], quiet=False)


def test_tokens_and_registered_secrets_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    """xoxb-, xoxp-, xapp-, xoxe- tokens and registered secrets become [redacted], in messages and arguments."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("okrbot.test").warning("t %s %s %s %s and unit-secret-value-123", "xoxb-1-2-abc",
                                             "xoxp-9-z", "xapp-1-A1-2-ff", "xoxe.xoxp-1-qq")
    assert caplog.records[-1].getMessage() == "t [redacted] [redacted] [redacted] [redacted] and [redacted]"


def test_tracebacks_are_redacted_too(caplog: pytest.LogCaptureFixture) -> None:
    """An exception whose message holds a token is logged without it."""
    try:
        raise RuntimeError("bad token xoxb-7-SECRETISH")
    except RuntimeError:
        logging.getLogger("okrbot.test").exception("failed")
    assert "SECRETISH" not in caplog.text and "[redacted]" in caplog.text


@pytest.mark.parametrize(("name", "message", "kept"), [
    ("okrbot.bolt", "Invalid request signature detected (signature: v0=1, timestamp: abc, body: payload=private)",
     "Invalid request signature detected"),
    ("slack_sdk.web.base_client", "Received the following response - status: 200, headers: {}, body: {'x': 1}",
     "Received the following response - status: 200"),
    ("slack_bolt.App", "Unhandled request ({'type': 'x', 'text': 'private'})", "Unhandled request"),
    ("slack_sdk.socket_mode.builtin.client", "on_message invoked: (message: {\"text\": \"private\"})",
     "on_message invoked"),
])
def test_third_party_payload_lines_keep_their_first_words_only(caplog: pytest.LogCaptureFixture, name: str,
                                                               message: str, kept: str) -> None:
    """Bolt's and slack_sdk's lines that carry a body keep what happened and withhold the rest."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger(name).warning(message)
    line = caplog.records[-1].getMessage()
    assert line.startswith(kept) and "private" not in line and "withheld" in line


def test_okrbot_lines_are_kept_whole(caplog: pytest.LogCaptureFixture) -> None:
    """okrbot's own lines (reason and request id) are not cut."""
    logging.getLogger("okrbot.http_guard").warning("refused POST %s: %s (request %s)", "/slack/events",
                                                   "bad signature", "abc123")
    assert caplog.records[-1].getMessage() == "refused POST /slack/events: bad signature (request abc123)"


def test_quiet_sources_keep_payload_loggers_above_debug() -> None:
    """At the source: slack_sdk and Bolt loggers stay at INFO even when the root logger is at DEBUG."""
    saved = {name: logging.getLogger(name).level for name in ("slack_sdk", "slack_bolt")}
    try:
        for name in saved:
            logging.getLogger(name).setLevel(logging.NOTSET)
        log_safety.quiet_sources()
        assert not logging.getLogger("slack_sdk.web.base_client").isEnabledFor(logging.DEBUG)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
