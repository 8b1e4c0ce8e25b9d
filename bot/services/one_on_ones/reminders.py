"""Time-based jobs of 1-on-1 meetings: the reminder before (the agenda so far) and the follow-up after.

Both are idempotent by outbox key: the reminder per person and per calendar sequence (a new time reminds
again), the follow-up per person once (a conditional UPDATE of `followed_up_at` claims it first).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.blocks.one_on_ones_meetings import followup_message, followup_text, meeting_reminder, meeting_reminder_text
from bot.services.one_on_ones.base import OneOnOneBase
from bot.services.one_on_ones.time import into_working_hours
from bot.services.people.service import valid_tz
from storage.models_one_on_ones import OneOnOne

MAX_SHIFT = timedelta(days=4)  # how much earlier working hours can move a reminder (a long weekend)


class OneOnOneReminders(OneOnOneBase):
    """`send_meeting_reminders` and `send_followups`, run by the scheduler and `okrbot tick`."""

    def send_meeting_reminders(self) -> int:
        """Remind each of the pair OKRBOT_MEETING_REMINDER_HOURS before an agreed meeting, moved into their own
        working hours, with the agenda so far. Returns how many reminders were queued."""
        now = self._now()
        lead = timedelta(hours=self._ctx.settings.meeting_reminder_hours)
        default = self._ctx.settings.default_timezone
        with self._ctx.sessions() as session:
            ids = session.execute(select(OneOnOne.id, OneOnOne.team_id).where(
                OneOnOne.state == "accepted", OneOnOne.agreed_at > now,
                OneOnOne.agreed_at <= now + lead + MAX_SHIFT).order_by(OneOnOne.id)).all()
        sent = 0
        for one_on_one_id, team_id in ids:
            with self._ctx.sessions.begin() as session:
                row = self._row(session, team_id, one_on_one_id)
                if row.state != "accepted" or row.agreed_at is None or row.agreed_at <= now:
                    continue
                view = self._shared_view(session, row)
                for who in (row.requester_id, row.manager_id):
                    zone = ZoneInfo(valid_tz(view.tz_of(who), default))
                    if into_working_hours(row.agreed_at - lead, zone, before=row.agreed_at) > now:
                        continue
                    if self._ctx.outbox.add(session, team_id=team_id, channel=who,
                                            key=f"1on1:{row.id}:meeting-reminder:{row.sequence or 0}:{who}",
                                            text=meeting_reminder_text(view, who), blocks=meeting_reminder(view, who)):
                        sent += 1
                        session.execute(update(OneOnOne).where(OneOnOne.id == row.id)
                                        .values(meeting_reminded_at=now).execution_options(synchronize_session=False))
        return sent

    def send_followups(self) -> int:
        """After an agreed meeting has ended (OKRBOT_MEETING_MINUTES after its start), ask both, once, to tick
        their tasks and mark it done. Returns how many follow-ups were queued."""
        now = self._now()
        ended = now - timedelta(minutes=self._ctx.settings.meeting_minutes)
        with self._ctx.sessions() as session:
            ids = session.execute(select(OneOnOne.id, OneOnOne.team_id).where(
                OneOnOne.state == "accepted", OneOnOne.followed_up_at.is_(None), OneOnOne.agreed_at <= ended)
                .order_by(OneOnOne.id)).all()
        sent = 0
        for one_on_one_id, team_id in ids:
            with self._ctx.sessions.begin() as session:
                claimed = session.execute(update(OneOnOne).where(
                    OneOnOne.id == one_on_one_id, OneOnOne.state == "accepted", OneOnOne.followed_up_at.is_(None))
                    .values(followed_up_at=now).execution_options(synchronize_session=False)).rowcount
                if not claimed:
                    continue
                row = self._row(session, team_id, one_on_one_id)
                view = self._shared_view(session, row)
                for who in (row.requester_id, row.manager_id):
                    if self._ctx.outbox.add(session, team_id=team_id, channel=who,
                                            key=f"1on1:{row.id}:follow-up:{row.sequence or 0}:{who}",
                                            text=followup_text(view, who), blocks=followup_message(view, who)):
                        sent += 1
        return sent
