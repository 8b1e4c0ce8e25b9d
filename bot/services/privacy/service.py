"""Privacy you can inspect (issue 16): the reading log, the Home's "Privacy" section, retention of private notes.

Who may read what is decided in storage/privacy.py; this module records the reads of someone else's text about
a person and shows that person, and only them, the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from bot.views.privacy import PrivacyHomeView, ReadingEntryView, ReadItem
from storage.db import insert_ignore
from storage.models import Person
from storage.models_one_on_ones import Note
from storage.models_privacy import ReadingLogEntry

log = logging.getLogger("okrbot.privacy")
HOME_ENTRIES = 5
# Who can read each kind of thing of a person, as the Home's Privacy section says it (storage/privacy.py enforces it).
WHO_READS = (
    ("Private notes", "you"),
    ("Shared 1-on-1 notes", "you and the other person of the 1-on-1"),
    ("Feedback you receive", "you, and your manager when the person who wrote it chose so"),
    ("Your quarter review's words", "you, and the manager you ask for a review 1-on-1"),
    ("Kudos", "everyone in the workspace"),
)


class PrivacyService:
    """The reading log and retention."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def record(self, session: Session, *, team_id: str, via: str, items: Iterable[ReadItem], reader_id: str = "",
               reader_name: str = "") -> int:
        """Log reads in `session`'s transaction (one row per reader, item, way and day); returns rows added.

        A read by the text's subject or its author is not logged: nobody needs to be told they read their own.
        """
        now = self._ctx.clock()
        rows = {(i.kind, i.item_id, i.subject_id): {
            "team_id": team_id, "subject_id": i.subject_id, "reader_id": reader_id, "reader_name": reader_name[:255],
            "kind": i.kind, "item_id": i.item_id, "author_id": i.author_id, "via": via, "read_on": now.date(),
            "read_at": now} for i in items if not reader_id or reader_id not in (i.subject_id, i.author_id)}
        return insert_ignore(session, ReadingLogEntry, list(rows.values())) if rows else 0

    def record_reads(self, *, team_id: str, via: str, items: Iterable[ReadItem], reader_id: str = "",
                     reader_name: str = "") -> int:
        """`record` in its own transaction (a read made outside any write, e.g. building a Home)."""
        items = list(items)
        if not items:
            return 0
        with self._ctx.sessions.begin() as session:
            return self.record(session, team_id=team_id, via=via, items=items, reader_id=reader_id,
                               reader_name=reader_name)

    def for_home(self, team_id: str, viewer_id: str, *, limit: int = HOME_ENTRIES) -> PrivacyHomeView:
        """The viewer's Privacy section: only entries whose subject is the viewer, newest first."""
        mine = (ReadingLogEntry.team_id == team_id, ReadingLogEntry.subject_id == viewer_id)
        with self._ctx.sessions() as session:
            rows = session.scalars(select(ReadingLogEntry).where(*mine).order_by(
                ReadingLogEntry.read_at.desc(), ReadingLogEntry.id.desc()).limit(limit)).all()
            total = session.scalar(select(func.count()).select_from(ReadingLogEntry).where(*mine)) or 0
        entries = tuple(ReadingEntryView(r.reader_id, r.reader_name, r.kind, r.author_id, r.via, r.read_on,
                                         r.subject_id) for r in rows)
        return PrivacyHomeView(viewer_id, WHO_READS, entries, total, self._ctx.settings.private_note_retention_months)

    def person_left(self, team_id: str, user_id: str) -> int:
        """A person left the workspace (user_change, deleted): mark them inactive and offer their erasure to the
        admins (OKRBOT_ADMINS, else the workspace admins okrbot knows) by DM, once. Returns DMs queued."""
        with self._ctx.sessions.begin() as session:
            person = session.get(Person, (team_id, user_id), with_for_update=True)
            if person is None:
                return 0  # okrbot holds nothing about them
            person.is_active = False
            admins = sorted(self._ctx.settings.admins) or sorted(session.scalars(select(Person.user_id).where(
                Person.team_id == team_id, Person.is_admin.is_(True), Person.is_active.is_(True),
                Person.user_id != user_id)))
            text = (f"<@{user_id}> left the workspace. okrbot still holds their private notes, the feedback they "
                    f"received and their reading log. To erase them, run `okrbot people forget {user_id} --team "
                    f"{team_id}` (add `--dry-run` first to see what it changes).")
            queued = 0
            for admin in admins:
                queued += bool(self._ctx.outbox.add(session, team_id=team_id, channel=admin, text=text,
                                                    key=f"privacy:left:{user_id}:{admin}"))
            return queued

    def purge_old_private_notes(self) -> int:
        """Delete private notes older than OKRBOT_PRIVATE_NOTE_RETENTION_MONTHS (0 keeps them forever)."""
        months = self._ctx.settings.private_note_retention_months
        if not months:
            return 0
        cutoff = months_before(self._ctx.clock(), months)
        with self._ctx.sessions.begin() as session:
            count = session.execute(delete(Note).where(Note.private.is_(True), Note.created_at < cutoff)
                                    .execution_options(synchronize_session=False)).rowcount or 0
        log.info("retention: deleted %d private notes older than %d months", count, months)
        return count


def months_before(when: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when shorter)."""
    total = when.year * 12 + when.month - 1 - months
    year, month = divmod(total, 12)
    first_of_next = datetime(year + (month == 11), (month + 1) % 12 + 1, 1, tzinfo=when.tzinfo)
    last_day = (first_of_next - timedelta(days=1)).day
    return when.replace(year=year, month=month + 1, day=min(when.day, last_day))
