"""The loopback language-model stand-in for unit tests of the client, the parser and the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.fake_llm import FakeLlm


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    """A running FakeLlm on an ephemeral loopback port."""
    running = FakeLlm().start()
    try:
        yield running
    finally:
        running.stop()
