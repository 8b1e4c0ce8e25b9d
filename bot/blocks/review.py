"""Block Kit of the quarter review (issue 17): the prompt, the self-review forms, the review agenda's modal, the
manager's grade form, the leader's look back, the Home part. Built from bot.views.review only; the agenda itself
(and the grade texts) are in bot.blocks.review_agenda."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks.kit import (
    actions,
    button,
    context,
    divider,
    escape,
    header,
    input_block,
    modal,
    option,
    progress_bar,
    section,
    static_select,
    text_input,
    truncate,
    user,
    within,
)
from bot.blocks.limits import MAX_VIEW_BLOCKS
from bot.blocks.review_agenda import (
    agenda_blocks,
    agenda_part,
    days_text,
    grade_text,
    outcome_text,
    part_buttons,
    trend,
)
from bot.views.review import (
    MAX_COMMENT,
    MAX_OBSTACLE_OPTIONS,
    MAX_WORDS,
    OUTCOME_EMOJI,
    OUTCOME_LABEL,
    OUTCOMES,
    GradeForm,
    LookBackView,
    ObjectiveForm,
    ObjectiveReviewView,
    ObstacleView,
    PromptView,
    QuarterReviewView,
    ReviewAction,
    ReviewBlock,
    ReviewHomeView,
    ReviewView,
)

Block = dict[str, Any]
def _meta(**values: Any) -> str:
    return json.dumps(values, separators=(",", ":"))


# --------------------------------------------------------------------------- the prompt

def prompt_text(view: PromptView) -> str:
    """The prompt's notification text."""
    return f"Review your quarter: {view.quarter} is ending"


def prompt_message(view: PromptView) -> list[Block]:
    """The "Review your quarter" DM."""
    titles = "\n".join(f"• {escape(truncate(t, 150))}" for t in view.objectives[:10])
    more = f"\n…and {len(view.objectives) - 10} more" if len(view.objectives) > 10 else ""
    return [
        section(f":mag: *Review your quarter · {view.quarter}*\nTime to look back: which objectives were met, which "
                f"not, and why. Grade each one (prefilled from your key results), say what helped and what got in "
                f"the way, then ask your manager for a review 1-on-1.\n{titles}{more}"),
        actions(button("Review your quarter", ReviewAction.OPEN, view.quarter, style="primary"),
                block_id="review.prompt"),
        context(f"Drafts are saved as you go. Open it any time with `/okr review {view.quarter}`; this reminder "
                f"is the only one (the window closes {view.closes_on})."),
    ]


# --------------------------------------------------------------------------- the self-review

def _part_line(part: ObjectiveReviewView) -> str:
    mine = (f"Your grade *{grade_text(part.grade)}* · {outcome_text(part.outcome)}" if part.drafted
            else f"_Not reviewed yet_ · key results suggest *{grade_text(part.prefill)}*")
    extra = ""
    if part.manager_grade is not None:
        extra = f"\nManager's grade *{grade_text(part.manager_grade)}*"
    if part.carried_to_id:
        extra += "\n:arrow_right: Carried into next quarter"
    return (f"*{escape(truncate(part.title, 200))}*\n{progress_bar(part.progress)} {round(part.progress * 100)}% · "
            f"{mine}{extra}")


def overview_modal(view: QuarterReviewView, notice: str | None = None) -> Block:
    """The person's review of a quarter: a line per objective with Review/Edit, then Submit (a draft) or the
    review 1-on-1 (submitted)."""
    blocks: list[Block] = []
    if notice:
        blocks.append(section(f":warning: {escape(notice)}"))
    if view.submitted:
        state = ":white_check_mark: Submitted." + (
            " The review 1-on-1 is done; this review is closed." if not view.editable else
            " You can still change it until the review 1-on-1 is done.")
    else:
        state = "Draft: saved as you go, nobody else sees it until you submit."
    count = len(view.objectives)
    blocks.append(context(f"*{view.quarter}* · {count} objective{'' if count == 1 else 's'} · {state}"))
    for part in view.objectives[:40]:
        label = "Edit" if part.drafted else "Review"
        accessory = button(label, ReviewAction.EDIT, str(part.id), style=None if part.drafted else "primary") \
            if view.editable else None
        blocks.append(section(_part_line(part), accessory=accessory, block_id=f"review.part.{part.id}"))
    blocks.append(divider())
    if view.submitted and view.one_on_one_id is None:
        who = view.owners_manager or "your manager"
        blocks.append(section("Talk it through with your manager: the request carries your review as its agenda.",
                              accessory=button(f"Ask {truncate(who, 40)} for a review 1-on-1", ReviewAction.ASK,
                                               str(view.id), style="primary")))
    elif view.one_on_one_id is not None:
        blocks.append(section(f":calendar: Review 1-on-1 with {escape(view.manager_name)}: "
                              f"{_one_on_one_state(view.one_on_one_state)}.",
                              accessory=button("Open the review agenda", ReviewAction.AGENDA, str(view.id))))
    elif not view.complete:
        blocks.append(context("Review each objective, then submit."))
    submit = "Submit review" if not view.submitted and view.editable else None
    return modal(f"Review · {view.quarter}", within(blocks, MAX_VIEW_BLOCKS), callback_id=ReviewView.OVERVIEW,
                 submit=submit, close="Close", private_metadata=_meta(review=view.id))


def _one_on_one_state(state: str | None) -> str:
    return {"requested": "asked, waiting for an answer", "accepted": "agreed", "rescheduled": "a new time proposed",
            "declined": "declined", "cancelled": "cancelled", "done": "done",
            "unconfirmed": "not sent yet"}.get(state or "", "asked")


def _obstacle_label(o: ObstacleView) -> str:
    lasted = f"{days_text(o.days)}, still open" if o.open else f"lasted {days_text(o.days)}"
    suffix = f" ({o.since:%-d %b}, {lasted})"
    return f"{truncate(o.text, 75 - len(suffix))}{suffix}"


def objective_modal(form: ObjectiveForm) -> Block:
    """The self-review of one objective: grade (prefilled), outcome, what helped, obstacles, what to carry."""
    part = form.part
    grade = part.grade if part.grade is not None else part.prefill
    initial = part.outcome or part.suggested
    krs = "\n".join(f"• {escape(truncate(kr.title, 120))}: {round(kr.progress * 100)}% {trend(kr.trend)}"
                    for kr in part.key_results[:10]) or "_No key results._"
    blocks: list[Block] = [
        section(f"*{escape(truncate(part.title, 200))}*\n{krs}"),
        input_block("Final grade (0.0–1.0)", ReviewBlock.GRADE,
                    text_input("value", initial=grade_text(grade), max_length=10, placeholder="e.g. 0.7"),
                    hint=f"Prefilled from the key results' progress ({grade_text(part.prefill)}). 0.7 is a good "
                         f"result for an ambitious objective."),
        input_block("Was it met?", ReviewBlock.OUTCOME, {
            "type": "radio_buttons", "action_id": "value",
            "options": [option(OUTCOME_LABEL[o], o) for o in OUTCOMES],
            **({"initial_option": option(OUTCOME_LABEL[initial], initial)} if initial in OUTCOMES else {})}),
        input_block("What helped?", ReviewBlock.HELPED,
                    text_input("value", multiline=True, initial=part.helped, max_length=MAX_WORDS), optional=True),
    ]
    if part.obstacles:
        options = [option(_obstacle_label(o), str(o.check_in_id)) for o in part.obstacles[:MAX_OBSTACLE_OPTIONS]]
        element = static_select("value", options, multi=True, placeholder="Pick the ones that mattered")
        chosen = [o for o in options if int(o["value"]) in part.picked]
        if chosen:
            element["initial_options"] = chosen
        blocks.append(input_block("What got in the way? (obstacles of the quarter, oldest first)",
                                  ReviewBlock.OBSTACLES, element, optional=True))
    blocks += [
        input_block("Anything else that got in the way?" if part.obstacles else "What got in the way?",
                    ReviewBlock.IN_THE_WAY, text_input("value", multiline=True, initial=part.in_the_way,
                                                       max_length=MAX_WORDS), optional=True),
        input_block("What to carry into next quarter?", ReviewBlock.CARRY,
                    text_input("value", multiline=True, initial=part.carry, max_length=MAX_WORDS), optional=True),
        context("Your manager sees this once you ask for the review 1-on-1. Private 1-on-1 notes never show here."),
    ]
    return modal("Review objective", blocks, callback_id=ReviewView.OBJECTIVE, submit="Save draft",
                 private_metadata=_meta(part=part.id, root=form.root_view_id))


def saved_modal(title: str, text: str) -> Block:
    """A closing confirmation."""
    return modal(title, [section(text)], callback_id="review.saved", submit=None, close="Done")


def agenda_modal(view: QuarterReviewView, viewer: str) -> Block:
    """The full review agenda in a modal (for the report and their reviewing manager)."""
    final: list[Block] = [agenda_blocks(view)[0]]
    for part in view.objectives:
        final += [divider(), *agenda_part(view, part)]
        extra = part_buttons(view, part, mine=viewer == view.manager_id)
        if extra and viewer != view.manager_id:  # the report carries over; grading is the manager's
            extra["elements"] = [e for e in extra["elements"] if e["action_id"] == ReviewAction.CARRY]
        if extra and extra["elements"]:
            final.append(extra)
    return modal(f"Review · {view.quarter}", within(final, MAX_VIEW_BLOCKS), callback_id=ReviewView.AGENDA,
                 submit=None, close="Close", private_metadata=_meta(review=view.id))


def grade_modal(form: GradeForm) -> Block:
    """The manager's grade and comment for one objective, beside the report's."""
    part = form.part
    return modal("Your grade", [
        section(f"*{escape(truncate(part.title, 200))}*\n{escape(form.owner_name)}'s grade: "
                f"*{grade_text(part.grade)}* {outcome_text(part.outcome)} · "
                f"key results: {round(part.progress * 100)}%"),
        input_block("Your grade (0.0–1.0)", ReviewBlock.MANAGER_GRADE,
                    text_input("value", initial=grade_text(part.manager_grade) if part.manager_grade is not None
                               else None, max_length=10, placeholder="e.g. 0.7")),
        input_block("Comment", ReviewBlock.MANAGER_COMMENT,
                    text_input("value", multiline=True, initial=part.manager_comment, max_length=MAX_COMMENT),
                    optional=True),
        context(f"{escape(form.owner_name)} sees your grade and comment beside theirs."),
    ], callback_id=ReviewView.GRADE, submit="Save", private_metadata=_meta(part=part.id, root=form.root_view_id))


# --------------------------------------------------------------------------- the look back

def look_back_blocks(view: LookBackView, *, limit: int = 20) -> list[Block]:
    """The leader's look back at a finished quarter."""
    met, partly, not_met, unreviewed = view.totals
    blocks: list[Block] = [section(
        f"*Looking back at {view.quarter}* · {view.people} people with objectives\n"
        f"{OUTCOME_EMOJI['met']} {met} met · {OUTCOME_EMOJI['partly']} {partly} partly met · "
        f"{OUTCOME_EMOJI['not_met']} {not_met} not met · :hourglass: {unreviewed} not reviewed",
        block_id="review.lookback")]
    if len(view.teams) > 1 or (view.teams and view.teams[0].manager_id != view.leader_id):
        lines = [f"• {user(t.manager_id)}'s team: {t.met} met, {t.partly} partly, {t.not_met} not met"
                 + (f", {t.not_reviewed} not reviewed" if t.not_reviewed else "") for t in view.teams[:10]]
        blocks.append(section("*Per team*\n" + "\n".join(lines)))
    if view.reasons:
        lines = [f"{i}. {escape(truncate(r.text, 100))} — {r.objectives} objective{'s' if r.objectives != 1 else ''}"
                 f", {r.people} {'people' if r.people != 1 else 'person'}" for i, r in enumerate(view.reasons, 1)]
        blocks.append(section("*What got in the way most*\n" + "\n".join(lines)))
    else:
        blocks.append(context("No obstacles picked in the reviews submitted so far."))
    if view.not_reviewed:
        names = ", ".join(user(u) for u, _ in view.not_reviewed[:15])
        more = f" and {len(view.not_reviewed) - 15} more" if len(view.not_reviewed) > 15 else ""
        blocks.append(section(f"*Not reviewed yet* ({len(view.not_reviewed)}): {names}{more}"))
    else:
        blocks.append(context(":white_check_mark: Everyone has reviewed their quarter."))
    blocks.append(context(f"All of it: `/okr review team {view.quarter}` · "
                          f"`okrbot export reviews --quarter {view.quarter}`"))
    return blocks[:limit]


def home_section(view: ReviewHomeView, budget: int) -> list[Block]:
    """The Home tab's part: the viewer's own review when one is due, and the leader's finished-quarter look back."""
    blocks: list[Block] = []
    if view.quarter:
        if view.state == "submitted":
            status = ":white_check_mark: Submitted" + (
                "; review 1-on-1 asked." if view.one_on_one_id else
                f". Ask {escape(view.manager_name or 'your manager')} for a review 1-on-1.")
            label = "Open my review"
        elif view.state == "draft":
            status, label = ":pencil2: Draft in progress.", "Continue my review"
        else:
            status, label = f"{view.objectives} objectives to look back at.", "Review your quarter"
        blocks += [header(f"Quarter review · {view.quarter}"),
                   section(f"Which objectives were met, which not, and why? {status}",
                           accessory=button(label, ReviewAction.OPEN, view.quarter,
                                            style="primary" if view.state != "submitted" else None),
                           block_id="home.review")]
    if view.look_back is not None:
        blocks += [header(f"Finished quarter · {view.look_back.quarter}"),
                   *look_back_blocks(view.look_back, limit=max(1, budget - len(blocks) - 1))]
    return blocks[:budget]
