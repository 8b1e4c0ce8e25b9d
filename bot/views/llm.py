"""What the LLM service hands to the block builders (frozen): suggestions, drafts, notices, "What was sent"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NEVER = "private notes, feedback, kudos, other 1-on-1s, and anything you could not read yourself"


@dataclass(frozen=True)
class LlmNotice:
    """What the Home's Privacy part says: a model is in use, where it runs, what it gets and never gets."""

    host: str
    model: str
    gets: tuple[tuple[str, str], ...]
    never: str = NEVER


@dataclass(frozen=True)
class Suggestions:
    """Three suggested next steps for one key result, and where the person may put the one they pick."""

    exchange_id: int
    key_result_id: int
    objective_id: int
    title: str
    owner_id: str
    steps: tuple[str, ...]
    can_check_in: bool  # the actor owns the key result
    one_on_one_id: int | None  # the actor's open 1-on-1 with the owner (or with the owner's manager)


@dataclass(frozen=True)
class SummaryDraft:
    """A proposed one-line summary and action items of a done 1-on-1."""

    exchange_id: int
    one_on_one_id: int
    other_id: str
    requester_id: str
    manager_id: str
    summary: str
    action_items: tuple[str, ...]


@dataclass(frozen=True)
class PrepareDraft:
    """A short draft of what to raise in one's 1-on-1."""

    exchange_id: int
    manager_id: str | None
    points: tuple[str, ...]


@dataclass(frozen=True)
class ExchangeView:
    """A recorded prompt, for its own person only."""

    id: int
    task: str
    prompt: str
    outcome: str
    created_at: datetime
    host: str
