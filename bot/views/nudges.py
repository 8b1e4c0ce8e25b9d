"""The mid-month nudge as block builders see it: the frozen agenda and digest view-models, the nudge's
button and modal ids.

Pure: no SQLAlchemy, no Slack SDK. bot.services.nudges.agenda builds the agendas; bot/blocks/agenda.py and
bot/blocks/nudges.py render them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

AGENDA_CALLBACK = "nudge.agenda.modal"


class NudgeAction(StrEnum):
    """Buttons of the nudge feature (handled in bot.handlers.nudges)."""

    OPEN_AGENDA = "nudge.agenda.open"  # value: nudge id, or "report:<user id>" outside a nudge
    SNOOZE = "nudge.snooze"  # value: nudge id


@dataclass(frozen=True)
class KeyResultLine:
    """One key result as the agenda shows it."""

    id: int
    objective_id: int
    objective: str
    title: str
    status: str  # ahead | on_track | off_track
    progress: float  # 0..1
    current: float
    target: float
    unit: str
    last_check_in: datetime | None
    checked_in_this_month: bool
    obstacle: str  # the latest obstacle written at a check-in ("" when none)
    obstacle_age_days: int | None
    next_steps: str  # the latest next steps declared ("" when none)
    start: float = 0.0  # where it started: a target below it means lower is better


@dataclass(frozen=True)
class TaskLine:
    """An open task of one of the pair's 1-on-1s."""

    text: str
    assignee_id: str
    due_on: date | None
    carried_count: int


@dataclass(frozen=True)
class KudosLine:
    """Kudos the report received this month."""

    giver_id: str
    message: str


@dataclass(frozen=True)
class FeedbackAsk:
    """Someone waiting for feedback from the report."""

    requester_id: str
    age_days: int


@dataclass(frozen=True)
class CommentLine:
    """A reply in one of the report's OKR threads."""

    user_id: str
    text: str
    objective: str
    link: str | None


@dataclass(frozen=True)
class Agenda:
    """Everything the 1-on-1 of one manager/report pair should cover, from stored data."""

    team_id: str
    manager_id: str
    manager_name: str
    report_id: str
    report_name: str
    period: str
    quarter: str
    key_results: tuple[KeyResultLine, ...] = ()
    tasks: tuple[TaskLine, ...] = ()
    kudos_count: int = 0
    kudos: tuple[KudosLine, ...] = ()
    feedback_count: int = 0
    feedback: tuple[FeedbackAsk, ...] = ()
    comment_count: int = 0
    comments: tuple[CommentLine, ...] = ()
    last_one_on_one: date | None = None
    nudge_id: int | None = None
    next_one_on_one_id: int | None = None  # the pair's next accepted 1-on-1: the agenda attaches to it
    next_one_on_one_at: datetime | None = None

    @property
    def off_track(self) -> tuple[KeyResultLine, ...]:
        """Off-track key results, oldest obstacle first (the ones stuck longest lead)."""
        lines = [kr for kr in self.key_results if kr.status == "off_track"]
        return tuple(sorted(lines, key=lambda kr: -(kr.obstacle_age_days if kr.obstacle_age_days is not None
                                                     else -1)))

    @property
    def next_steps(self) -> tuple[KeyResultLine, ...]:
        """Key results with declared next steps."""
        return tuple(kr for kr in self.key_results if kr.next_steps)

    @property
    def without_check_in(self) -> tuple[KeyResultLine, ...]:
        """Key results with no check-in since the 1st of the month."""
        return tuple(kr for kr in self.key_results if not kr.checked_in_this_month)

    def count(self, status: str) -> int:
        """How many key results have `status`."""
        return sum(1 for kr in self.key_results if kr.status == status)


@dataclass(frozen=True)
class SkippedReport:
    """A report left out of this month's nudge, and why."""

    report_id: str
    report_name: str
    reason: str  # done (a 1-on-1 already happened this month) | away
    on: date | None  # the day of that 1-on-1, or the last day away


@dataclass(frozen=True)
class ManagerDigest:
    """What a manager gets at their nudge time: an agenda per due report and who was skipped."""

    team_id: str
    manager_id: str
    manager_name: str
    period: str
    agendas: tuple[Agenda, ...] = ()
    skipped: tuple[SkippedReport, ...] = ()
    reminder: bool = False  # a snoozed agenda coming back


@dataclass(frozen=True)
class ReportDigest:
    """What a report gets at their nudge time: prepare your 1-on-1."""

    team_id: str
    report_id: str
    manager_id: str
    manager_name: str
    period: str
    agenda: Agenda

    @property
    def my_tasks(self) -> tuple[TaskLine, ...]:
        """Open tasks of the pair's 1-on-1s assigned to the report."""
        return tuple(t for t in self.agenda.tasks if t.assignee_id == self.report_id)
