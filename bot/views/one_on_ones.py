"""View-models of 1-on-1s (frozen; bot.services.one_on_ones.queries builds them, no ORM object escapes), the ids
of their buttons and modals, and the limits of what people type into them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

MAX_TOPIC = 2000  # a request's topic
MAX_ANSWER_NOTE = 2000  # the manager's note with another time, or why they decline
MAX_MEETING_NOTE = 3000  # a note on the 1-on-1's card (shared or private)
MAX_MOVE_NOTE = 500  # the note with a new time of an accepted 1-on-1
MAX_TASK = 500
MAX_SUMMARY = 300  # one line
MAX_POINT = 500  # a talking point

TASK_BLOCK_PREFIX = "1on1.task."  # block_id of a task's checkbox row: the prefix, then the task id


class OneOnOneAction(StrEnum):
    """Buttons and checkboxes of 1-on-1 messages and the Home tab (value: the 1-on-1 id)."""

    ACCEPT = "1on1.accept"
    RESCHEDULE = "1on1.reschedule.open"
    DECLINE = "1on1.decline.open"
    ACCEPT_NEW_TIME = "1on1.newtime.accept"
    REFUSE_NEW_TIME = "1on1.newtime.refuse"
    ADD_NOTE = "1on1.note.open"
    ADD_TASK = "1on1.task.open"
    MARK_DONE = "1on1.done"
    TOGGLE_TASK = "1on1.task.toggle"  # checkboxes; block_id TASK_BLOCK_PREFIX + task id
    WRITE_SUMMARY = "1on1.summary.open"
    MOVE = "1on1.move.open"  # either participant sets or changes the time of an accepted 1-on-1
    ADD_POINT = "1on1.point.open"
    POINT_MENU = "1on1.point.menu"  # overflow; option values "discussed:{id}", "open:{id}", "edit:{id}", "remove:{id}"
    CANCEL_MEETING = "1on1.meeting.cancel"  # either participant, after a confirmation
    EDIT_MINE = "1on1.mine.open"  # a modal listing the clicker's own notes and tasks of the 1-on-1
    MINE_MENU = "1on1.mine.menu"  # overflow; values "edit:note:{id}", "delete:task:{id}", ...
    REPEAT = "1on1.series.open"  # make it a recurring series (weekly / every two weeks / monthly)
    CONFIRM_REQUEST = "1on1.request.confirm"
    CALENDAR_GOOGLE = "1on1.calendar.google"  # link buttons: Slack still sends the click, acked and ignored
    CALENDAR_OUTLOOK = "1on1.calendar.outlook"  # the requester confirms a request to someone not their manager


class OneOnOneModal(StrEnum):
    """callback_id of the 1-on-1 modals."""

    REQUEST = "1on1.request.submit"
    RESCHEDULE = "1on1.reschedule.submit"
    DECLINE = "1on1.decline.submit"
    NOTE = "1on1.note.submit"
    TASK = "1on1.task.submit"
    SUMMARY = "1on1.summary.submit"
    SCHEDULE = "1on1.schedule.submit"
    ACCEPT = "1on1.accept.submit"
    MOVE = "1on1.move.submit"
    POINT = "1on1.point.submit"
    SERIES = "1on1.series.submit"
    MINE = "1on1.mine.submit"
    MINE_EDIT = "1on1.mine.edit.submit"


@dataclass(frozen=True)
class KeyResultLine:
    """One key result as an agenda shows it."""

    title: str
    status: str
    progress: float
    current: float
    target: float
    unit: str


@dataclass(frozen=True)
class ObjectiveLine:
    """A linked objective with its key results; `status` is the worst of its key results."""

    id: int
    title: str
    quarter: str
    status: str | None
    key_results: tuple[KeyResultLine, ...] = ()


@dataclass(frozen=True)
class ObjectiveOption:
    """An objective the requester may link to a request."""

    id: int
    title: str


@dataclass(frozen=True)
class TaskView:
    """An action item of a 1-on-1."""

    id: int
    one_on_one_id: int
    text: str
    assignee_id: str
    author_id: str
    due_on: date | None
    done: bool
    carried_count: int
    requester_id: str
    manager_id: str
    overdue: bool = False  # open and its due date is past in the assignee's timezone

    def with_whom(self, viewer_id: str) -> str:
        """The other participant of the task's 1-on-1, seen from `viewer_id`."""
        return self.manager_id if viewer_id == self.requester_id else self.requester_id


@dataclass(frozen=True)
class NoteView:
    """A note of a 1-on-1 (only ever built for someone allowed to read it)."""

    id: int
    one_on_one_id: int
    author_id: str
    text: str
    private: bool
    created_at: datetime


@dataclass(frozen=True)
class TalkingPointView:
    """Something one of the pair wants to talk about (both read it; only its author edits it)."""

    id: int
    one_on_one_id: int
    author_id: str
    text: str
    discussed: bool
    carried_count: int = 0


@dataclass(frozen=True)
class OneOnOneView:
    """A 1-on-1 as messages, modals and the Home tab show it."""

    id: int
    team_id: str
    requester_id: str
    requester_name: str
    manager_id: str
    manager_name: str
    topic: str
    urgency: str
    state: str
    requested_at: datetime
    proposed_at: datetime | None
    agreed_at: datetime | None
    answered_at: datetime | None
    done_at: datetime | None
    answer_note: str = ""
    requester_summary: str = ""
    manager_summary: str = ""
    objectives: tuple[ObjectiveLine, ...] = ()
    tasks: tuple[TaskView, ...] = ()
    notes: tuple[NoteView, ...] = ()  # only notes the audience of the view may read
    conversation_count: int = 0
    manager_away_until: date | None = None
    requester_tz: str = "UTC"
    manager_tz: str = "UTC"
    sequence: int = 0  # the calendar SEQUENCE: raised on every new time
    scheduled_by: str | None = None  # set when a manager scheduled it directly (or a series made it)
    talking_points: tuple[TalkingPointView, ...] = ()
    series_frequency: str | None = None  # weekly | biweekly | monthly when it belongs to a live series
    thread_channel: str | None = None
    thread_ts: str | None = None
    to_manager: bool = True  # the manager_id is the requester's manager on record

    def tz_of(self, user_id: str) -> str:
        """The IANA timezone of one of the pair."""
        return self.manager_tz if user_id == self.manager_id else self.requester_tz

    def name_of(self, user_id: str) -> str:
        """The display name of one of the pair."""
        return self.manager_name if user_id == self.manager_id else self.requester_name

    @property
    def when(self) -> datetime | None:
        """The agreed time, else the proposed one."""
        return self.agreed_at or self.proposed_at

    def other(self, user_id: str) -> str:
        """The other participant."""
        return self.manager_id if user_id == self.requester_id else self.requester_id

    def takes_part(self, user_id: str) -> bool:
        """Whether `user_id` is one of the pair."""
        return user_id in (self.requester_id, self.manager_id)

    @property
    def carried_tasks(self) -> tuple[TaskView, ...]:
        """Open tasks carried over from the pair's earlier 1-on-1s."""
        return tuple(t for t in self.tasks if t.carried_count and not t.done)


@dataclass(frozen=True)
class Outcome:
    """The result of an answer or a click: the 1-on-1 and whether anything changed."""

    view: OneOnOneView
    changed: bool


@dataclass(frozen=True)
class RequestForm:
    """What the request modal is pre-filled with."""

    requester_id: str
    manager_id: str | None
    remember_offered: bool
    objectives: tuple[ObjectiveOption, ...]
    tz: str
    quarter: str
    topic: str = ""


@dataclass(frozen=True)
class ScheduleForm:
    """What a manager's "schedule a 1-on-1" modal shows."""

    manager_id: str
    report_id: str
    report_name: str
    tz: str
    objectives: tuple[ObjectiveOption, ...]


@dataclass(frozen=True)
class CommandOutcome:
    """What `/request-1on1 …` led to: a request sent, a modal to open, or the usage."""

    kind: str  # requested | confirm (not their manager on record) | form | help
    view: OneOnOneView | None = None
    form: RequestForm | None = None


@dataclass(frozen=True)
class TaskOwner:
    """Who may be assigned a task in a 1-on-1 (the two participants)."""

    user_id: str
    name: str


@dataclass(frozen=True)
class HomeView:
    """The viewer's 1-on-1s for the App Home: what needs their answer, what is coming, their open tasks."""

    viewer_id: str
    awaiting_answer: tuple[OneOnOneView, ...] = ()  # requests the viewer should answer
    waiting: tuple[OneOnOneView, ...] = ()  # the viewer's requests awaiting the other person
    upcoming: tuple[OneOnOneView, ...] = ()  # accepted, not done (with the notes the viewer may read)
    recent: tuple[OneOnOneView, ...] = ()  # the last few done ones (with the notes the viewer may read)
    open_tasks: tuple[TaskView, ...] = ()  # assigned to the viewer
    manager_id: str | None = None
    now: datetime | None = field(default=None, compare=False)
    has_reports: bool = False  # someone reports to the viewer (with no manager: the top of the tree)
