"""A manager schedules a 1-on-1 with a direct report at a time (SharedAction.SCHEDULE_ONE_ON_ONE): it is
accepted at once, the report is told, the pair gets its card and the calendar invite."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.kit import slack_date
from bot.blocks.one_on_ones import scheduled_message
from bot.clock import Clock
from bot.services.core.errors import UserFacingError
from bot.services.core.outbox import Outbox
from bot.services.okrs.status import quarter_of
from bot.services.one_on_ones.carry import open_agenda
from bot.services.one_on_ones.messages import Messages
from bot.services.one_on_ones.queries import pair_filter
from bot.services.one_on_ones.requests import check_topic
from bot.services.one_on_ones.rows import Views, own_objectives
from bot.services.one_on_ones.time import picked_time
from bot.services.people.service import PeopleService, lock_person
from bot.settings import Settings
from bot.views.one_on_ones import ObjectiveOption, OneOnOneView, ScheduleForm
from storage.models import Objective
from storage.models_one_on_ones import OneOnOne


class Scheduling:
    """`schedule_form` and `schedule`: only for the manager's own direct reports, one open 1-on-1 per pair."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings, outbox: Outbox,
                 people: PeopleService, views: Views, messages: Messages) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._outbox = outbox
        self._people = people
        self._views = views
        self._messages = messages

    def _require_report(self, team_id: str, manager: str, report: str, field: str | None = None) -> None:
        person = self._people.require_colleague(team_id, report, actor=manager, field=field,
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
        with self._sessions() as session:
            self._refuse_second(session, team_id, manager, report)
        me = self._people.ensure(team_id, manager)
        other = self._people.ensure(team_id, report)
        tz = me.tz if me else self._settings.default_timezone
        quarter = quarter_of(self._clock().date())
        with self._sessions() as session:
            options = tuple(ObjectiveOption(o.id, o.title) for o in session.scalars(
                select(Objective).where(Objective.team_id == team_id, Objective.owner_id == report,
                                        Objective.quarter == quarter).order_by(Objective.title).limit(100)))
        return ScheduleForm(manager, report, other.name if other else report, tz, options)

    def schedule(self, *, team_id: str, manager: str, report: str, day: str | None, clock: str | None,
                 topic: str = "", objective_ids: Iterable[int | str] = ()) -> OneOnOneView:
        """The manager sets a 1-on-1 with a report at a time: it is accepted at once and the report is told."""
        topic = check_topic(topic)
        self._require_report(team_id, manager, report, field="date")
        now = self._clock()
        with self._sessions() as session:
            zone = self._views.zone(session, team_id, manager)
        when = picked_time(day, clock, zone, now, required=True)
        with self._sessions.begin() as session:
            # Lock the report's row first: two Schedule clicks for one pair serialise here, and the second
            # finds the first's 1-on-1 (never two for one pair by accident).
            lock_person(session, team_id, report)
            self._refuse_second(session, team_id, manager, report, field="date")
            row = OneOnOne(team_id=team_id, requester_id=report, manager_id=manager, topic=topic, urgency="this_month",
                           state="accepted", proposed_at=when, agreed_at=when, requested_at=now, answered_at=now,
                           revision=0, scheduled_by=manager)
            row.objectives = own_objectives(session, team_id, report, objective_ids)
            session.add(row)
            session.flush()
            open_agenda(session, row, self._clock())
            view = self._views.of(session, row)
            self._outbox.add(session, team_id=team_id, key=f"1on1:{row.id}:scheduled", channel=report,
                             text=f"{view.manager_name} scheduled a 1-on-1 with you",
                             blocks=scheduled_message(view))
            self._messages.post_pair(session, row)
            self._messages.send_invite(session, row)
            return view
