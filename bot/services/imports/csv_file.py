"""What both imports share: reading the CSV, problems with line and column, resolving users, upserting people.

Every problem is collected with its line and column (`line 4, column manager: …`) and nothing is written
unless the file is clean. Users are Slack ids or emails; emails are resolved with users.lookupByEmail,
once per distinct value, and people okrbot already synced in the last day are not asked about again.
Writing is an upsert by natural key, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from bot.services.core.ports import SlackUser
from bot.services.people.service import STALE_AFTER
from storage.models import Person

Progress = Callable[[int], None]
T = TypeVar("T")
USER_ID = re.compile(r"^<?@?([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>?$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True, order=True)
class ImportProblem:
    """One thing wrong with the file, where it is."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.column else f"line {self.line}"
        return f"{where}: {self.message}"


class ImportFailed(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = sorted(set(problems))


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with dry_run, would do): counts per kind of row."""

    kind: str
    rows: int
    counts: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        """`12 rows: 3 people created, 2 updated, 7 unchanged`."""
        parts = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        verb = "would import" if self.dry_run else "imported"
        return f"{verb} {self.rows} {self.kind} rows: {parts}"


@dataclass(frozen=True)
class Row:
    """One CSV record: its line number and cells by (lower-case) column name."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """The stripped cell, '' when empty or absent."""
        return (self.cells.get(column) or "").strip()


def read_rows(text: str, *, required: tuple[str, ...], optional: tuple[str, ...],
              problems: list[ImportProblem]) -> list[Row]:
    """The records of a CSV text with a header row; header and shape problems go to `problems`."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        problems.append(ImportProblem(1, "", f"the file is empty; expected a header row: {','.join(required)}"))
        return []
    except csv.Error as error:
        problems.append(ImportProblem(1, "", f"not a CSV file ({error})"))
        return []
    expected = ",".join(required + optional)
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in required + optional]
    if missing:
        problems.append(ImportProblem(1, "", f"missing column(s) {', '.join(missing)}; the header must be {expected}"))
    for name in unknown:
        problems.append(ImportProblem(1, name or "(blank)", f"unknown column; expected {expected}"))
    duplicated = {h for h in header if header.count(h) > 1}
    for name in sorted(duplicated):
        problems.append(ImportProblem(1, name, "this column appears twice in the header"))
    if missing or unknown or duplicated:
        return []
    rows: list[Row] = []
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(ImportProblem(reader.line_num, "", f"expected {len(header)} values, found "
                                                                  f"{len(record)}"))
                continue
            rows.append(Row(reader.line_num, dict(zip(header, record, strict=True))))
    except csv.Error as error:
        problems.append(ImportProblem(reader.line_num, "", f"unreadable CSV ({error})"))
    return rows


def count_rows(text: str) -> int:
    """How many records (not counting the header) a CSV text has, for a progress bar."""
    try:
        return max(0, sum(1 for record in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if any(record)) - 1)
    except csv.Error:
        return 0


class UserResolver:
    """Slack ids or emails → Slack users, each distinct value asked once; fresh stored people not at all."""

    def __init__(self, ctx: ServiceContext, session: Session, team_id: str) -> None:
        self._ctx, self._team_id = ctx, team_id
        now = ctx.clock()
        self._cache: dict[str, SlackUser | None] = {}
        self._stored: dict[str, Person] = {}
        for person in session.scalars(select(Person).where(Person.team_id == team_id)):
            self._stored[person.user_id] = person
            fresh = person.synced_at is not None and now - person.synced_at < STALE_AFTER
            if fresh and not person.tz_override:  # with an override, the stored tz is not Slack's: ask again
                known = SlackUser(user_id=person.user_id, name=person.name, tz=person.tz, email=person.email,
                                  is_bot=person.is_bot, deleted=not person.is_active, is_admin=person.is_admin)
                self._cache[person.user_id] = known
                if person.email:
                    self._cache.setdefault(person.email.lower(), known)

    @property
    def stored(self) -> dict[str, Person]:
        """People of the team already in the database, by user id."""
        return self._stored

    def resolve(self, raw: str, *, what: str) -> tuple[SlackUser | None, str | None]:
        """(user, None) or (None, why not) for a cell holding a Slack user id or an email."""
        value = raw.strip()
        id_match = USER_ID.match(value)
        if id_match:
            key = id_match.group(1)
        elif EMAIL.match(value):
            key = value.lower()
        else:
            return None, f"{value!r} is neither a Slack user id (U…) nor an email"
        if key not in self._cache:
            directory = self._ctx.directory
            self._cache[key] = (directory.user(self._team_id, key) if id_match
                                else directory.user_by_email(self._team_id, key))
        found = self._cache[key]
        if found is None:
            return None, (f"no Slack user has the id {key}" if id_match else f"no Slack user has the email {key}")
        if found.is_bot:
            return None, f"{value} is a bot, not a person ({what} must be a person)"
        if found.deleted:
            return None, f"{value} is deactivated in Slack"
        return found, None


def upsert_person(session: Session, team_id: str, user: SlackUser, now: datetime,
                  stored: dict[str, Person]) -> str:
    """Store what Slack says of a person without touching their manager; 'created', 'updated' or 'unchanged'."""
    person = stored.get(user.user_id)
    if person is None:
        person = Person(team_id=team_id, user_id=user.user_id, name=user.name, email=user.email, tz=user.tz,
                        is_bot=user.is_bot, is_active=not user.deleted, is_admin=user.is_admin, synced_at=now)
        session.add(person)
        stored[user.user_id] = person
        return "created"
    wanted = {"name": user.name, "email": user.email, "tz": person.tz_override or user.tz, "is_bot": user.is_bot,
              "is_active": not user.deleted, "is_admin": user.is_admin}
    changed = {k: v for k, v in wanted.items() if getattr(person, k) != v}
    for key, value in changed.items():
        setattr(person, key, value)
    if changed:
        person.synced_at = now
    return "updated" if changed else "unchanged"


def with_progress(items: Iterable[T], progress: Progress | None) -> Iterator[T]:
    """Iterate `items`, reporting each one to `progress` once it is handled."""
    for item in items:
        yield item
        if progress:
            progress(1)
