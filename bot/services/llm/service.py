"""The language-model use-cases: suggest next steps, draft a 1-on-1 summary, draft what to raise.

Each call reads facts for the acting person (`facts.py`), builds the prompt with the one builder
(`prompts.build_prompt`), records it (so "What was sent" shows exactly it), asks the model, and parses the
answer strictly (`answers.py`). Nothing is written to OKRs, check-ins, 1-on-1s or tasks until the person
confirms (`use_step`, `save_summary`); a failure only updates the recorded exchange's outcome.
Handlers call these after Slack's ack, never on the ack path.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.services.core.errors import NotFound, UserFacingError
from bot.services.llm.answers import parse_answer
from bot.services.llm.client import LlmClient, LlmError, host_of
from bot.services.llm.facts import key_result_facts, meeting_facts, prepare_facts
from bot.services.llm.prompts import Facts, Prompt, build_prompt
from bot.views.llm import MAX_ACTION_ITEMS, ExchangeView, LlmNotice, PrepareDraft, Suggestions, SummaryDraft
from bot.views.one_on_ones import MAX_TASK
from storage.models import Person
from storage.models_llm import LlmExchange
from storage.models_one_on_ones import OneOnOne, Task

if TYPE_CHECKING:
    from bot.services.core.context import ServiceContext
    from bot.services.okrs.service import OkrService
    from bot.services.one_on_ones.module import Module
    from bot.services.people.service import PeopleService

log = logging.getLogger("okrbot.llm")

KEEP_DAYS = 30  # "What was sent" is kept this long, then purged by the scheduler
MODEL_WORKERS = 4  # model calls running at once in one process
MAX_WAITING = 32  # calls running or queued before "busy, try again"
BUSY = "The language model is busy with other requests. Nothing was changed; try again in a minute."
OPEN_STATES = ("accepted", "requested", "rescheduled")
DESTINATIONS = ("checkin", "task")
WHAT_IT_GETS = {
    "next_steps": "the key result, its objective, progress, status, latest obstacle and its age, its last three "
                  "check-ins and the replies in the OKR thread that you can read",
    "summary": "the 1-on-1's topic, linked objectives, shared notes, tasks and the replies in its thread",
    "prepare": "your own key results of the quarter (progress, status, latest obstacle) and your open tasks",
}


class LlmFailed(UserFacingError):
    """The model gave no usable answer; `exchange_id` is the recorded prompt (for "What was sent")."""

    def __init__(self, message: str, *, kind: str, exchange_id: int) -> None:
        super().__init__(message)
        self.kind = kind
        self.exchange_id = exchange_id


class LlmService:
    """Optional language-model features; every method refuses politely when no model is configured."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService, okrs: OkrService, one_on_ones: Module) -> None:
        self._ctx = ctx
        self._people = people
        self._okrs = okrs
        self._one_on_ones = one_on_ones
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._waiting = 0

    def run_later(self, job: Callable[[], None]) -> bool:
        """Run `job` (ask the model, then show the answer) on this process's own small pool; False when busy.

        Bolt's listener pool has 5 threads in all: a slow model call there would hold up every other
        listener's ack. Here at most MODEL_WORKERS calls run at once, and at most MAX_WAITING wait.
        """
        with self._lock:
            if self._waiting >= MAX_WAITING:
                return False
            self._waiting += 1
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=MODEL_WORKERS, thread_name_prefix="okrbot-llm")
            pool = self._pool

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("a language-model job failed")
            finally:
                with self._lock:
                    self._waiting -= 1

        pool.submit(run)
        return True

    @property
    def enabled(self) -> bool:
        """Whether OKRBOT_LLM_URL and OKRBOT_LLM_MODEL are set (else no LLM button is ever shown)."""
        return self._ctx.settings.llm_enabled

    def client(self) -> LlmClient:
        """The HTTP client for the configured endpoint."""
        s = self._ctx.settings
        self._require()
        return LlmClient(url=s.llm_url or "", model=s.llm_model,
                         api_key=s.llm_api_key.get_secret_value() if s.llm_api_key else None, timeout=s.llm_timeout)

    def notice(self) -> LlmNotice | None:
        """The Privacy part of the Home tab when a model is configured, else None."""
        if not self.enabled:
            return None
        return LlmNotice(host=host_of(self._ctx.settings.llm_url or ""), model=self._ctx.settings.llm_model,
                         gets=tuple(WHAT_IT_GETS.items()))

    def _require(self) -> None:
        if not self.enabled:
            raise UserFacingError("No language model is configured in this workspace.")

    # ---- asking ----------------------------------------------------------------------------------
    def _ask(self, team_id: str, actor: str, subject: str, task: str, facts: Facts) -> tuple[int, dict]:
        """Record the prompt, ask the model, parse strictly; LlmFailed (with the exchange id) on any failure."""
        prompt: Prompt = build_prompt(task, facts)
        client = self.client()
        with self._ctx.sessions.begin() as session:
            exchange = LlmExchange(team_id=team_id, user_id=actor, task=task, subject=subject, prompt=prompt.text(),
                                   outcome="pending", created_at=self._ctx.clock())
            session.add(exchange)
            session.flush()
            exchange_id = exchange.id
        outcome = "ok"
        try:
            return exchange_id, parse_answer(task, client.complete(prompt.as_messages()))
        except LlmError as error:
            outcome = error.kind
            raise LlmFailed(error.message, kind=error.kind, exchange_id=exchange_id) from None
        finally:
            with self._ctx.sessions.begin() as session:
                session.execute(update(LlmExchange).where(LlmExchange.id == exchange_id).values(outcome=outcome))

    def suggest_steps(self, *, team_id: str, actor: str, key_result_id: int) -> Suggestions:
        """Three next steps for a key result the actor owns or manages (nothing is stored but the prompt)."""
        self._require()
        with self._ctx.sessions() as session:
            facts = key_result_facts(session, team_id, actor, key_result_id, self._ctx.clock())
            one_on_one_id = self._open_one_on_one(session, team_id, actor, facts.owner_id)
        exchange_id, answer = self._ask(team_id, actor, f"kr:{key_result_id}", "next_steps", facts)
        return Suggestions(exchange_id=exchange_id, key_result_id=facts.key_result_id,
                           objective_id=facts.objective_id, title=facts.title, owner_id=facts.owner_id,
                           steps=answer["steps"], can_check_in=actor == facts.owner_id, one_on_one_id=one_on_one_id)

    def _open_one_on_one(self, session: Session, team_id: str, actor: str, owner: str) -> int | None:
        """The open 1-on-1 where a step of `owner`'s key result would go as a task, seen by `actor`."""
        if actor == owner:
            other = session.scalar(select(Person.manager_id).where(Person.team_id == team_id,
                                                                    Person.user_id == owner))
        else:
            other = actor
        if not other:
            return None
        return session.scalar(select(OneOnOne.id).where(
            OneOnOne.team_id == team_id, OneOnOne.state.in_(OPEN_STATES),
            or_((OneOnOne.requester_id == owner) & (OneOnOne.manager_id == other),
                (OneOnOne.requester_id == other) & (OneOnOne.manager_id == owner)))
            .order_by(OneOnOne.agreed_at.is_(None), OneOnOne.agreed_at, OneOnOne.id).limit(1))

    def draft_summary(self, *, team_id: str, actor: str, one_on_one_id: int) -> SummaryDraft:
        """A proposed summary and action items of a 1-on-1 the actor took part in (nothing saved)."""
        self._require()
        with self._ctx.sessions() as session:
            facts = meeting_facts(session, team_id, actor, one_on_one_id)
            row = session.scalar(select(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id))
            assert row is not None  # meeting_facts raised NotFound otherwise
            requester, manager = row.requester_id, row.manager_id
        exchange_id, answer = self._ask(team_id, actor, f"1on1:{one_on_one_id}", "summary", facts)
        return SummaryDraft(exchange_id=exchange_id, one_on_one_id=one_on_one_id,
                            other_id=manager if actor == requester else requester, requester_id=requester,
                            manager_id=manager, summary=answer["summary"], action_items=answer["action_items"])

    def draft_prepare(self, *, team_id: str, actor: str) -> PrepareDraft:
        """A short draft of what the actor could raise in their next 1-on-1, from their own OKR status."""
        self._require()
        person = self._people.ensure(team_id, actor)
        now = self._ctx.clock()
        today = now.astimezone(person.zone).date() if person and person.zone else now.date()
        with self._ctx.sessions() as session:
            facts = prepare_facts(session, team_id, actor, now, today)
        exchange_id, answer = self._ask(team_id, actor, "prepare", "prepare", facts)
        return PrepareDraft(exchange_id=exchange_id, manager_id=person.manager_id if person else None,
                            points=answer["points"])

    # ---- confirming ------------------------------------------------------------------------------
    def use_step(self, *, team_id: str, actor: str, key_result_id: int, step: str, destination: str,
                 one_on_one_id: int | None) -> object:
        """The person's confirmed pick: a task in the 1-on-1 (stored now), or the check-in form to fill (returned).

        Returns the check-in choice (`destination="checkin"`, nothing stored until the check-in is submitted)
        or the new task's view (`destination="task"`).
        """
        step = " ".join((step or "").split())
        if not step:
            raise UserFacingError("Pick one of the steps first.", field="step")
        with self._ctx.sessions() as session:
            facts = key_result_facts(session, team_id, actor, key_result_id, self._ctx.clock())
            open_id = self._open_one_on_one(session, team_id, actor, facts.owner_id)
        if destination == "checkin":
            return self._okrs.checkin_choice(team_id=team_id, user_id=actor, objective_id=facts.objective_id)
        if destination != "task":
            raise UserFacingError("Choose where the step goes.", field="destination")
        if open_id is None or (one_on_one_id is not None and open_id != one_on_one_id):
            raise UserFacingError("There is no open 1-on-1 between you two any more: request one first.",
                                  field="destination")
        return self._one_on_ones.add_task(team_id=team_id, one_on_one_id=open_id, actor=actor, text=step,
                                          assignee=facts.owner_id)

    def save_summary(self, *, team_id: str, actor: str, one_on_one_id: int, summary: str,
                     action_items: list[str], assignee: str | None) -> int:
        """The author's edited draft: their one-line summary, then one task per new action item; returns tasks added.

        Saving the same draft again (a double click, or again after a crash half-way) adds no task twice.
        """
        items = [" ".join(i.split()) for i in action_items if i.strip()]
        if len(items) > MAX_ACTION_ITEMS:
            raise UserFacingError(f"At most {MAX_ACTION_ITEMS} action items, please.", field="action_items")
        if any(len(i) > MAX_TASK for i in items):
            raise UserFacingError(f"Please keep each action item under {MAX_TASK} characters.", field="action_items")
        self._one_on_ones.save_summary(team_id=team_id, one_on_one_id=one_on_one_id, actor=actor,
                                       text=summary)
        with self._ctx.sessions() as session:  # a second Save (or one after a crash) adds no task twice
            have = set(session.scalars(select(Task.text).where(Task.team_id == team_id,
                                                               Task.one_on_one_id == one_on_one_id,
                                                               Task.author_id == actor)))
        items = [i for i in dict.fromkeys(items) if i not in have]
        for item in items:
            self._one_on_ones.add_task(team_id=team_id, one_on_one_id=one_on_one_id, actor=actor,
                                       text=item, assignee=assignee)
        return len(items)

    # ---- transparency ----------------------------------------------------------------------------
    def purge_exchanges(self) -> int:
        """Forget prompts older than KEEP_DAYS (the scheduler's purge-llm-exchanges job); how many were dropped."""
        cutoff = self._ctx.clock() - timedelta(days=KEEP_DAYS)
        with self._ctx.sessions.begin() as session:
            return session.execute(delete(LlmExchange).where(LlmExchange.created_at < cutoff)).rowcount or 0

    def exchange(self, *, team_id: str, actor: str, exchange_id: int) -> ExchangeView:
        """A recorded prompt: only the person who asked may see it."""
        with self._ctx.sessions() as session:
            row = session.scalar(select(LlmExchange).where(LlmExchange.team_id == team_id,
                                                           LlmExchange.id == exchange_id,
                                                           LlmExchange.user_id == actor))
            if row is None:
                raise NotFound("That prompt is not yours or no longer exists.")
            return ExchangeView(id=row.id, task=row.task, prompt=row.prompt, outcome=row.outcome,
                                created_at=row.created_at, host=host_of(self._ctx.settings.llm_url or ""))
