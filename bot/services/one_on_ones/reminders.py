"""Time-based jobs of 1-on-1s, run by the scheduler and `okrbot tick`: the reminder of an unanswered request,
the reminder before a meeting (the agenda so far) and the follow-up after it.

All are idempotent by outbox key: the request reminder once, the meeting reminder per person and per calendar
sequence (a new time reminds again), the follow-up per person once (a conditional UPDATE claims it first).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.one_on_ones import reminder_message, request_text
from bot.blocks.one_on_ones_meetings import followup_message, followup_text, meeting_reminder, meeting_reminder_text
from bot.clock import Clock
from bot.services.core.outbox import Outbox
from bot.services.one_on_ones.rows import Views, load_row, reminder_key
from bot.services.one_on_ones.time import into_working_hours, reminder_due
from bot.services.people.service import valid_tz
from bot.settings import Settings
from storage.models import Person
from storage.models_one_on_ones import OneOnOne

MAX_SHIFT = timedelta(days=4)  # how much earlier working hours can move a reminder (a long weekend)


class Reminders:
    """`send_reminders`, `send_meeting_reminders` and `send_followups`; each returns how many it queued."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings, outbox: Outbox,
                 views: Views) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._outbox = outbox
        self._views = views

    def send_reminders(self) -> int:
        """Remind each manager, once, of a request unanswered for OKRBOT_REQUEST_REMINDER_DAYS business days
        (Mon–Fri in the manager's timezone). Returns how many reminders were queued."""
        now = self._clock()
        days = self._settings.request_reminder_days
        default = self._settings.default_timezone
        with self._sessions() as session:
            # n business days are at least n calendar days: a cheap pre-filter on the index.
            candidates = session.execute(
                select(OneOnOne.id, OneOnOne.team_id, OneOnOne.requested_at, Person.tz)
                .outerjoin(Person, (Person.team_id == OneOnOne.team_id) & (Person.user_id == OneOnOne.manager_id))
                .where(OneOnOne.state == "requested", OneOnOne.reminded_at.is_(None),
                       OneOnOne.requested_at <= now - timedelta(days=days))
                .order_by(OneOnOne.id)).all()
        sent = 0
        for one_on_one_id, team_id, requested_at, tz in candidates:
            if reminder_due(requested_at, days, ZoneInfo(valid_tz(tz, default))) > now:
                continue
            with self._sessions.begin() as session:
                changed = session.execute(
                    update(OneOnOne).where(OneOnOne.id == one_on_one_id, OneOnOne.state == "requested",
                                           OneOnOne.reminded_at.is_(None))
                    .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount
                if not changed:
                    continue
                row = load_row(session, team_id, one_on_one_id)
                view = self._views.of(session, row)
                if self._outbox.add(session, team_id=team_id, key=reminder_key(row.id), channel=row.manager_id,
                                    text=f"Reminder: {request_text(view)}", blocks=reminder_message(view, days)):
                    sent += 1
        return sent

    def send_meeting_reminders(self) -> int:
        """Remind each of the pair OKRBOT_MEETING_REMINDER_HOURS before an agreed meeting, moved into their own
        working hours, with the agenda so far. Returns how many reminders were queued."""
        now = self._clock()
        lead = timedelta(hours=self._settings.meeting_reminder_hours)
        default = self._settings.default_timezone
        with self._sessions() as session:
            ids = session.execute(select(OneOnOne.id, OneOnOne.team_id).where(
                OneOnOne.state == "accepted", OneOnOne.agreed_at > now,
                OneOnOne.agreed_at <= now + lead + MAX_SHIFT).order_by(OneOnOne.id)).all()
        sent = 0
        for one_on_one_id, team_id in ids:
            with self._sessions.begin() as session:
                row = load_row(session, team_id, one_on_one_id)
                if row.state != "accepted" or row.agreed_at is None or row.agreed_at <= now:
                    continue
                view = self._views.shared(session, row)
                for who in (row.requester_id, row.manager_id):
                    zone = ZoneInfo(valid_tz(view.tz_of(who), default))
                    if into_working_hours(row.agreed_at - lead, zone, before=row.agreed_at) > now:
                        continue
                    if self._outbox.add(session, team_id=team_id, channel=who,
                                        key=f"1on1:{row.id}:meeting-reminder:{row.sequence or 0}:{who}",
                                        text=meeting_reminder_text(view, who), blocks=meeting_reminder(view, who)):
                        sent += 1
                        session.execute(update(OneOnOne).where(OneOnOne.id == row.id)
                                        .values(meeting_reminded_at=now).execution_options(synchronize_session=False))
        return sent

    def send_followups(self) -> int:
        """After an agreed meeting has ended (OKRBOT_MEETING_MINUTES after its start), ask both, once, to tick
        their tasks and mark it done. Returns how many follow-ups were queued."""
        now = self._clock()
        ended = now - timedelta(minutes=self._settings.meeting_minutes)
        with self._sessions() as session:
            ids = session.execute(select(OneOnOne.id, OneOnOne.team_id).where(
                OneOnOne.state == "accepted", OneOnOne.followed_up_at.is_(None), OneOnOne.agreed_at <= ended)
                .order_by(OneOnOne.id)).all()
        sent = 0
        for one_on_one_id, team_id in ids:
            with self._sessions.begin() as session:
                claimed = session.execute(update(OneOnOne).where(
                    OneOnOne.id == one_on_one_id, OneOnOne.state == "accepted", OneOnOne.followed_up_at.is_(None))
                    .values(followed_up_at=now).execution_options(synchronize_session=False)).rowcount
                if not claimed:
                    continue
                row = load_row(session, team_id, one_on_one_id)
                view = self._views.shared(session, row)
                for who in (row.requester_id, row.manager_id):
                    if self._outbox.add(session, team_id=team_id, channel=who,
                                        key=f"1on1:{row.id}:follow-up:{row.sequence or 0}:{who}",
                                        text=followup_text(view, who), blocks=followup_message(view, who)):
                        sent += 1
        return sent
