"""Use-cases for objectives, key results, check-ins and OKR threads (issue 4).

Each objective has one Slack message (in OKRBOT_OKR_CHANNEL, else its owner's DM), posted through the
outbox under the key `okr:{id}:message`; a check-in updates it in place (`okr:{id}:update:{batch}`) and
replies in its thread (`okr:{id}:checkin:{batch}`). A batch is one submitted check-in modal, so the same
submission arriving twice stores and posts nothing the second time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import okrs as okr_blocks
from bot.blocks.kit import user
from bot.blocks.limits import MAX_MESSAGE_TEXT
from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.okrs.input import new_key_results, normalise_tag, parse_away, plan_checkin
from bot.services.okrs.queries import export_rows, load_objectives, objective_rows
from bot.services.okrs.status import next_quarter, quarter_of
from bot.services.okrs.threads import OkrConversation
from bot.views.okrs import (
    MAX_AWAY_DAYS,
    MAX_TITLE,
    AwayView,
    CheckinChoiceView,
    CheckInResult,
    KeyResultChange,
    NewObjectiveForm,
    ObjectiveView,
    OkrListView,
    new_field,
)
from storage.db import insert_ignore
from storage.models import CheckIn, KeyResult, Objective, Person
from storage.models_delivery import OutboundMessage

if TYPE_CHECKING:
    from bot.services.people.service import PeopleService


def message_key(objective_id: int) -> str:
    """Outbox key of an objective's one message."""
    return f"okr:{objective_id}:message"


def remember_message(session: Session, row: OutboundMessage, answer: dict[str, Any], arg: str) -> None:
    """Store where an objective's message landed, so replies in its thread become its conversation."""
    objective = session.get(Objective, int(arg))
    if objective is not None and row.result:
        objective.channel_id = row.result["channel"]
        objective.message_ts = row.result["ts"]


class _Duplicate(Exception):
    """The same check-in batch was stored before; the transaction is rolled back."""


class OkrService:
    """Objectives, key results, check-ins and OKR threads (issue 4)."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService) -> None:
        self._ctx = ctx
        self._people = people
        self._conversation = OkrConversation(ctx)

    # --- reading -------------------------------------------------------------------------------------
    def current_quarter(self, team_id: str, user_id: str, session: Session | None = None) -> str:
        """The quarter it is now in the person's timezone."""
        now = self._ctx.clock()
        if session is None:
            with self._ctx.sessions() as own:
                person = self._people.view(own, team_id, user_id)
        else:
            person = self._people.view(session, team_id, user_id)
        zone = person.zone if person else None
        return quarter_of(now.astimezone(zone).date() if zone else now.date())

    def list_mine(self, *, team_id: str, user_id: str) -> OkrListView:
        """The caller's objectives of the current quarter, with progress and status (`/okr`)."""
        self._people.ensure(team_id, user_id)
        now = self._ctx.clock()
        with self._ctx.sessions() as session:
            quarter = self.current_quarter(team_id, user_id, session)
            objectives = self.objectives_of(session, team_id, user_id, quarter, now)
            person = session.get(Person, (team_id, user_id))
            return OkrListView(owner_id=user_id, quarter=quarter, objectives=tuple(objectives),
                               away_until=person.away_until if person else None)

    @staticmethod
    def objectives_of(session: Session, team_id: str, owner_id: str, quarter: str,
                      now: datetime) -> list[ObjectiveView]:
        """One person's objectives of a quarter (two queries)."""
        stmt = objective_rows(team_id).where(Objective.owner_id == owner_id, Objective.quarter == quarter)
        return load_objectives(session, stmt, now)

    def objective(self, *, team_id: str, objective_id: int) -> ObjectiveView:
        """One objective of this workspace, or NotFound."""
        with self._ctx.sessions() as session:
            return self._view(session, team_id, objective_id)

    def _view(self, session: Session, team_id: str, objective_id: int) -> ObjectiveView:
        found = load_objectives(session, objective_rows(team_id).where(Objective.id == objective_id),
                                self._ctx.clock())
        if not found:
            raise NotFound("That objective does not exist (any more).")
        return found[0]

    # --- creating ------------------------------------------------------------------------------------
    def new_objective_form(self, *, team_id: str, user_id: str) -> NewObjectiveForm:
        """The quarters the "New objective" modal offers (this one and the next)."""
        self._people.ensure(team_id, user_id)
        quarter = self.current_quarter(team_id, user_id)
        return NewObjectiveForm(quarters=(quarter, next_quarter(quarter)), default_quarter=quarter)

    def create(self, *, team_id: str, owner_id: str, values: dict[str, Any]) -> ObjectiveView:
        """Create an objective from the new-objective modal's values (block id → value) and post its message.

        Field errors name the modal's input block. The owner may not have two objectives with the same
        title in a quarter.
        """
        title = str(values.get(new_field("title")) or "").strip()
        if not title:
            raise UserFacingError("Give the objective a title.", field=new_field("title"))
        if len(title) > MAX_TITLE:
            raise UserFacingError(f"Keep the title under {MAX_TITLE} characters.", field=new_field("title"))
        quarter = str(values.get(new_field("quarter")) or "") or self.current_quarter(team_id, owner_id)
        if not re.fullmatch(r"\d{4}-Q[1-4]", quarter):
            raise UserFacingError("Pick a quarter such as 2026-Q4.", field=new_field("quarter"))
        try:
            tag = normalise_tag(values.get(new_field("tag")))
        except ValueError:
            raise UserFacingError("A tag is one word of letters, digits, - or _ (e.g. onboarding).",
                                  field=new_field("tag")) from None
        key_results = new_key_results(values)
        self._people.ensure(team_id, owner_id)
        now = self._ctx.clock()
        with self._ctx.sessions.begin() as session:
            inserted = insert_ignore(session, Objective, {
                "team_id": team_id, "owner_id": owner_id, "quarter": quarter, "title": title, "tag": tag,
                "created_at": now, "updated_at": now})
            if not inserted:
                raise UserFacingError(f"You already have an objective called that in {quarter}.",
                                      field=new_field("title"))
            objective_id = session.scalar(select(Objective.id).where(
                Objective.team_id == team_id, Objective.owner_id == owner_id, Objective.quarter == quarter,
                Objective.title == title))
            for position, (kr_title, start, target, unit) in enumerate(key_results):
                session.add(KeyResult(team_id=team_id, objective_id=objective_id, title=kr_title, position=position,
                                      start_value=start, target_value=target, current_value=start, unit=unit,
                                      status=None, updated_at=now))
            session.flush()
            view = self._view(session, team_id, objective_id)
            self.post_message(session, view)
            return view

    def post_message(self, session: Session, view: ObjectiveView) -> bool:
        """Queue the objective's one message (no-op when queued before); True when queued now."""
        return self._ctx.outbox.add(
            session, team_id=view.team_id, key=message_key(view.id), channel=self._channel_for(view),
            text=okr_blocks.objective_text(view), blocks=okr_blocks.objective_message(view),
            on_sent=f"okr.message:{view.id}", unfurl_links=False)

    def refresh_message(self, session: Session, view: ObjectiveView, version: str) -> None:
        """Bring the objective's message up to date: post it if it never was, else update it in place."""
        if not self.post_message(session, view):
            self._ctx.outbox.add(session, team_id=view.team_id, key=f"okr:{view.id}:update:{version}",
                                 channel=self._channel_for(view), text=okr_blocks.objective_text(view),
                                 blocks=okr_blocks.objective_message(view), update_of=message_key(view.id))

    def _channel_for(self, view: ObjectiveView) -> str:
        return view.channel_id or self._ctx.settings.okr_channel or view.owner_id

    # --- checking in ---------------------------------------------------------------------------------
    def checkin_choice(self, *, team_id: str, user_id: str, objective_id: int | None) -> CheckinChoiceView:
        """What the check-in button or `/okr checkin` opens: one objective's form, or the list to pick from."""
        self._people.ensure(team_id, user_id)
        now = self._ctx.clock()
        with self._ctx.sessions() as session:
            quarter = self.current_quarter(team_id, user_id, session)
            if objective_id is not None:
                view = self._view(session, team_id, objective_id)
                if view.owner_id != user_id:
                    raise UserFacingError(f"Only {user(view.owner_id)} can check in on that objective.")
                return CheckinChoiceView(owner_id=user_id, quarter=view.quarter, objectives=(view,))
            objectives = self.objectives_of(session, team_id, user_id, quarter, now)
            return CheckinChoiceView(owner_id=user_id, quarter=quarter, objectives=tuple(objectives))

    def check_in(self, *, team_id: str, user_id: str, objective_id: int, batch_id: str,
                 values: dict[str, Any]) -> CheckInResult:
        """Store a CheckIn per changed key result, update the objective's message, reply in its thread.

        `values` are the check-in modal's values (block id → value); `batch_id` identifies the submission
        (the modal's view id), so the same submission twice stores nothing the second time.
        """
        now = self._ctx.clock()
        try:
            with self._ctx.sessions.begin() as session:
                objective = session.scalar(select(Objective).where(Objective.team_id == team_id,
                                                                   Objective.id == objective_id))
                if objective is None:
                    raise NotFound("That objective does not exist (any more).")
                if objective.owner_id != user_id:
                    raise UserFacingError(f"Only {user(objective.owner_id)} can check in on it.")
                before = {kr.id: kr for kr in self._view(session, team_id, objective_id).key_results}
                planned = plan_checkin(objective, values)
                for plan in planned:
                    session.add(CheckIn(team_id=team_id, key_result_id=plan.kr.id, author_id=user_id,
                                        value=plan.value, status=plan.status, obstacles=plan.obstacles,
                                        next_steps=plan.next_steps, created_at=now))
                    plan.kr.current_value, plan.kr.status, plan.kr.updated_at = plan.value, plan.status, now
                objective.updated_at = now
                session.flush()
                view = self._view(session, team_id, objective_id)
                after = {kr.id: kr for kr in view.key_results}
                changes = tuple(KeyResultChange(
                    key_result_id=p.kr.id, title=p.kr.title, unit=p.kr.unit or "", old_value=before[p.kr.id].current,
                    new_value=p.value, old_status=before[p.kr.id].status, new_status=after[p.kr.id].status,
                    explicit_status=p.status, obstacles=p.obstacles, next_steps=p.next_steps) for p in planned)
                result = CheckInResult(objective=view, changes=changes)
                posted = self.post_message(session, view)
                replied = self._ctx.outbox.add(
                    session, team_id=team_id, key=f"okr:{objective_id}:checkin:{batch_id}",
                    channel=self._channel_for(view), text=okr_blocks.checkin_summary_text(result),
                    blocks=okr_blocks.checkin_summary(result), thread_of=message_key(objective_id))
                if not replied:
                    raise _Duplicate
                if not posted:
                    self._ctx.outbox.add(session, team_id=team_id, key=f"okr:{objective_id}:update:{batch_id}",
                                         channel=self._channel_for(view), text=okr_blocks.objective_text(view),
                                         blocks=okr_blocks.objective_message(view),
                                         update_of=message_key(objective_id))
                return result
        except _Duplicate:
            return CheckInResult(objective=self.objective(team_id=team_id, objective_id=objective_id), changes=(),
                                 duplicate=True)

    # --- away ----------------------------------------------------------------------------------------
    def away(self, *, team_id: str, user_id: str, text: str) -> AwayView:
        """`/okr away until YYYY-MM-DD` / `/okr away YYYY-MM-DD` / `/okr away off`."""
        return self.set_away(team_id=team_id, user_id=user_id, until=parse_away(text))

    def set_away(self, *, team_id: str, user_id: str, until: date | None) -> AwayView:
        """Mark the person away until `until` (inclusive), or back (None); refuses past and far dates."""
        person_view = self._people.ensure(team_id, user_id)
        if until is not None:
            today = self._ctx.clock().astimezone(person_view.zone if person_view else UTC).date()
            if until < today:
                raise UserFacingError("That day has passed: pick today or a later day.", field="away")
            if until > today + timedelta(days=MAX_AWAY_DAYS):
                raise UserFacingError("Pick a day within the next year.", field="away")
        with self._ctx.sessions.begin() as session:
            person = session.get(Person, (team_id, user_id))
            if person is None:
                person = Person(team_id=team_id, user_id=user_id, name=user_id)
                session.add(person)
            person.away_until = until
            return AwayView(user_id=user_id, away_until=until)

    # --- export --------------------------------------------------------------------------------------
    def export(self, *, since: date | None = None) -> list[dict[str, Any]]:
        """One row per key result (every workspace), with its effective status; `since` filters on last change."""
        with self._ctx.sessions() as session:
            return export_rows(session, since, self._ctx.clock())

    # --- conversation capture, called by bot.handlers.events for every thread message (issue 4) ---
    def record_reply(self, *, team_id: str, channel: str, thread_ts: str, ts: str, user_id: str, text: str) -> bool:
        """Store a reply if `thread_ts` is one of ours; False when it is not."""
        return self._conversation.record_reply(team_id=team_id, channel=channel, thread_ts=thread_ts, ts=ts,
                                               user_id=user_id, text=text[:MAX_MESSAGE_TEXT])

    def record_edit(self, *, team_id: str, channel: str, ts: str, text: str) -> bool:
        """Reflect an edit of a stored reply; False when it is not ours."""
        return self._conversation.record_edit(team_id=team_id, channel=channel, ts=ts, text=text[:MAX_MESSAGE_TEXT])

    def record_delete(self, *, team_id: str, channel: str, ts: str) -> bool:
        """Reflect the deletion of a stored reply; False when it is not ours."""
        return self._conversation.record_delete(team_id=team_id, channel=channel, ts=ts)

    def record_reaction(self, *, team_id: str, user_id: str, item_user: str | None, channel: str, ts: str,
                        reaction: str, added: bool) -> bool:
        """Store (or take back) a reaction on an objective's message or on a reply in its thread."""
        return self._conversation.record_reaction(team_id=team_id, user_id=user_id, channel=channel, ts=ts,
                                                  reaction=reaction, added=added)

    def conversation_channels(self, team_id: str) -> set[str]:
        """Channels holding an objective's message: the only places a reaction can join an OKR conversation."""
        return self._conversation.channels(team_id)

    def conversation(self, *, team_id: str, objective_id: int) -> list[Any]:
        """The objective's conversation (replies and reactions, deleted ones left out), oldest first."""
        return self._conversation.of(team_id=team_id, objective_id=objective_id)
