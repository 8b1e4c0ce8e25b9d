"""Answers are parsed strictly against each task's JSON schema."""

from __future__ import annotations

import json

import pytest

from bot.services.llm.answers import parse_answer
from bot.services.llm.client import LlmError


def test_three_steps_are_accepted_and_whitespace_is_tidied() -> None:
    """{"steps": [3 strings]} parses; inner whitespace collapses."""
    answer = parse_answer("next_steps", json.dumps({"steps": ["a  b", "c", "d\ne"]}))
    assert answer == {"steps": ("a b", "c", "d e")}


def test_one_code_fence_is_tolerated() -> None:
    """```json … ``` around the object is unwrapped, the JSON inside still checked."""
    fenced = "```json\n" + json.dumps({"points": ["raise the hiring plan"]}) + "\n```"
    assert parse_answer("prepare", fenced) == {"points": ("raise the hiring plan",)}


@pytest.mark.parametrize("content", [
    "Sure! Here are three steps: …",
    json.dumps({"steps": ["a", "b"]}),
    json.dumps({"steps": ["a", "b", "c", "d"]}),
    json.dumps({"steps": ["a", "b", 3]}),
    json.dumps({"steps": ["a", "b", "   "]}),
    json.dumps({"steps": ["a", "b", "c"], "extra": "x"}),
    json.dumps({"steps": ["a", "b", "x" * 301]}),
    json.dumps(["a", "b", "c"]),
])
def test_anything_else_is_refused(content: str) -> None:
    """Prose, wrong counts, wrong types, blanks, extra keys and over-long items raise LlmError(bad_answer)."""
    with pytest.raises(LlmError) as caught:
        parse_answer("next_steps", content)
    assert caught.value.kind == "bad_answer"


def test_a_summary_needs_its_two_keys() -> None:
    """summary + action_items (0–5) parse; a missing key is refused."""
    assert parse_answer("summary", json.dumps({"summary": "ok", "action_items": []})) == {
        "summary": "ok", "action_items": ()}
    with pytest.raises(LlmError):
        parse_answer("summary", json.dumps({"summary": "ok"}))
