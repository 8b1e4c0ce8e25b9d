"""Block Kit of the quarter review (issue 17): the prompt, the self-review forms, the review agenda, the
manager's grade form, the leader's look back. Built from bot.views.review only."""

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
from bot.blocks.limits import MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS
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
BARS = "▁▂▃▄▅▆▇█"


def grade_text(value: float | None) -> str:
    """0.7 → "0.7", 0.75 → "0.75", None → "–"."""
    if value is None:
        return "–"
    text = f"{value:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def trend(values: tuple[float, ...]) -> str:
    """A sparkline of progress after each check-in (the last 12), e.g. ▁▂▄▅▇."""
    return "".join(BARS[min(7, max(0, int(v * 7 + 0.5)))] for v in values[-12:])


def _days(days: int) -> str:
    return "less than a day" if days < 1 else ("1 day" if days == 1 else f"{days} days")


def _outcome(outcome: str | None) -> str:
    return f"{OUTCOME_EMOJI[outcome]} {OUTCOME_LABEL[outcome]}" if outcome in OUTCOME_LABEL else "_not graded yet_"


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
    mine = (f"Your grade *{grade_text(part.grade)}* · {_outcome(part.outcome)}" if part.drafted
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
    lasted = f"{_days(o.days)}, still open" if o.open else f"lasted {_days(o.days)}"
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


# --------------------------------------------------------------------------- the review 1-on-1

def review_topic(view: QuarterReviewView) -> str:
    """The review 1-on-1's topic (its first talking point): the review in one line per objective."""
    lines = [f"Quarter review {view.quarter}:"]
    for part in view.objectives:
        lines.append(f"• {truncate(part.title, 120)}: {grade_text(part.grade)}, "
                     f"{OUTCOME_LABEL.get(part.outcome or '', 'not graded').lower()}")
    return truncate("\n".join(lines), 1990)


def _words(label: str, text: str) -> str:
    return f"*{label}:* {escape(truncate(text, 600))}" if text else ""


def agenda_part(view: QuarterReviewView, part: ObjectiveReviewView) -> list[Block]:
    """One objective of the agenda: progress and grades, the report's words, obstacles, trend, kudos, feedback."""
    grades = (f"{progress_bar(part.progress)} {round(part.progress * 100)}% · "
              f"{escape(view.owner_name)}: *{grade_text(part.grade)}* {_outcome(part.outcome)}"
              f" · {escape(view.manager_name or 'Manager')}: *{grade_text(part.manager_grade)}*")
    lines = [f"*{escape(truncate(part.title, 200))}*", grades]
    for kr in part.key_results[:5]:
        lines.append(f"• {escape(truncate(kr.title, 100))}: {round(kr.progress * 100)}% `{trend(kr.trend) or '–'}`")
    words = [w for w in (_words("Helped", part.helped), _words("In the way", part.in_the_way),
                         _words("Carry over", part.carry)) if w]
    if part.manager_comment:
        words.append(f"*{escape(view.manager_name or 'Manager')}:* {escape(truncate(part.manager_comment, 600))}")
    blocks: list[Block] = [section("\n".join(lines))]
    if words:
        blocks.append(section("\n".join(words)))
    facts = []
    if part.obstacles:
        picked = [o for o in part.obstacles if o.check_in_id in part.picked] or list(part.obstacles)
        shown = "; ".join(f"{escape(truncate(o.text, 60))} ({_days(o.days)}{', still open' if o.open else ''})"
                          for o in picked[:3])
        facts.append(f":construction: In the way: {shown}" + (f" +{len(picked) - 3} more" if len(picked) > 3 else ""))
    if part.kudos:
        facts.append(f":tada: {part.kudos} kudos" + (f": “{escape(truncate(part.kudos_lines[0], 80))}”"
                                                      if part.kudos_lines and part.kudos_lines[0] else ""))
    if part.feedback_asked:
        facts.append(f":speech_balloon: feedback asked {part.feedback_asked}×, {part.feedback_answered} answered")
    if part.carried_to_id:
        facts.append(f":arrow_right: carried into {view.next_quarter}")
    if facts:
        blocks.append(context(*facts))
    return blocks


def agenda_blocks(view: QuarterReviewView) -> list[Block]:
    """The review agenda (golden-tested): a header line, then each objective."""
    blocks: list[Block] = [section(
        f":mag: *Quarter review {view.quarter}* · {user(view.owner_id)}"
        + (f" with {user(view.manager_id)}" if view.manager_id else "")
        + f"\n{len(view.objectives)} objective{'' if len(view.objectives) == 1 else 's'} · grades 0.0–1.0, "
          "the report's beside the manager's")]
    for part in view.objectives:
        blocks += [divider(), *agenda_part(view, part)]
    return blocks


def _part_buttons(view: QuarterReviewView, part: ObjectiveReviewView, *, mine: bool = False) -> Block | None:
    elements = []
    if view.manager_id:
        whose = "my" if mine else f"{truncate(view.manager_name or 'manager', 30)}'s"
        elements.append(button(f"{'Change' if part.manager_grade is not None else 'Add'} {whose} grade",
                               ReviewAction.GRADE, str(part.id)))
    if part.can_carry:
        elements.append(button(f"Carry into {view.next_quarter}", ReviewAction.CARRY, str(part.id)))
    return actions(*elements, block_id=f"review.actions.{part.id}") if elements else None


def agenda_message(view: QuarterReviewView) -> list[Block]:
    """The agenda as the first reply in the review 1-on-1's thread, with the grade and carry-over buttons."""
    blocks: list[Block] = [section(
        f":mag: *Quarter review {view.quarter}* · {user(view.owner_id)} with {user(view.manager_id or '')}"
        f"\nThe agenda of this 1-on-1: each objective with its grades, {escape(view.owner_name)}'s own words, "
        "obstacles and how long they lasted, the check-in trend, kudos and feedback.")]
    budget = MAX_MESSAGE_BLOCKS - 3
    for part in view.objectives:
        chunk = [divider(), *agenda_part(view, part)]
        extra = _part_buttons(view, part)
        if extra:
            chunk.append(extra)
        if len(blocks) + len(chunk) > budget:
            blocks.append(context("…the rest is in the full review."))
            break
        blocks += chunk
    blocks.append(actions(button("Open the full review", ReviewAction.AGENDA, str(view.id)),
                          block_id="review.agenda.open"))
    return blocks


def agenda_text(view: QuarterReviewView) -> str:
    """The agenda's notification text."""
    return f"Quarter review {view.quarter}: {view.owner_name}'s agenda"


def agenda_modal(view: QuarterReviewView, viewer: str) -> Block:
    """The full review agenda in a modal (for the report and their reviewing manager)."""
    final: list[Block] = [agenda_blocks(view)[0]]
    for part in view.objectives:
        final += [divider(), *agenda_part(view, part)]
        extra = _part_buttons(view, part, mine=viewer == view.manager_id)
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
                f"*{grade_text(part.grade)}* {_outcome(part.outcome)} · key results: {round(part.progress * 100)}%"),
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
