"""The Slack messages that show a 1-on-1: the manager's request DM (updated in place once answered), the pair's
card in their group DM (its thread is the conversation) and the calendar invite of the agreed time."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.blocks.one_on_ones import pair_message, reminder_message, request_message, request_text
from bot.blocks.one_on_ones_module import pair_text
from bot.calendar import Meeting, uid_for
from bot.calendar_delivery import INVITE_METHOD
from bot.services.core.outbox import Outbox
from bot.services.one_on_ones.rows import Views, pair_key, queued, reminder_key, request_key
from bot.settings import Settings
from bot.views.one_on_ones import OneOnOneView
from storage.models_one_on_ones import OneOnOne

ReviewAgenda = Callable[[Session, OneOnOne], None]  # posts a review 1-on-1's agenda in its thread (issue 17)


class Messages:
    """Queues the messages of a 1-on-1 in the caller's transaction (each once, by its outbox key)."""

    def __init__(self, views: Views, outbox: Outbox, settings: Settings, review_agenda: ReviewAgenda) -> None:
        self._views = views
        self._outbox = outbox
        self._settings = settings
        self._review_agenda = review_agenda

    def send_request(self, session: Session, view: OneOnOneView) -> None:
        """The manager's DM with the request and its buttons."""
        self._outbox.add(session, team_id=view.team_id, key=request_key(view.id), channel=view.manager_id,
                         text=request_text(view), blocks=request_message(view), on_sent=f"1on1.request:{view.id}")

    def refresh_request_dms(self, session: Session, row: OneOnOne) -> None:
        """Update the manager's request DM (and the reminder) in place to show the outcome: no stale buttons."""
        view = self._views.of(session, row)
        if queued(session, row.team_id, request_key(row.id)):
            self._outbox.add(session, team_id=row.team_id, key=f"{request_key(row.id)}:{row.state}",
                             channel=row.manager_id, text=request_text(view), blocks=request_message(view),
                             update_of=request_key(row.id))
        if row.reminded_at is not None:
            self._outbox.add(session, team_id=row.team_id, key=f"{reminder_key(row.id)}:{row.state}",
                             channel=row.manager_id, text=request_text(view),
                             blocks=reminder_message(view, self._settings.request_reminder_days),
                             update_of=reminder_key(row.id))

    def post_pair(self, session: Session, row: OneOnOne) -> None:
        """The pair's 1-on-1 message in their group DM with the bot (its thread is the conversation)."""
        view = self._views.shared(session, row)
        self._outbox.add(session, team_id=row.team_id, key=pair_key(row.id), channel=row.manager_id,
                         text=pair_text(view), blocks=pair_message(view), on_sent=f"1on1.thread:{row.id}",
                         open_users=f"{row.manager_id},{row.requester_id}")
        self._review_agenda(session, row)

    def refresh_pair(self, session: Session, one_on_one_id: int) -> None:
        """Update the pair's message in place after a change (each update its own outbox row, in order)."""
        revision = session.execute(
            update(OneOnOne).where(OneOnOne.id == one_on_one_id).values(revision=OneOnOne.revision + 1)
            .returning(OneOnOne.revision).execution_options(synchronize_session=False)).scalar_one()
        row = session.scalar(select(OneOnOne).where(OneOnOne.id == one_on_one_id)
                             .execution_options(populate_existing=True))
        if row is None or not queued(session, row.team_id, pair_key(row.id)):
            return
        view = self._views.shared(session, row)
        self._outbox.add(session, team_id=row.team_id, key=f"{pair_key(row.id)}:r{revision}",
                         channel=row.manager_id, text=pair_text(view), blocks=pair_message(view),
                         update_of=pair_key(row.id))

    def send_invite(self, session: Session, row: OneOnOne, *, cancelled: bool = False) -> None:
        """Queue the calendar invite of the agreed time (or its cancellation) for the pair's group DM, once per
        sequence: delivered after the pair's message, to which it links (bot.calendar_delivery)."""
        if row.agreed_at is None:
            return
        view = self._views.of(session, row)
        lines = [f"Topic: {view.topic}"] if view.topic else []
        points = [p for p in view.talking_points if not p.discussed][:10]
        if points:
            lines += ["Talking points:", *(f"• {p.text[:200]}" for p in points)]
        title = f"1-on-1: {view.requester_name} & {view.manager_name}"
        meeting = Meeting(uid=uid_for(row.team_id, row.id), title=title,
                          start=row.agreed_at, minutes=self._settings.meeting_minutes,
                          description="\n".join(lines)[:1200] or "1-on-1 (okrbot)", sequence=row.sequence or 0,
                          cancelled=cancelled)
        self._outbox.add(session, team_id=row.team_id, key=f"1on1:{row.id}:invite:{row.sequence or 0}",
                         channel=row.manager_id, method=INVITE_METHOD, text=f"Calendar invite: {meeting.title}",
                         channel_of=pair_key(row.id), meeting=meeting.to_json(), filename=f"1on1-{row.id}.ics")
