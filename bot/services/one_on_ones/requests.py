"""Asking for a 1-on-1 and answering it (issue 3).

States: requested → accepted | declined | rescheduled; rescheduled → accepted | cancelled (the requester
answers the new time); unconfirmed → requested (a request to someone not the requester's manager on record,
once confirmed). Each answer is one conditional UPDATE (`rows.transition`): a second click changes nothing.
Once agreed, the pair's card is posted and the calendar invite queued (`messages.Messages`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.one_on_ones import answer_message, answer_text, new_time_reply
from bot.clock import Clock
from bot.services.core.errors import UserFacingError
from bot.services.core.outbox import Outbox
from bot.services.core.parsing import USER_MENTION, first_word
from bot.services.okrs.status import quarter_of
from bot.services.one_on_ones.carry import open_agenda
from bot.services.one_on_ones.messages import Messages
from bot.services.one_on_ones.rows import Views, load_row, own_objectives, refuse_unchanged, transition
from bot.services.one_on_ones.time import picked_time
from bot.services.people.service import PeopleService
from bot.settings import Settings
from bot.views.one_on_ones import (
    MAX_ANSWER_NOTE,
    MAX_TOPIC,
    CommandOutcome,
    ObjectiveOption,
    OneOnOneView,
    Outcome,
    RequestForm,
)
from storage.models import Objective
from storage.models_one_on_ones import OneOnOne

URGENCIES = ("this_week", "this_month")
HELP_WORDS = ("help", "-h", "--help", "?", "usage")


def _unescape(text: str) -> str:
    """Command text comes escaped by Slack (should_escape): store what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def check_topic(topic: str, field: str | None = "topic") -> str:
    """The topic, stripped, or a clear error when it is too long."""
    topic = (topic or "").strip()
    if len(topic) > MAX_TOPIC:
        raise UserFacingError(f"The topic is {len(topic):,} characters long; please keep it under {MAX_TOPIC:,}.",
                              field=field)
    return topic


class Requests:
    """`/request-1on1`, the request modal, and the answers: accept, another time, decline, the new time."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings, outbox: Outbox,
                 people: PeopleService, views: Views, messages: Messages) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._outbox = outbox
        self._people = people
        self._views = views
        self._messages = messages

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
        topic = check_topic(" ".join(words), field=None)
        if len(mentioned) > 1:
            raise UserFacingError("Mention only the person you'd like to meet, e.g. "
                                  "`/request-1on1 @maria Q4 hiring plan`.")
        if mentioned:
            self._people.require_colleague(team_id, mentioned[0], actor=requester,
                                           what="the person to meet")
            if not topic:
                return CommandOutcome("form", form=self.request_form(team_id=team_id, requester=requester,
                                                                     manager_id=mentioned[0]))
            me = self._people.ensure(team_id, requester)
            if me is None or me.manager_id != mentioned[0]:
                # Not their manager on record: nothing is sent until the requester confirms (issue 14).
                return CommandOutcome("confirm", view=self.request(team_id=team_id, requester=requester,
                                                                   manager_id=mentioned[0], topic=topic, field=None,
                                                                   hold=True))
            return CommandOutcome("requested", view=self.request(team_id=team_id, requester=requester,
                                                                 manager_id=mentioned[0], topic=topic, field=None))
        me = self._people.ensure(team_id, requester)
        if me is not None and me.manager_id and topic:
            return CommandOutcome("requested", view=self.request(team_id=team_id, requester=requester,
                                                                 manager_id=me.manager_id, topic=topic, field=None))
        return CommandOutcome("form", form=self.request_form(team_id=team_id, requester=requester, topic=topic))

    def request_form(self, *, team_id: str, requester: str, manager_id: str | None = None,
                     topic: str = "") -> RequestForm:
        """What the request modal shows: the manager (given or on record), this quarter's objectives."""
        me = self._people.ensure(team_id, requester)
        stored = me.manager_id if me else None
        tz = me.tz if me else self._settings.default_timezone
        quarter = quarter_of(self._clock().astimezone(me.zone).date() if me else self._clock().date())
        with self._sessions() as session:
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
        topic = check_topic(topic, "topic" if field else None)
        if not manager_id:
            raise UserFacingError("Choose the person you'd like to meet.", field=field)
        me = self._people.ensure(team_id, requester)
        manager = self._people.require_colleague(team_id, manager_id, actor=requester, field=field,
                                                 what="the person to meet")
        now = self._clock()
        proposed = picked_time(day, clock, me.zone if me else manager.zone, now)
        with self._sessions() as session:
            waiting = session.scalar(select(OneOnOne.requested_at).where(
                OneOnOne.team_id == team_id, OneOnOne.requester_id == requester, OneOnOne.manager_id == manager_id,
                OneOnOne.state.in_(("requested", "rescheduled"))).limit(1))
        if waiting is not None:
            raise UserFacingError(f"You already asked <@{manager_id}> for a 1-on-1 and they haven't answered yet; "
                                  "it's in your App Home.", field=field)
        if remember:
            self._people.set_manager(team_id, requester, manager_id)
        with self._sessions.begin() as session:
            row = OneOnOne(team_id=team_id, requester_id=requester, manager_id=manager_id, topic=topic,
                           urgency=urgency if urgency in URGENCIES else "this_month",
                           state="unconfirmed" if hold else "requested",
                           proposed_at=proposed, requested_at=now, revision=0)
            row.objectives = own_objectives(session, team_id, requester, objective_ids)
            session.add(row)
            session.flush()
            view = self._views.of(session, row)
            if not hold:
                self._messages.send_request(session, view)
            return view

    def confirm_request(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The requester confirms a request to someone who is not their manager on record: it is sent now.
        A second click changes nothing."""
        with self._sessions.begin() as session:
            changed = transition(session, team_id, one_on_one_id, actor_is=OneOnOne.requester_id == actor,
                                 from_states=("unconfirmed",), state="requested", requested_at=self._clock())
            row = load_row(session, team_id, one_on_one_id)
            if row.requester_id != actor:
                raise UserFacingError("Only the person who wrote this request can send it.")
            view = self._views.of(session, row)
            if changed:
                self._messages.send_request(session, view)
            return view

    # ---- answering (manager) ------------------------------------------------------------------
    def answer_form(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView:
        """The request, if `actor` may answer it now (before opening Propose another time / Decline)."""
        with self._sessions() as session:
            row = load_row(session, team_id, one_on_one_id)
            refuse_unchanged(row, actor, answerer=row.manager_id, wanted="requested")
            return self._views.of(session, row)

    def needs_time(self, *, team_id: str, one_on_one_id: int, actor: str) -> OneOnOneView | None:
        """The request when its manager must pick a time to accept it (none was proposed), else None."""
        with self._sessions() as session:
            row = load_row(session, team_id, one_on_one_id)
            if row.state != "requested" or row.manager_id != actor or row.proposed_at is not None:
                return None
            return self._views.of(session, row, details=False)

    def accept(self, *, team_id: str, one_on_one_id: int, actor: str, day: str | None = None,
               clock: str | None = None) -> Outcome:
        """The manager accepts, at the proposed time or at `day`/`clock` (read in the manager's timezone):
        the requester is told, the pair gets the 1-on-1 message. Twice is a no-op."""
        now = self._clock()
        agreed: object = OneOnOne.proposed_at
        if day or clock:
            with self._sessions() as session:
                zone = self._views.zone(session, team_id, actor)
            agreed = picked_time(day, clock, zone, now, required=True)
        with self._sessions.begin() as session:
            outcome = self._manager_answers(session, team_id, one_on_one_id, actor, "accepted",
                                            prepare=lambda s, r: open_agenda(s, r, self._clock()), answered_at=now,
                                            agreed_at=agreed)
            if outcome.changed:
                row = load_row(session, team_id, one_on_one_id)
                self._messages.post_pair(session, row)
                self._messages.send_invite(session, row)
            return outcome

    def reschedule(self, *, team_id: str, one_on_one_id: int, actor: str, day: str | None, clock: str | None,
                   note: str = "") -> Outcome:
        """The manager proposes another time (in their timezone) with a note; the requester answers it."""
        note = (note or "").strip()
        if len(note) > MAX_ANSWER_NOTE:
            raise UserFacingError(f"Please keep the note under {MAX_ANSWER_NOTE:,} characters.", field="note")
        with self._sessions() as session:
            row = load_row(session, team_id, one_on_one_id)
            refuse_unchanged(row, actor, answerer=row.manager_id, wanted="requested")
            zone = self._views.zone(session, team_id, actor)
        now = self._clock()
        proposed = picked_time(day, clock, zone, now, required=True)
        with self._sessions.begin() as session:
            return self._manager_answers(session, team_id, one_on_one_id, actor, "rescheduled", answered_at=now,
                                         proposed_at=proposed, answer_note=note)

    def decline(self, *, team_id: str, one_on_one_id: int, actor: str, reason: str = "") -> Outcome:
        """The manager declines, optionally saying why; the requester is told once."""
        reason = (reason or "").strip()
        if len(reason) > MAX_ANSWER_NOTE:
            raise UserFacingError(f"Please keep the reason under {MAX_ANSWER_NOTE:,} characters.", field="reason")
        now = self._clock()
        with self._sessions.begin() as session:
            return self._manager_answers(session, team_id, one_on_one_id, actor, "declined", answered_at=now,
                                         answer_note=reason)

    def _manager_answers(self, session: Session, team_id: str, one_on_one_id: int, actor: str, state: str, *,
                         prepare: Callable[[Session, OneOnOne], object] | None = None, **values: object) -> Outcome:
        """The addressed manager answers a pending request: it moves once (a second click changes nothing),
        the request DMs are updated in place, and the requester is told once."""
        changed = transition(session, team_id, one_on_one_id, actor_is=OneOnOne.manager_id == actor,
                             from_states=("requested",), state=state, **values)
        row = load_row(session, team_id, one_on_one_id)
        if not changed:
            refuse_unchanged(row, actor, answerer=row.manager_id, wanted=state)
            return Outcome(self._views.of(session, row), False)
        if prepare is not None:
            prepare(session, row)
        self._messages.refresh_request_dms(session, row)
        view = self._views.of(session, row)
        self._outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:answer:{state}",
                         channel=row.requester_id, text=answer_text(view), blocks=answer_message(view))
        return Outcome(view, True)

    # ---- answering the new time (requester) ---------------------------------------------------
    def answer_new_time(self, *, team_id: str, one_on_one_id: int, actor: str, accept: bool) -> Outcome:
        """The requester accepts the time their manager proposed (→ accepted) or can't make it (→ cancelled)."""
        state = "accepted" if accept else "cancelled"
        values = {"agreed_at": OneOnOne.proposed_at} if accept else {}
        with self._sessions.begin() as session:
            changed = transition(session, team_id, one_on_one_id, actor_is=OneOnOne.requester_id == actor,
                                 from_states=("rescheduled",), state=state, **values)
            row = load_row(session, team_id, one_on_one_id)
            if not changed:
                refuse_unchanged(row, actor, answerer=row.requester_id, wanted=state)
                return Outcome(self._views.of(session, row), False)
            if accept:
                open_agenda(session, row, self._clock())
            self._messages.refresh_request_dms(session, row)
            view = self._views.of(session, row)
            outbox = self._outbox
            outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:answer:rescheduled:{state}",
                       channel=row.requester_id, text=answer_text(view), blocks=answer_message(view),
                       update_of=f"1on1:{row.id}:answer:rescheduled")
            outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:reply:{state}", channel=row.manager_id,
                       text=f"{view.requester_name} answered the time you proposed", blocks=new_time_reply(view))
            if accept:
                self._messages.post_pair(session, row)
                self._messages.send_invite(session, row)
            return Outcome(view, True)
