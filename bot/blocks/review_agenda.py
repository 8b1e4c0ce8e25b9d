"""Block Kit of the quarter review's agenda: the review 1-on-1's topic, the agenda posted in its thread (golden-
tested), and the grade and outcome texts the review's modals share. Pure builders, user text escaped."""

from __future__ import annotations

from typing import Any

from bot.blocks.kit import (
    actions,
    button,
    context,
    divider,
    escape,
    progress_bar,
    section,
    truncate,
    user,
)
from bot.blocks.limits import MAX_MESSAGE_BLOCKS
from bot.views.review import (
    OUTCOME_EMOJI,
    OUTCOME_LABEL,
    ObjectiveReviewView,
    QuarterReviewView,
    ReviewAction,
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


def days_text(days: int) -> str:
    """"less than a day", "1 day", "12 days"."""
    return "less than a day" if days < 1 else ("1 day" if days == 1 else f"{days} days")


def outcome_text(outcome: str | None) -> str:
    """The outcome with its emoji ("✅ Met"), or "not graded yet"."""
    return f"{OUTCOME_EMOJI[outcome]} {OUTCOME_LABEL[outcome]}" if outcome in OUTCOME_LABEL else "_not graded yet_"



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
              f"{escape(view.owner_name)}: *{grade_text(part.grade)}* {outcome_text(part.outcome)}"
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
        shown = "; ".join(f"{escape(truncate(o.text, 60))} ({days_text(o.days)}{', still open' if o.open else ''})"
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


def part_buttons(view: QuarterReviewView, part: ObjectiveReviewView, *, mine: bool = False) -> Block | None:
    """Grade and carry-over buttons of one objective (None when there is neither)."""
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
        extra = part_buttons(view, part)
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
