"""What the LLM service hands to the block builders (frozen): suggestions, drafts, notices, "What was sent";
the ids of the language-model buttons and modals, and the limits of what a model may write into them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

NEVER = "private notes, feedback, kudos, other 1-on-1s, and anything you could not read yourself"
MAX_ITEM = 300  # characters of one step, action item or point a model writes
MAX_SUMMARY = 300  # the 1-on-1 summary is one line (bot.blocks.one_on_ones_module.MAX_SUMMARY)
MAX_ITEMS_TEXT = 2500  # the drafted action items, one per line, in the summary modal
MAX_ACTION_ITEMS = 10  # action items saved from one drafted summary


class LlmAction(StrEnum):
    """Buttons of the language-model features (handled in bot.handlers.llm)."""

    SUGGEST = "llm.suggest"  # value: key result id
    WHAT_WAS_SENT = "llm.sent"  # value: exchange id
    DRAFT_SUMMARY = "llm.summary.draft"  # value: 1-on-1 id
    DRAFT_PREPARE = "llm.prepare.draft"  # value: ""


class LlmView(StrEnum):
    """Callback ids of the language-model modals."""

    STEPS = "llm.steps"  # pick a step: into the check-in, or a 1-on-1 task
    SUMMARY = "llm.summary"  # edit and save the drafted summary and action items
    INFO = "llm.info"  # nothing to submit (thinking, failure, a draft to read, what was sent)


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
