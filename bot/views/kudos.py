"""Kudos as block builders see it: the view-models the kudos service returns, the form's ids and limits.

Pure: no SQLAlchemy, no Slack SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

CALLBACK = "kudos.give"  # the Give kudos form's callback_id
SHORTCUT = "give_kudos"  # the message shortcut's callback_id (manifest.yml)
MAX_RECEIVERS = 20  # people thanked by one kudos


class BlockId(StrEnum):
    """Input blocks of the Give kudos form (field errors name them)."""

    RECEIVERS = "kudos_receivers"
    MESSAGE = "kudos_message"
    OBJECTIVE = "kudos_objective"


class KudosAction(StrEnum):
    """Elements of the Give kudos form."""

    RECEIVERS = "kudos.receivers"
    MESSAGE = "kudos.message"
    OBJECTIVE = "kudos.objective"


@dataclass(frozen=True)
class KudosView:
    """One kudos as people see it."""

    id: int
    giver_id: str
    receiver_id: str
    message: str
    source: str  # command | reaction | shortcut
    reaction: str
    permalink: str | None
    objective_title: str | None
    created_at: datetime


@dataclass(frozen=True)
class KudosSent:
    """The answer to the giver of /kudos, the form or the shortcut."""

    receivers: tuple[str, ...]
    new_receivers: tuple[str, ...]  # those credited now (a retried request credits nobody again)
    message: str
    objective_title: str | None
    posted_in: str | None  # the kudos channel, when one is set
    left_today: int | None  # None when there is no daily limit


@dataclass(frozen=True)
class KudosLimit:
    """The daily allowance is used up: how many, and when (as an instant) the giver's local day ends."""

    limit: int
    used: int
    wanted: int
    resets_at: datetime
    reaction: str = ""
    permalink: str | None = None


@dataclass(frozen=True)
class KudosPostView:
    """The public post of one source (a reacted message, or one /kudos): everyone thanked, by whom."""

    receivers: tuple[str, ...]
    givers: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]  # (giver, message) for kudos with a message
    reactions: tuple[str, ...]
    permalink: str | None
    objective_titles: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class BoardRow:
    """One line of a leaderboard."""

    user_id: str
    count: int


@dataclass(frozen=True)
class Leaderboard:
    """Kudos received and given in a period (`month` or `quarter`, in the viewer's timezone)."""

    period: str
    label: str  # "November 2026" or "2026-Q4"
    start: date
    received: tuple[BoardRow, ...]
    given: tuple[BoardRow, ...]
    viewer_id: str = ""
    viewer_received: int = 0
    viewer_given: int = 0


@dataclass(frozen=True)
class KudosHomeView:
    """The kudos section of the App Home: what the viewer received this month, and the month's board."""

    viewer_id: str
    month_label: str
    received: tuple[KudosView, ...]
    received_count: int
    given_count: int
    board: Leaderboard


@dataclass(frozen=True)
class ObjectiveChoice:
    """An objective a kudos may be tied to."""

    id: int
    label: str


@dataclass(frozen=True)
class KudosForm:
    """What the Give kudos modal opens with; `metadata` round-trips through private_metadata."""

    receivers: tuple[str, ...] = ()
    message: str = ""
    permalink: str | None = None
    objectives: tuple[ObjectiveChoice, ...] = ()
    metadata: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # why a receiver was not pre-filled, etc.


@dataclass(frozen=True)
class KudosUsage:
    """/kudos help, or a /kudos that was not understood (`problem` says why)."""

    problem: str = ""
    reactions: tuple[str, ...] = ()
    daily_limit: int = 0
    channel: str | None = None
