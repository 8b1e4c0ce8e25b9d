"""OKR Block Kit as golden JSON (paste into Block Kit Builder); regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.blocks.limits import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from bot.blocks.okr_lines import amount, number, where_of
from bot.blocks.okrs import (
    checkin_form,
    checkin_modal,
    checkin_summary,
    new_objective_modal,
    objective_message,
    okr_list,
)
from bot.sandbox.slack.blockkit import block_errors, view_errors
from bot.views.okrs import (
    CheckinChoiceView,
    CheckInResult,
    KeyResultChange,
    KeyResultView,
    NewObjectiveForm,
    ObjectiveView,
    OkrListView,
)
from tests.support.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
CHECKED = datetime(2026, 11, 12, 15, 30, tzinfo=UTC)


def kr(n: int, status: str = "on_track", *, explicit: str | None = None, title: str | None = None,
       current: float = 20, target: float = 40, unit: str = "teams") -> KeyResultView:
    return KeyResultView(id=n, title=title or f"Key result {n}", start=0, target=target, current=current, unit=unit,
                         status=explicit or status, explicit_status=explicit, progress=current / target,
                         updated_at=CHECKED)


def objective(**changes: Any) -> ObjectiveView:
    base = ObjectiveView(id=7, team_id="T0001", owner_id="URAVI", quarter="2026-Q4",
                         title="Delight our first customers", tag="onboarding",
                         key_results=(kr(1, title="Weekly active teams"), kr(2, title="NPS", explicit="off_track",
                                                                            current=12.5, target=50, unit="")),
                         last_checkin_at=CHECKED, channel_id="D1", message_ts="1.2")
    return replace(base, **changes)


golden = partial(check_golden, GOLDEN)


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn text in a block tree."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for value in node.values() for t in mrkdwn_texts(value)]
    return []


CHANGE = KeyResultChange(key_result_id=1, title="Weekly active teams", unit="teams", old_value=20, new_value=24,
                         old_status="on_track", new_status="on_track", explicit_status=None,
                         obstacles="Design review slipped\nWaiting on <legal>", next_steps="Book the review")
MESSAGES = {
    "objective_message": lambda: objective_message(objective()),
    "objective_message_new": lambda: objective_message(objective(last_checkin_at=None, tag=None)),
    "checkin_summary": lambda: checkin_summary(CheckInResult(objective(), (CHANGE, replace(
        CHANGE, key_result_id=2, title="NPS", unit="", old_value=12.5, new_value=12.5, new_status="off_track",
        explicit_status="off_track", obstacles="", next_steps="")))),
    "okr_list": lambda: okr_list(OkrListView("URAVI", "2026-Q4", (objective(), objective(id=8, title="Ship v2")),
                                             away_until=date(2026, 12, 24))),
    "okr_list_empty": lambda: okr_list(OkrListView("URAVI", "2026-Q4", (), away_until=None)),
}
MODALS = {
    "new_objective_modal": lambda: new_objective_modal(NewObjectiveForm(("2026-Q4", "2027-Q1"), "2026-Q4")),
    "checkin_form": lambda: checkin_form(objective()),
    "checkin_pick": lambda: checkin_modal(CheckinChoiceView("URAVI", "2026-Q4", (objective(), objective(id=8)))),
    "checkin_pick_none": lambda: checkin_modal(CheckinChoiceView("URAVI", "2026-Q4", ())),
}


@pytest.mark.parametrize("name", MESSAGES)
def test_message_matches_its_golden_file_and_slacks_rules(name: str) -> None:
    """Messages: as designed, and valid for Slack (block types, lengths, ≤ 50 blocks)."""
    blocks = MESSAGES[name]()
    assert block_errors(blocks) == []
    golden(name, {"blocks": blocks})


@pytest.mark.parametrize("name", MODALS)
def test_modal_matches_its_golden_file_and_slacks_rules(name: str) -> None:
    """Modals: as designed, and valid for views.open."""
    view = MODALS[name]()
    assert view_errors(view, kind="modal") == []
    golden(name, view)


def test_one_objective_opens_its_form_directly() -> None:
    """/okr checkin with a single objective skips the picker."""
    view = checkin_modal(CheckinChoiceView("URAVI", "2026-Q4", (objective(),)))
    assert view["callback_id"] == "okr.checkin" and json.loads(view["private_metadata"]) == {"objective": 7}


def test_user_text_cannot_mention_or_link() -> None:
    """Titles, units and obstacles are escaped in every mrkdwn text (plain_text is never parsed by Slack)."""
    evil = "<!channel> & <@UADMIN|boss>"
    view = objective(title=evil, key_results=(kr(1, title=evil, unit="<b>"),))
    change = replace(CHANGE, title=evil, obstacles=evil, next_steps=evil, unit="<b>")
    for blocks in (objective_message(view), checkin_summary(CheckInResult(view, (change,))),
                   okr_list(OkrListView("URAVI", "2026-Q4", (view,), None)), checkin_form(view)["blocks"]):
        text = " ".join(mrkdwn_texts(blocks))
        assert "&lt;!channel&gt; &amp;" in text
        assert "<!channel>" not in text and "<@UADMIN" not in text and "<b>" not in text


def test_huge_objectives_stay_within_slacks_limits() -> None:
    """Five key results with 500-character titles and a long obstacle: ≤ 50 blocks, sections ≤ 3000 chars."""
    long = "x" * 500
    view = objective(title=long, key_results=tuple(kr(n, title=long, unit="u" * 32) for n in range(1, 6)))
    many = OkrListView("URAVI", "2026-Q4", tuple(replace(view, id=n) for n in range(40)), None)
    for blocks in (objective_message(view), okr_list(many),
                   checkin_summary(CheckInResult(view, (replace(CHANGE, obstacles="y" * 1000, next_steps="z" * 1000),
                                                        ) * 5))):
        assert len(blocks) <= MAX_MESSAGE_BLOCKS and block_errors(blocks) == []
        assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT for b in blocks)
    assert view_errors(checkin_form(view), kind="modal") == []


@pytest.mark.parametrize(("value", "text"), [(40, "40"), (1250, "1,250"), (3.5, "3.5"), (0.125, "0.12"),
                                             (-2, "-2"), (99.999, "100")])
def test_numbers_are_short(value: float, text: str) -> None:
    """At most two decimals, thousands grouped, no trailing zeros."""
    assert number(value) == text


def test_units_read_naturally() -> None:
    """Symbols stick to the number, words get a space."""
    assert (amount(35, "%"), amount(40, "teams"), amount(3, ""), amount(5, "€")) == ("35%", "40 teams", "3", "5€")


def test_checkin_form_offers_automatic_status_by_default() -> None:
    """A key result without an explicit status starts on "Automatic"; one with a status keeps it."""
    blocks = checkin_form(objective())["blocks"]
    selects = [b["element"] for b in blocks if b.get("block_id", "").endswith(".status")]
    assert [s["initial_option"]["value"] for s in selects] == ["auto", "off_track"]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (1, "stores", "1 store"), (2, "stores", "2 stores"), (1, "cities", "1 city"), (1, "ms", "1 ms"),
    (1, "days", "1 day"), (1, "status", "1 status"), (1, "boxes", "1 box")])
def test_a_count_of_one_reads_singular(value: float, unit: str, text: str) -> None:
    """"1 store", not "1 stores"; short or unusual units stay as typed."""
    assert amount(value, unit) == text


def test_lower_is_better_reads_value_then_target() -> None:
    """A key result going down reads "2,400 ms, target 1,200 ms", never "2,400 of 1,200 ms"."""
    assert where_of(3000, 2400, 1200, "ms") == "2,400 ms, target 1,200 ms"
    assert where_of(0, 20, 40, "teams") == "20 of 40 teams"
