"""Feedback as block builders see it: the view-models the feedback service returns, the form's ids and limits.

A `FeedbackView` carries a text only because the person it was built for may read it: every read goes
through `storage.privacy.feedback_visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CALLBACK = "feedback.give"  # the Give feedback form's callback_id
PRIVATE = "private"
WITH_MANAGER = "private+manager"
VISIBILITIES = (PRIVATE, WITH_MANAGER)
MAX_ASKED = 10  # people one /feedback request may ask


class BlockId(StrEnum):
    """Input blocks of the Give feedback form (field errors name them)."""

    RECEIVER = "feedback_receiver"
    ABOUT = "feedback_about"
    TEXT = "feedback_text"
    VISIBILITY = "feedback_visibility"


class FeedbackAction(StrEnum):
    """Elements of the Give feedback form."""

    RECEIVER = "feedback.receiver"  # dispatches: choosing a person refreshes what the feedback may be about
    ABOUT = "feedback.about"
    TEXT = "feedback.text"
    VISIBILITY = "feedback.visibility"


@dataclass(frozen=True)
class FeedbackRequestView:
    """Someone asking a colleague for feedback."""

    id: int
    requester_id: str
    giver_id: str
    about: str
    objective_title: str | None
    state: str  # pending | answered | cancelled
    created_at: datetime
    reminded_at: datetime | None = None


@dataclass(frozen=True)
class FeedbackView:
    """One feedback, for a reader entitled to it (its recipient, or their manager when shared)."""

    id: int
    giver_id: str
    receiver_id: str
    text: str
    visibility: str
    about: str  # what it is about, as a label ("" when nothing was chosen)
    created_at: datetime
    manager_id: str | None = None  # the receiver's manager, when the feedback is shared with them


@dataclass(frozen=True)
class FeedbackRequested:
    """The answer to /feedback request: the requests made, and the people already asked earlier."""

    requests: tuple[FeedbackRequestView, ...]
    already_pending: tuple[FeedbackRequestView, ...]


@dataclass(frozen=True)
class AboutChoice:
    """An objective or a 1-on-1 a feedback may be about (`value` is `objective:ID` or `1on1:ID`)."""

    value: str
    label: str


@dataclass(frozen=True)
class FeedbackForm:
    """What the Give feedback modal opens with; `metadata` round-trips through private_metadata."""

    receiver_id: str | None
    receiver_name: str
    manager_name: str | None
    request: FeedbackRequestView | None
    choices: tuple[AboutChoice, ...]
    initial_about: str | None
    text: str
    metadata: str
    problem: str = ""  # shown at the top of the form (e.g. the person just chosen can't receive feedback)


@dataclass(frozen=True)
class FeedbackGiven:
    """The giver's confirmation once feedback is delivered."""

    receiver_id: str
    visibility: str
    manager_id: str | None
    about: str


@dataclass(frozen=True)
class FeedbackHomeView:
    """The feedback section of the App Home, for one viewer."""

    viewer_id: str
    to_answer: tuple[FeedbackRequestView, ...]
    to_answer_count: int
    received: tuple[FeedbackView, ...]
    received_count: int
    about_reports: tuple[FeedbackView, ...]
    waiting_on: tuple[FeedbackRequestView, ...]


@dataclass(frozen=True)
class FeedbackUsage:
    """/feedback help, or a /feedback that was not understood (`problem` says why)."""

    problem: str = ""
