"""The daily allowance across a local midnight in a non-UTC timezone, with the wall clock frozen (freezegun)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import freezegun
import pytest
from freezegun import freeze_time
from freezegun.config import DEFAULT_IGNORE_LIST

from tests.e2e.kudos.slack import kudos_command, kudos_rows, react
from tests.support.reading import dms, listeners_done
from tests.support.stack import Stack, start_stack

KUDOS = {"OKRBOT_KUDOS_CHANNEL": "CKUDOS", "OKRBOT_KUDOS_DAILY_LIMIT": "5"}


@pytest.fixture
def frozen_stack(db_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[Stack, Any]]:
    """okrbot started and stopped under a frozen, ticking wall clock that every thread sees.

    freezegun gives code called from the `threading` module the real time by default; Bolt, the HTTP
    servers and the outbox sender run in threads, so that exception is lifted here: otherwise Bolt would
    compare a real start time with a frozen "now" and give up waiting for ack().
    """
    freezegun.configure(default_ignore_list=[m for m in DEFAULT_IGNORE_LIST if m not in ("threading", "queue")])
    try:
        with freeze_time(request.param, tick=True) as frozen:
            running = start_stack(db_url, env=KUDOS)
            try:
                yield running, frozen
            finally:
                running.close()
    finally:
        freezegun.configure(default_ignore_list=DEFAULT_IGNORE_LIST)


@pytest.mark.parametrize("frozen_stack", ["2026-11-16 18:00:00"], indirect=True)
def test_the_allowance_resets_at_the_givers_local_midnight(frozen_stack: tuple[Stack, Any]) -> None:
    """Ravi (Kolkata, UTC+5:30) claps seven times at 23:30 local: five count, one DM says when it resets;
    at 00:01 local (18:31 UTC) his next clap counts, on his new local day."""
    stack, frozen = frozen_stack
    messages = [stack.slack.post_user_message("ULENA", "CGENERAL", f"update {n}") for n in range(8)]
    for message in messages[:7]:
        react(stack, "URAVI", message)
        listeners_done(stack)
    stack.deliver()
    assert len(kudos_rows(stack)) == 5
    told = [m for m in dms(stack, "URAVI") if "resets" in json.dumps(m["blocks"])]
    assert len(told) == 1 and "midnight your time" in told[0]["text"]

    frozen.move_to("2026-11-16 18:31:00")
    react(stack, "URAVI", messages[7])
    listeners_done(stack)
    rows = kudos_rows(stack)
    assert len(rows) == 6 and rows[-1].giver_local_day == date(2026, 11, 17)


@pytest.mark.parametrize("frozen_stack", ["2026-11-17 04:50:00"], indirect=True)
def test_the_command_says_when_the_allowance_resets(frozen_stack: tuple[Stack, Any]) -> None:
    """Lena (New York, UTC-5) at 23:50 local on her sixth /kudos is told it resets at midnight, in 10 min."""
    stack, _ = frozen_stack
    for n in range(5):
        kudos_command(stack, "ULENA", f"<@URAVI> thanks {n}")
        stack.slack.wait_for("response_url", count=n + 1)
    kudos_command(stack, "ULENA", "<@UTOM> one more")
    replies = stack.slack.wait_for("response_url", count=6)
    assert "resets at midnight your time, in 10 min" in replies[-1].args["text"]
    assert len(kudos_rows(stack)) == 5
