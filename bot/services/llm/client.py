"""A minimal OpenAI-compatible chat-completions client on the standard library (urllib).

Errors come back as `LlmError` with a `kind` (timeout, rate_limited, unavailable, bad_answer) and a message a
person can read. Nothing here logs the API key, the prompt or the answer: only the host, the status and timings.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("okrbot.llm")

MAX_ANSWER_BYTES = 256 * 1024

MESSAGES = {
    "timeout": "The language model did not answer within {timeout:g} s. Nothing was changed; try again in a moment.",
    "rate_limited": "The language model is busy right now (rate limited). Nothing was changed; try again in a "
                    "minute.",
    "unavailable": "The language model could not be reached ({detail}). Nothing was changed; try again later, or ask "
                   "your admin to run `okrbot llm check`.",
    "bad_answer": "The language model's answer was not in the expected form, so I did not use it. Nothing was "
                  "changed; try again.",
}


class LlmError(Exception):
    """The model could not give a usable answer; `message` is what the person reads."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def endpoint_of(url: str) -> str:
    """The chat-completions URL: `url` as is when it ends with /chat/completions, else `url` + /chat/completions."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else url + "/chat/completions"


def host_of(url: str) -> str:
    """The host (and port) of the endpoint, as the Home's Privacy section names it."""
    parts = urlsplit(url)
    return parts.netloc.rsplit("@", 1)[-1] or url


@dataclass(frozen=True)
class LlmClient:
    """Posts one chat completion and returns the assistant's text."""

    url: str
    model: str
    api_key: str | None = field(repr=False)  # never in a repr, so never in a log line
    timeout: float

    def complete(self, messages: list[dict[str, str]], *, json_answer: bool = True) -> str:
        """The content of the first choice; raises LlmError on timeouts, 429, other failures and odd envelopes."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0.2, "stream": False}
        if json_answer:
            body["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        # OKRBOT_LLM_URL is checked to be http(s) in bot/settings.py.
        request = urllib.request.Request(endpoint_of(self.url), data=json.dumps(body).encode(),  # noqa: S310
                                         headers=headers, method="POST")
        host, started = host_of(self.url), time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            log.warning("llm at %s answered HTTP %s after %.0f ms", host, error.code,
                        (time.monotonic() - started) * 1000)
            if error.code == 429:
                raise LlmError("rate_limited", MESSAGES["rate_limited"]) from None
            raise LlmError("unavailable", MESSAGES["unavailable"].format(detail=f"HTTP {error.code}")) from None
        except TimeoutError as error:
            log.warning("llm at %s timed out after %.0f ms", host, (time.monotonic() - started) * 1000)
            raise LlmError("timeout", MESSAGES["timeout"].format(timeout=self.timeout)) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                log.warning("llm at %s timed out after %.0f ms", host, (time.monotonic() - started) * 1000)
                raise LlmError("timeout", MESSAGES["timeout"].format(timeout=self.timeout)) from None
            log.warning("llm at %s unreachable: %s", host, type(error.reason).__name__)
            raise LlmError("unavailable", MESSAGES["unavailable"].format(detail="no connection")) from None
        except OSError as error:
            log.warning("llm at %s failed: %s", host, type(error).__name__)
            raise LlmError("unavailable", MESSAGES["unavailable"].format(detail="connection failed")) from None
        log.debug("llm at %s answered in %.0f ms (%d bytes)", host, (time.monotonic() - started) * 1000, len(raw))
        return _content(raw)


def _content(raw: bytes) -> str:
    """choices[0].message.content of an OpenAI-style answer, else LlmError(bad_answer)."""
    if len(raw) > MAX_ANSWER_BYTES:
        raise LlmError("bad_answer", MESSAGES["bad_answer"])
    try:
        envelope = json.loads(raw)
        content = envelope["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmError("bad_answer", MESSAGES["bad_answer"]) from None
    if not isinstance(content, str) or not content.strip():
        raise LlmError("bad_answer", MESSAGES["bad_answer"])
    return content
