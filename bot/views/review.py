"""The quarter review (issue 17) as block builders see it: frozen view-models, action and block ids, limits.

Pure: no SQLAlchemy, no Slack SDK. Services build these; bot/blocks/review.py renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_WORDS = 2000  # each free-text answer
MAX_COMMENT = 2000
MAX_OBSTACLE_OPTIONS = 100
OUTCOMES = ("met", "partly", "not_met")
OUTCOME_LABEL = {"met": "Met", "partly": "Partly met", "not_met": "Not met"}
OUTCOME_EMOJI = {"met": ":white_check_mark:", "partly": ":large_yellow_circle:", "not_met": ":x:"}


class ReviewAction(StrEnum):
    """Buttons of the quarter review (their value is the review or objective-review id)."""

    OPEN = "review.open"  # value: quarter ("2026-Q4") or "" for the one due now; opens the overview modal
    EDIT = "review.edit"  # value: objective-review id; pushes the per-objective form
    OBJECTIVE = "review.objective"  # value: objective id ("Review this objective"): its form, in a new modal
    ASK = "review.ask"  # value: review id; "Ask Maria for a review 1-on-1"
    AGENDA = "review.agenda"  # value: review id; opens the review agenda modal
    GRADE = "review.grade"  # value: objective-review id; the manager's grade form
    CARRY = "review.carry"  # value: objective-review id; carry into next quarter


class ReviewView(StrEnum):
    """Modal callback ids."""

    OVERVIEW = "review.overview"  # submit = submit the review
    OBJECTIVE = "review.objective_form"
    GRADE = "review.grade_form"
    AGENDA = "review.agenda_modal"


class ReviewBlock(StrEnum):
    """Input block ids of the forms (also the field names of errors)."""

    GRADE = "grade"
    OUTCOME = "outcome"
    HELPED = "helped"
    OBSTACLES = "obstacles"
    IN_THE_WAY = "in_the_way"
    CARRY = "carry"
    MANAGER_GRADE = "manager_grade"
    MANAGER_COMMENT = "manager_comment"


@dataclass(frozen=True)
class ObstacleView:
    """An obstacle recorded at a check-in: when it was first written, and how long it lasted."""

    check_in_id: int
    key_result: str
    text: str
    since: datetime
    days: int  # how long it lasted (until cleared, the quarter's end, or now)
    open: bool  # still there at the last check-in


@dataclass(frozen=True)
class KeyResultLine:
    """A key result's final progress and its check-in trend."""

    title: str
    progress: float
    start: float
    target: float
    current: float
    unit: str
    trend: tuple[float, ...]  # progress after each check-in, oldest first


@dataclass(frozen=True)
class ObjectiveReviewView:
    """One objective in a review: the report's part, the manager's part, what the quarter recorded."""

    id: int  # the objective-review id
    objective_id: int
    title: str
    progress: float
    prefill: float  # the grade the key results suggest
    grade: float | None
    outcome: str | None
    helped: str
    in_the_way: str
    carry: str
    picked: tuple[int, ...]  # check-in ids of the obstacles picked
    manager_grade: float | None
    manager_comment: str
    carried_to_id: int | None
    key_results: tuple[KeyResultLine, ...] = ()
    obstacles: tuple[ObstacleView, ...] = ()  # of the quarter, oldest first
    kudos: int = 0
    kudos_lines: tuple[str, ...] = ()  # the latest few kudos messages (public anyway)
    feedback_asked: int = 0
    feedback_answered: int = 0
    suggested: str = ""  # the outcome the prefilled grade suggests (the form's initial choice)

    @property
    def drafted(self) -> bool:
        """Whether the report has saved anything for it."""
        return self.grade is not None or bool(self.outcome)

    @property
    def can_carry(self) -> bool:
        """An unmet objective not carried yet."""
        return self.carried_to_id is None and self.outcome in ("partly", "not_met")


@dataclass(frozen=True)
class QuarterReviewView:
    """A person's review of a quarter, as both the report and (once asked) the manager see it."""

    id: int
    team_id: str
    owner_id: str
    owner_name: str
    quarter: str
    state: str  # draft | submitted
    manager_id: str | None
    manager_name: str
    one_on_one_id: int | None
    one_on_one_state: str | None
    submitted_at: datetime | None
    objectives: tuple[ObjectiveReviewView, ...]
    next_quarter: str
    owners_manager: str = ""  # the name of the owner's manager on record (whom "Ask … for a review 1-on-1" asks)

    @property
    def submitted(self) -> bool:
        """Submitted at least once."""
        return self.state == "submitted"

    @property
    def editable(self) -> bool:
        """The report may change it until the review 1-on-1 is done."""
        return self.one_on_one_state != "done"

    @property
    def complete(self) -> bool:
        """Every objective has a grade and an outcome."""
        return all(o.grade is not None and o.outcome for o in self.objectives)

    def objective(self, objective_review_id: int) -> ObjectiveReviewView | None:
        """One part by its id."""
        return next((o for o in self.objectives if o.id == objective_review_id), None)


@dataclass(frozen=True)
class ObjectiveForm:
    """What the per-objective form shows."""

    review_id: int
    quarter: str
    part: ObjectiveReviewView
    root_view_id: str = ""  # the overview modal to refresh after saving ("" when opened on its own)


@dataclass(frozen=True)
class GradeForm:
    """What the manager's grade form shows."""

    review_id: int
    owner_name: str
    part: ObjectiveReviewView
    root_view_id: str = ""


@dataclass(frozen=True)
class PromptView:
    """The "Review your quarter" DM."""

    quarter: str
    objectives: tuple[str, ...]
    closes_on: str  # the last day of the window, e.g. "Thu 7 Jan"


@dataclass(frozen=True)
class TeamCount:
    """Objectives of one team (a manager's direct reports) by outcome."""

    manager_id: str
    manager_name: str
    met: int
    partly: int
    not_met: int
    not_reviewed: int


@dataclass(frozen=True)
class ReasonCount:
    """An obstacle people picked, and how many objectives it got in the way of."""

    text: str
    objectives: int
    people: int


@dataclass(frozen=True)
class LookBackView:
    """The leader's look back at a finished quarter."""

    leader_id: str
    quarter: str
    teams: tuple[TeamCount, ...]
    reasons: tuple[ReasonCount, ...]
    not_reviewed: tuple[tuple[str, str], ...]  # (user id, name) with objectives and no submitted review
    people: int  # people with objectives that quarter

    @property
    def totals(self) -> tuple[int, int, int, int]:
        """(met, partly, not met, not reviewed) over all teams."""
        return (sum(t.met for t in self.teams), sum(t.partly for t in self.teams),
                sum(t.not_met for t in self.teams), sum(t.not_reviewed for t in self.teams))


@dataclass(frozen=True)
class ReviewHomeView:
    """The Home tab's quarter-review part: the viewer's own review, and the look back for leaders."""

    quarter: str | None  # the quarter the viewer may review now (None: nothing to review)
    state: str | None  # draft | submitted | None (not started)
    objectives: int
    one_on_one_id: int | None
    review_id: int | None
    manager_name: str
    look_back: LookBackView | None
