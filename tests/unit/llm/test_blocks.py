"""Block Kit of the LLM features: within Slack's limits, model text escaped, the privacy part says what it must."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.blocks import llm as blocks
from bot.sandbox.slack.blockkit import view_errors
from bot.views.llm import ExchangeView, LlmNotice, PrepareDraft, Suggestions, SummaryDraft

HOSTILE = "Ping <!channel> & <https://evil.example|click> <@UBOSS> " + "x" * 250
AT = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def suggestions(**changes: object) -> Suggestions:
    """Three steps, one of them hostile."""
    values = {"exchange_id": 7, "key_result_id": 3, "objective_id": 2, "title": "Activated <teams>",
              "owner_id": "URAVI", "steps": (HOSTILE, "Call the data team", "Ship a smaller milestone"),
              "can_check_in": True, "one_on_one_id": 5}
    return Suggestions(**{**values, **changes})  # type: ignore[arg-type]


def mrkdwn_texts(view: dict) -> str:
    """Every mrkdwn text of a view (where Slack would parse markup)."""
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(view)
    return "\n".join(found)


VIEWS = {
    "steps": lambda: blocks.steps_modal(suggestions()),
    "steps_no_destination": lambda: blocks.steps_modal(suggestions(can_check_in=False, one_on_one_id=None)),
    "summary": lambda: blocks.summary_draft_modal(SummaryDraft(1, 9, "UMARIA", "URAVI", "UMARIA", HOSTILE[:300],
                                                               (HOSTILE, "b")), "URAVI"),
    "prepare": lambda: blocks.prepare_modal(PrepareDraft(1, "UMARIA", (HOSTILE, "b"))),
    "sent": lambda: blocks.sent_modal(ExchangeView(1, "next_steps", HOSTILE * 60, "ok", AT, "llm.internal:8000")),
    "thinking": lambda: blocks.thinking_modal("Suggested next steps", 20),
    "failed": lambda: blocks.failed_modal("Draft summary", "The model <timed> out & more", 4),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_modal_is_one_slack_accepts(name: str) -> None:
    """No Block Kit error (lengths, counts, ids), whatever the model answered."""
    assert view_errors(VIEWS[name](), kind="modal") == []


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_model_text_cannot_forge_mentions_or_links(name: str) -> None:
    """&, < and > of answers and prompts are escaped wherever Slack would read markup."""
    text = mrkdwn_texts(VIEWS[name]())
    assert "<!channel>" not in text and "<https://evil" not in text and "<@UBOSS>" not in text
    assert "<timed>" not in text


def test_the_steps_modal_offers_only_the_destinations_the_person_has() -> None:
    """Owner with an open 1-on-1: both; a skip-level without one: none, and no submit button."""
    both = json.dumps(blocks.steps_modal(suggestions()))
    assert '"checkin"' in both and '"task"' in both
    neither = blocks.steps_modal(suggestions(can_check_in=False, one_on_one_id=None))
    assert "submit" not in neither and "No open 1-on-1" in json.dumps(neither)
    assert json.loads(blocks.steps_modal(suggestions())["private_metadata"])["steps"][1] == "Call the data team"


def test_the_privacy_part_says_where_the_model_runs_and_what_it_never_gets() -> None:
    """Host, model, what each feature sends, and the never-sent list."""
    notice = LlmNotice("llm.internal:8000", "llama3", (("next_steps", "the key result"),))
    text = json.dumps(blocks.privacy_section(notice))
    assert "llm.internal:8000" in text and "llama3" in text and "private notes" in text and "feedback" in text
    assert "What was sent" in text


def test_what_was_sent_keeps_every_character_and_cuts_no_entity() -> None:
    """A prompt full of & and < is shown whole, in sections under Slack's 3000 characters."""
    prompt = ("a&b<c>" * 2000) + "end"
    view = blocks.sent_modal(ExchangeView(1, "summary", prompt, "ok", AT, "h"))
    parts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert all(len(p) <= 3000 for p in parts)
    joined = "".join(p.removeprefix("```").removesuffix("```") for p in parts)
    assert joined.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == prompt
    assert view_errors(view, kind="modal") == []
