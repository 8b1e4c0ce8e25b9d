"""The running okrbot with the loopback model stand-in configured (OKRBOT_LLM_TIMEOUT=1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.fake_llm import FakeLlm
from tests.support.stack import Stack, start_stack


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    """The model stand-in."""
    running = FakeLlm().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def with_model(db_url: str, fake_llm: FakeLlm) -> Iterator[Stack]:
    """okrbot end to end with OKRBOT_LLM_URL pointing at the stand-in."""
    running = start_stack(db_url, env={"OKRBOT_LLM_URL": fake_llm.url, "OKRBOT_LLM_MODEL": "stub",
                                       "OKRBOT_LLM_API_KEY": "sk-e2e", "OKRBOT_LLM_TIMEOUT": "1"})
    try:
        yield running
    finally:
        running.close()
