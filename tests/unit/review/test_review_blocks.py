"""Block Kit of the quarter review: golden JSON for the review agenda (paste into Block Kit Builder), Slack's
limits for every builder, escaping of people's words. `UPDATE_GOLDEN=1 pytest tests/unit/review` rewrites them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.blocks import review as blocks
from bot.blocks import review_agenda
from bot.sandbox.slack.blockkit import block_errors, view_errors
from bot.views.review import (
    GradeForm,
    KeyResultLine,
    LookBackView,
    ObjectiveForm,
    ObjectiveReviewView,
    ObstacleView,
    PromptView,
    QuarterReviewView,
    ReasonCount,
    ReviewAction,
    ReviewHomeView,
    TeamCount,
)
from tests.support.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
SINCE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

ACTIVATION = ObjectiveReviewView(
    id=11, objective_id=7, title="Launch onboarding v2", progress=0.55, prefill=0.6, grade=0.6, outcome="partly",
    helped="Pairing with Lena on the <funnel> & the weekly demo", in_the_way="Analytics was late",
    carry="Finish the activation experiment", picked=(31,), manager_grade=0.7, manager_comment="Good scoping",
    carried_to_id=None,
    key_results=(KeyResultLine("Activation rate", 0.5, 20, 40, 30, "%", (0.1, 0.25, 0.5)),
                 KeyResultLine("Support tickets", 0.6, 100, 50, 70, "", (0.2, 0.6))),
    obstacles=(ObstacleView(31, "Activation rate", "Blocked on analytics", SINCE, 23, False),
               ObstacleView(32, "Support tickets", "Hiring freeze", SINCE, 12, True)),
    kudos=2, kudos_lines=("Great demo!",), feedback_asked=2, feedback_answered=1)
BILLING = ObjectiveReviewView(
    id=12, objective_id=8, title="Make billing boring", progress=1.0, prefill=1.0, grade=1.0, outcome="met",
    helped="", in_the_way="", carry="", picked=(), manager_grade=None, manager_comment="", carried_to_id=None,
    key_results=(KeyResultLine("Duplicate charges", 1.0, 12, 0, 0, "", (0.5, 1.0)),))
REVIEW = QuarterReviewView(
    id=5, team_id="T1", owner_id="URAVI", owner_name="Ravi", quarter="2026-Q4", state="submitted",
    manager_id="UMARIA", manager_name="Maria", one_on_one_id=9, one_on_one_state="accepted",
    submitted_at=SINCE, objectives=(ACTIVATION, BILLING), next_quarter="2027-Q1", owners_manager="Maria")


def test_the_review_agenda_golden() -> None:
    check_golden(GOLDEN, "agenda_message", review_agenda.agenda_message(REVIEW))
    check_golden(GOLDEN, "agenda_modal_manager", blocks.agenda_modal(REVIEW, "UMARIA"))
    assert block_errors(review_agenda.agenda_message(REVIEW)) == []


def test_every_builder_is_within_slacks_limits() -> None:
    draft = replace(REVIEW, state="draft", one_on_one_id=None, one_on_one_state=None, manager_id=None,
                    objectives=(replace(ACTIVATION, grade=None, outcome=None), BILLING))
    views = [blocks.overview_modal(REVIEW), blocks.overview_modal(draft, notice="Review every objective"),
             blocks.overview_modal(replace(REVIEW, one_on_one_id=None)), blocks.agenda_modal(REVIEW, "URAVI"),
             blocks.objective_modal(ObjectiveForm(5, "2026-Q4", ACTIVATION, "V123")),
             blocks.objective_modal(ObjectiveForm(5, "2026-Q4", BILLING)),
             blocks.grade_modal(GradeForm(5, "Ravi", ACTIVATION, "V1")), blocks.saved_modal("Draft saved", "Saved.")]
    for view in views:
        assert view_errors(view, kind="modal") == [], view
    many = replace(REVIEW, objectives=tuple(replace(ACTIVATION, id=i, title=f"Objective {i}") for i in range(40)))
    assert len(review_agenda.agenda_message(many)) <= 50 and block_errors(review_agenda.agenda_message(many)) == []
    assert view_errors(blocks.agenda_modal(many, "UMARIA"), kind="modal") == []
    prompt = PromptView("2026-Q4", tuple(f"Objective {i}" for i in range(12)), "Thu 7 Jan")
    assert block_errors(blocks.prompt_message(prompt)) == []
    back = LookBackView("UMARIA", "2026-Q4", (TeamCount("UMARIA", "Maria", 3, 1, 2, 1),),
                        (ReasonCount("Blocked on analytics", 2, 2),), (("UTOM", "Tom"),), 4)
    assert block_errors(blocks.look_back_blocks(back)) == []
    home = blocks.home_section(ReviewHomeView("2026-Q4", "draft", 2, None, 5, "Maria", back), 12)
    assert len(home) <= 12 and block_errors(home) == []


def test_peoples_words_are_escaped_and_the_report_cannot_grade() -> None:
    text = str(review_agenda.agenda_message(REVIEW))
    assert "&lt;funnel&gt; &amp;" in text and "<funnel>" not in text
    report_view = blocks.agenda_modal(REVIEW, "URAVI")
    action_ids = [e["action_id"] for b in report_view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ReviewAction.GRADE not in action_ids and ReviewAction.CARRY in action_ids
    manager_view = blocks.agenda_modal(REVIEW, "UMARIA")
    assert ReviewAction.GRADE in [e["action_id"] for b in manager_view["blocks"] if b["type"] == "actions"
                                  for e in b["elements"]]


def test_the_obstacles_to_pick_show_their_age_and_the_saved_picks() -> None:
    form = blocks.objective_modal(ObjectiveForm(5, "2026-Q4", ACTIVATION))
    picker = next(b for b in form["blocks"] if b.get("block_id") == "obstacles")["element"]
    labels = [o["text"]["text"] for o in picker["options"]]
    assert labels == ["Blocked on analytics (2 Nov, lasted 23 days)", "Hiring freeze (2 Nov, 12 days, still open)"]
    assert [o["value"] for o in picker["initial_options"]] == ["31"]
