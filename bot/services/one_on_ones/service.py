"""Use-cases for 1-on-1 requests and answers, and a manager scheduling one with a report (issue 3).

States: requested → accepted | declined | rescheduled; rescheduled → accepted | cancelled (the requester
answers the new time); accepted → done. Notes, tasks, Mark done, summaries and the conversation capture
are in `one_on_ones_module`; the Home section in `one_on_ones_home`; reminders and exports in
`one_on_ones_jobs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.blocks.kit import slack_date
from bot.blocks.one_on_ones import (
    answer_message,
    answer_text,
    new_time_reply,
    request_message,
    request_text,
    scheduled_message,
)
from bot.services.core.errors import UserFacingError
from bot.services.core.parsing import USER_MENTION, first_word, parse_id
from bot.services.okrs.status import quarter_of
from bot.services.one_on_ones.base import pair_key, request_key
from bot.services.one_on_ones.edits import OneOnOneEdits
from bot.services.one_on_ones.home import OneOnOneHome
from bot.services.one_on_ones.jobs import OneOnOneJobs
from bot.services.one_on_ones.meetings import OneOnOneMeetings
from bot.services.one_on_ones.module import OneOnOneModule
from bot.services.one_on_ones.queries import pair_filter
from bot.services.one_on_ones.reminders import OneOnOneReminders
from bot.services.one_on_ones.time import picked_time
from bot.views.one_on_ones import CommandOutcome, ObjectiveOption, OneOnOneView, Outcome, RequestForm, ScheduleForm
from storage.models import Objective, Person
from storage.models_one_on_ones import OneOnOne

MAX_TOPIC = 2000
MAX_NOTE = 2000
URGENCIES = ("this_week", "this_month")
HELP_WORDS = ("help", "-h", "--help", "?", "usage")


def _unescape(text: str) -> str:
    """Command text comes escaped by Slack (should_escape): store what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _check_topic(topic: str, field: str | None = "topic") -> str:
    topic = (topic or "").strip()
    if len(topic) > MAX_TOPIC:
        raise UserFacingError(f"The topic is {len(topic):,} characters long; please keep it under {MAX_TOPIC:,}.",
                              field=field)
    return topic


class OneOnOneService(OneOnOneMeetings, OneOnOneReminders, OneOnOneEdits, OneOnOneModule, OneOnOneHome,
                      OneOnOneJobs):
    """1-on-1 requests, answers, notes, tasks, conversation, reminders and exports (issue 3)."""

    # ---- requesting ----------------------------------------------------------------------------
    def request_command(self, *, team_id: str, requester: str, text: str) -> CommandOutcome:
        """`/request-1on1 [@manager] [topic]`: send at once when the manager and topic are known, else a form."""
        if first_word(text) in HELP_WORDS:
            return CommandOutcome("help")
        raw = _unescape(text or "")
        mentioned = list(dict.fromkeys(USER_MENTION.findall(raw)))
        words = USER_MENTION.sub(" ", raw).split()
        if not mentioned and words and words[0].startswith("@") and len(words[0]) > 1:
            raise UserFacingError(f"`{words[0][:80]}` is not a Slack mention, so I can't tell who you mean; nothing "
                                  "was sent. Type @ and pick the person from Slack's list, e.g. "
                                  "`/request-1on1 @maria Q4 hiring plan`.")
        topic = _check_topic(" ".join(words), field=None)
        if len(mentioned) > 1:
            raise UserFacingError("Mention only the person you'd like to meet, e.g. "
                                  "`/request-1on1 @maria Q4 hiring plan`.")
        if mentioned:
            self._services.people.require_colleague(team_id, mentioned[0], actor=requester,
                                                    what="the person to meet")
            if not topic:
                return CommandOutcome("form", form=self.request_form(team_id=team_id, requester=requester,
                                                                     manager_id=mentioned[0]))
            me = self._services.people.ensure(team_id, requester)
            if me is None or me.manager_id != mentioned[0]:
                # Not their manager on record: nothing is sent until the requester confirms (issue 14).
                return CommandOutcome("confirm", view=self.request(team_id=team_id, requester=requester,
                                                                   manager_id=mentioned[0], topic=topic, field=None,
                                                                   hold=True))
            return CommandOutcome("requested", view=self.request(team_id=team_id, requester=requester,
                                                                 manager_id=mentioned[0], topic=topic, field=None))
        me = self._services.people.ensure(team_id, requester)
        if me is not None and me.manager_id and topic:
            return CommandOutcome("requested", view=self.request(team_id=team_id, requester=requester,
                                                                 manager_id=me.manager_id, topic=topic, field=None))
        return CommandOutcome("form", form=self.request_form(team_id=team_id, requester=requester, topic=topic))

    def request_form(self, *, team_id: str, requester: str, manager_id: str | None = None,
                     topic: str = "") -> RequestForm:
        """What the request modal shows: the manager (given or on record), this quarter's objectives."""
        me = self._services.people.ensure(team_id, requester)
        stored = me.manager_id if me else None
        tz = me.tz if me else self._ctx.settings.default_timezone
        quarter = quarter_of(self._now().astimezone(me.zone).date() if me else self._now().date())
        with self._ctx.sessions() as session:
            options = tuple(ObjectiveOption(o.id, o.title) for o in session.scalars(
                select(Objective).where(Objective.team_id == team_id, Objective.owner_id == requester,
                                        Objective.quarter == quarter).order_by(Objective.title).limit(100)))
        if manager_id == requester:
            manager_id = None
        return RequestForm(requester_id=requester, manager_id=manager_id or stored, remember_offered=stored is None,
                           objectives=options, tz=tz, quarter=quarter, topic=topic)

    def request(self, *, team_id: str, requester: str, manager_id: str | None, topic: str,
                objective_ids: Iterable[int | str] = (), day: str | None = None, clock: str | None = None,
                urgency: str = "this_month", remember: bool = False, field: str | None = "manager",
                hold: bool = False) -> OneOnOneView:
        """Ask `manager_id` for a 1-on-1: validates everything, writes the request and the manager's DM.

        `day`/`clock` come from the date and time pickers and are read in the requester's timezone.
        Errors name the modal field they belong to (`field` is the manager field, None on the command path).
        `hold` stores it unconfirmed and sends nothing until the requester confirms (`confirm_request`).
        """
        topic = _check_topic(topic, "topic" if field else None)
        if not manager_id:
            raise UserFacingError("Choose the person you'd like to meet.", field=field)
        me = self._services.people.ensure(team_id, requester)
        manager = self._services.people.require_colleague(team_id, manager_id, actor=requester, field=field,
                                                          what="the person to meet")
        now = self._now()
        proposed = picked_time(day, clock, me.zone if me else manager.zone, now)
        with self._ctx.sessions() as session:
            waiting = session.scalar(select(OneOnOne.requested_at).where(
                OneOnOne.team_id == team_id, OneOnOne.requester_id == requester, OneOnOne.manager_id == manager_id,
                OneOnOne.state.in_(("requested", "rescheduled"))).limit(1))
        if waiting is not None:
            raise UserFacingError(f"You already asked <@{manager_id}> for a 1-on-1 and they haven't answered yet; "
                                  "it's in your App Home.", field=field)
        if remember:
            self._services.people.set_manager(team_id, requester, manager_id)
        with self._ctx.sessions.begin() as session:
            row = OneOnOne(team_id=team_id, requester_id=requester, manager_id=manager_id, topic=topic,
                           urgency=urgency if urgency in URGENCIES else "this_month",
                           state="unconfirmed" if hold else "requested",
                           proposed_at=proposed, requested_at=now, revision=0)
            row.objectives = self._own_objectives(session, team_id, requester, objective_ids)
            session.add(row)
            session.flush()
            view = self._view(session, row)
            if not hold:
                self._send_request(session, view)
            return view

    def _send_request(self, session: Session, view: OneOnOneView) -> None:
        self._ctx.outbox.add(session, team_id=view.team_id, key=request_key(view.id), channel=view.manager_id,
                             text=request_text(view), blocks=request_message(view), on_sent=f"1on1.request:{view.id}")

    def confirm_request(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The requester confirms a request to someone who is not their manager on record: it is sent now.
        A second click changes nothing."""
        with self._ctx.sessions.begin() as session:
            changed = self._transition(session, team_id, one_on_one_id, actor_is=OneOnOne.requester_id == actor,
                                       from_states=("unconfirmed",), state="requested", requested_at=self._now())
            row = self._row(session, team_id, one_on_one_id)
            if row.requester_id != actor:
                raise UserFacingError("Only the person who wrote this request can send it.")
            view = self._view(session, row)
            if changed:
                self._send_request(session, view)
            return view

    @staticmethod
    def _own_objectives(session: object, team_id: str, owner: str, ids: Iterable[int | str]) -> list[Objective]:
        wanted = [i for i in map(parse_id, ids) if i is not None]
        if not wanted:
            return []
        return list(session.scalars(select(Objective).where(  # type: ignore[attr-defined]
            Objective.team_id == team_id, Objective.owner_id == owner, Objective.id.in_(wanted))))

    # ---- answering (manager) ------------------------------------------------------------------
    def answer_form(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The request, if `actor` may answer it now (before opening Propose another time / Decline)."""
        with self._ctx.sessions() as session:
            row = self._row(session, team_id, one_on_one_id)
            self._unchanged(row, actor, answerer=row.manager_id, wanted="requested")
            return self._view(session, row)

    def accept(self, *, team_id: str, one_on_one_id: int, actor: str, day: str | None = None,
               clock: str | None = None) -> Outcome:
        """The manager accepts, at the proposed time or at `day`/`clock` (read in the manager's timezone):
        the requester is told, the pair gets the 1-on-1 message. Twice is a no-op."""
        now = self._now()
        agreed: object = OneOnOne.proposed_at
        if day or clock:
            with self._ctx.sessions() as session:
                zone = self._zone(session, team_id, actor)
            agreed = picked_time(day, clock, zone, now, required=True)
        with self._ctx.sessions.begin() as session:
            outcome = self._manager_answers(session, team_id, one_on_one_id, actor, "accepted",
                                            prepare=self._first_talking_point, answered_at=now,
                                            agreed_at=agreed)
            if outcome.changed:
                row = self._row(session, team_id, one_on_one_id)
                self._post_pair_message(session, row)
                self._after_new_time(session, row)
            return outcome

    def reschedule(self, *, team_id: str, one_on_one_id: int, actor: str, day: str | None, clock: str | None,
                   note: str = "") -> Outcome:
        """The manager proposes another time (in their timezone) with a note; the requester answers it."""
        note = (note or "").strip()
        if len(note) > MAX_NOTE:
            raise UserFacingError(f"Please keep the note under {MAX_NOTE:,} characters.", field="note")
        with self._ctx.sessions() as session:
            row = self._row(session, team_id, one_on_one_id)
            self._unchanged(row, actor, answerer=row.manager_id, wanted="requested")
            zone = self._zone(session, team_id, actor)
        now = self._now()
        proposed = picked_time(day, clock, zone, now, required=True)
        with self._ctx.sessions.begin() as session:
            return self._manager_answers(session, team_id, one_on_one_id, actor, "rescheduled", answered_at=now,
                                         proposed_at=proposed, answer_note=note)

    def decline(self, *, team_id: str, one_on_one_id: int, actor: str, reason: str = "") -> Outcome:
        """The manager declines, optionally saying why; the requester is told once."""
        reason = (reason or "").strip()
        if len(reason) > MAX_NOTE:
            raise UserFacingError(f"Please keep the reason under {MAX_NOTE:,} characters.", field="reason")
        now = self._now()
        with self._ctx.sessions.begin() as session:
            return self._manager_answers(session, team_id, one_on_one_id, actor, "declined", answered_at=now,
                                         answer_note=reason)

    def _manager_answers(self, session: Session, team_id: str, one_on_one_id: int, actor: str, state: str, *,
                         prepare: Callable[[Session, OneOnOne], object] | None = None, **values: object) -> Outcome:
        """The addressed manager answers a pending request: it moves once (a second click changes nothing),
        the request DMs are updated in place, and the requester is told once."""
        changed = self._transition(session, team_id, one_on_one_id, actor_is=OneOnOne.manager_id == actor,
                                   from_states=("requested",), state=state, **values)
        row = self._row(session, team_id, one_on_one_id)
        if not changed:
            self._unchanged(row, actor, answerer=row.manager_id, wanted=state)
            return Outcome(self._view(session, row), False)
        if prepare is not None:
            prepare(session, row)
        self._refresh_request_dms(session, row)
        view = self._view(session, row)
        self._ctx.outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:answer:{state}",
                             channel=row.requester_id, text=answer_text(view), blocks=answer_message(view))
        return Outcome(view, True)

    # ---- answering the new time (requester) ---------------------------------------------------
    def answer_new_time(self, *, team_id: str, one_on_one_id: int, actor: str, accept: bool) -> Outcome:
        """The requester accepts the time their manager proposed (→ accepted) or can't make it (→ cancelled)."""
        state = "accepted" if accept else "cancelled"
        values = {"agreed_at": OneOnOne.proposed_at} if accept else {}
        with self._ctx.sessions.begin() as session:
            changed = self._transition(session, team_id, one_on_one_id, actor_is=OneOnOne.requester_id == actor,
                                       from_states=("rescheduled",), state=state, **values)
            row = self._row(session, team_id, one_on_one_id)
            if not changed:
                self._unchanged(row, actor, answerer=row.requester_id, wanted=state)
                return Outcome(self._view(session, row), False)
            if accept:
                self._first_talking_point(session, row)
            self._refresh_request_dms(session, row)
            view = self._view(session, row)
            outbox = self._ctx.outbox
            outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:answer:rescheduled:{state}",
                       channel=row.requester_id, text=answer_text(view), blocks=answer_message(view),
                       update_of=f"1on1:{row.id}:answer:rescheduled")
            outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:reply:{state}", channel=row.manager_id,
                       text=f"{view.requester_name} answered the time you proposed", blocks=new_time_reply(view))
            if accept:
                self._post_pair_message(session, row)
                self._after_new_time(session, row)
            return Outcome(view, True)

    # ---- a manager schedules with a report (SharedAction.SCHEDULE_ONE_ON_ONE) ------------------
    def _require_report(self, team_id: str, manager: str, report: str, field: str | None = None) -> None:
        person = self._services.people.require_colleague(team_id, report, actor=manager, field=field,
                                                         what="a 1-on-1 partner")
        if person.manager_id != manager:
            raise UserFacingError(f"<@{report}> is not one of your direct reports.", field=field)

    def _refuse_second(self, session: Session, team_id: str, manager: str, report: str,
                       field: str | None = None) -> None:
        """A clear error when the pair already has an accepted 1-on-1 that is not done."""
        upcoming = session.execute(select(OneOnOne.id, OneOnOne.agreed_at).where(
            OneOnOne.team_id == team_id, OneOnOne.state == "accepted", pair_filter(manager, report))
            .order_by(OneOnOne.agreed_at.is_(None), OneOnOne.agreed_at).limit(1)).first()
        if upcoming is not None:
            when = f" on {slack_date(upcoming.agreed_at)}" if upcoming.agreed_at else ""
            raise UserFacingError(f"You already have a 1-on-1 with <@{report}>{when}: use *Reschedule* on its card "
                                  "in your group DM to move it, or *Repeat* to make it a series.", field=field)

    def schedule_form(self, *, team_id: str, manager: str, report: str) -> ScheduleForm:
        """What the manager's schedule modal shows (only for their direct reports)."""
        self._require_report(team_id, manager, report)
        with self._ctx.sessions() as session:
            self._refuse_second(session, team_id, manager, report)
        me = self._services.people.ensure(team_id, manager)
        other = self._services.people.ensure(team_id, report)
        tz = me.tz if me else self._ctx.settings.default_timezone
        quarter = quarter_of(self._now().date())
        with self._ctx.sessions() as session:
            options = tuple(ObjectiveOption(o.id, o.title) for o in session.scalars(
                select(Objective).where(Objective.team_id == team_id, Objective.owner_id == report,
                                        Objective.quarter == quarter).order_by(Objective.title).limit(100)))
        return ScheduleForm(manager, report, other.name if other else report, tz, options)

    def schedule(self, *, team_id: str, manager: str, report: str, day: str | None, clock: str | None,
                 topic: str = "", objective_ids: Iterable[int | str] = ()) -> OneOnOneView:
        """The manager sets a 1-on-1 with a report at a time: it is accepted at once and the report is told."""
        topic = _check_topic(topic)
        self._require_report(team_id, manager, report, field="date")
        now = self._now()
        with self._ctx.sessions() as session:
            zone = self._zone(session, team_id, manager)
        when = picked_time(day, clock, zone, now, required=True)
        with self._ctx.sessions.begin() as session:
            # Lock the report's row first: two Schedule clicks for one pair serialise here, and the second
            # finds the first's 1-on-1 (never two for one pair by accident).
            session.execute(update(Person).where(Person.team_id == team_id, Person.user_id == report)
                            .values(user_id=Person.user_id).execution_options(synchronize_session=False))
            self._refuse_second(session, team_id, manager, report, field="date")
            row = OneOnOne(team_id=team_id, requester_id=report, manager_id=manager, topic=topic, urgency="this_month",
                           state="accepted", proposed_at=when, agreed_at=when, requested_at=now, answered_at=now,
                           revision=0, scheduled_by=manager)
            row.objectives = self._own_objectives(session, team_id, report, objective_ids)
            session.add(row)
            session.flush()
            self._first_talking_point(session, row)
            view = self._view(session, row)
            self._ctx.outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:scheduled", channel=report,
                                 text=f"{view.manager_name} scheduled a 1-on-1 with you",
                                 blocks=scheduled_message(view))
            self._post_pair_message(session, row)
            self._after_new_time(session, row)
            return view


__all__ = ["OneOnOneService", "pair_key", "request_key"]
