"""Ravi reports to Maria in these journeys: `/request-1on1 @maria …` goes straight to his manager on record
(a request to someone else waits for the requester's confirming click, tested in test_meetings.py)."""

from __future__ import annotations

import pytest

from tests.support.stack import Stack


@pytest.fixture(autouse=True)
def ravi_reports_to_maria(request: pytest.FixtureRequest) -> None:
    """Record Ravi's manager before each test that runs the stack."""
    if "stack" in request.fixturenames:
        stack: Stack = request.getfixturevalue("stack")
        stack.set_manager("URAVI", "UMARIA")
