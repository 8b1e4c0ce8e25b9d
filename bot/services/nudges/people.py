"""The people a nudge scan looks at, read in bounded pages instead of all at once (issue 15).

A page is up to PAGE_MANAGERS managers (keyset over `(team_id, manager_id)`) with their active reports:
each manager/report pair is in exactly one page (its manager's), so the scan decides, claims and writes
a page, commits, and forgets it. The stale-timezone refresh streams the stale people and keeps only the
REFRESH_PER_SCAN soonest (a heap), and its answers are applied to every page.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, tuple_
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.services.nudges.cadence import Cadence
from storage.models import Person, Workspace

PAGE_MANAGERS = 500
Override = dict[str, Any] | None  # new tz/name/away_until of a refreshed person, or None: no longer nudged


@dataclass(frozen=True)
class Someone:
    """A person as the scan needs them."""

    team_id: str
    user_id: str
    name: str
    tz: str | None
    manager_id: str | None
    away_until: date | None


def gone_teams(session: Session) -> set[str]:
    """Workspaces that uninstalled okrbot."""
    return set(session.scalars(select(Workspace.team_id).where(Workspace.uninstalled_at.is_not(None))))


def _someone(row: Any, overrides: dict[tuple[str, str], Override]) -> Someone | None:
    team, user, name, tz, manager, away = row
    key = (team, user)
    if key in overrides:
        change = overrides[key]
        if change is None:
            return None
        name, tz, away = change["name"], change["tz"], change["away_until"]
    return Someone(team, user, name or user, tz, manager, away)


_COLUMNS = (Person.team_id, Person.user_id, Person.name, Person.tz, Person.manager_id, Person.away_until)
_NUDGED = (Person.is_active.is_(True), Person.is_bot.is_(False))


def people_by_key(session: Session, keys: set[tuple[str, str]], gone: set[str],
                  overrides: dict[tuple[str, str], Override]) -> dict[tuple[str, str], Someone]:
    """The nudged people among `keys` (a handful: the snoozed agendas due)."""
    by_team: dict[str, list[str]] = defaultdict(list)
    for team, user in keys:
        if team not in gone:
            by_team[team].append(user)
    found = {}
    for team, users in by_team.items():
        for row in session.execute(select(*_COLUMNS).where(Person.team_id == team, Person.user_id.in_(users),
                                                           *_NUDGED)):
            someone = _someone(row, overrides)
            if someone is not None:
                found[(someone.team_id, someone.user_id)] = someone
    return found


def pages(sessions: sessionmaker[Session], gone: set[str], overrides: dict[tuple[str, str], Override],
          size: int | None = None) -> Iterator[tuple[dict[tuple[str, str], Someone], set[tuple[str, str]]]]:
    """(people, managers) per page: up to `size` managers and everyone they manage, in (team, manager) order."""
    size = size or PAGE_MANAGERS
    after: tuple[str, str] | None = None
    while True:
        with sessions() as session:
            stmt = (select(Person.team_id, Person.manager_id).distinct()
                    .where(*_NUDGED, Person.manager_id.is_not(None), Person.manager_id != Person.user_id)
                    .order_by(Person.team_id, Person.manager_id).limit(size))
            if gone:
                stmt = stmt.where(Person.team_id.not_in(gone))
            if after is not None:
                stmt = stmt.where(tuple_(Person.team_id, Person.manager_id) > tuple_(*after))
            managers = [(team, manager) for team, manager in session.execute(stmt)]
            if not managers:
                return
            by_team: dict[str, list[str]] = defaultdict(list)
            for team, manager in managers:
                by_team[team].append(manager)
            people = {}
            for team, ids in by_team.items():
                rows = session.execute(select(*_COLUMNS).where(
                    Person.team_id == team, *_NUDGED, or_(Person.user_id.in_(ids), Person.manager_id.in_(ids))))
                for row in rows:
                    someone = _someone(row, overrides)
                    if someone is not None:
                        people[(someone.team_id, someone.user_id)] = someone
        yield people, set(managers)
        after = managers[-1]
        if len(managers) < size:
            return


def stale_soonest(session: Session, gone: set[str], cadence: Cadence, now: datetime, stale_after: timedelta,
                  lookahead: timedelta, limit: int) -> list[tuple[str, str]]:
    """The `limit` people in a pair whose cached timezone is older than `stale_after` and whose nudge is within
    `lookahead`, soonest nudge first (streamed: only `limit` of them are held)."""
    report = aliased(Person)
    manages = exists(select(report.user_id).where(report.team_id == Person.team_id,
                                                  report.manager_id == Person.user_id, report.is_active.is_(True),
                                                  report.is_bot.is_(False)))
    stmt = select(Person.team_id, Person.user_id, Person.tz).where(
        *_NUDGED, or_(Person.synced_at.is_(None), Person.synced_at <= now - stale_after),
        or_(Person.manager_id.is_not(None), manages))
    if gone:
        stmt = stmt.where(Person.team_id.not_in(gone))
    windows: dict[str | None, Any] = {}

    def due(rows: Any) -> Iterator[tuple[datetime, tuple[str, str]]]:
        for team, user, tz in rows:
            window = windows.get(tz)
            if window is None:
                window = windows[tz] = cadence.windows_at(now, tz)[1]
            if window.due_at - lookahead <= now < window.ends_at:
                yield window.due_at, (team, user)

    return [key for _, key in heapq.nsmallest(limit, due(session.execute(stmt).yield_per(1000)))]


def refresh(keys: list[tuple[str, str]], ensure: Callable[[str, str], Any],
            on_error: Callable[[tuple[str, str]], None]) -> dict[tuple[str, str], Override]:
    """Ask Slack again about `keys`: their new timezone, name and away date, or None when no longer nudged."""
    overrides: dict[tuple[str, str], Override] = {}
    for key in keys:
        try:
            view = ensure(*key)
        except Exception:  # Slack unreachable: keep the cached timezone, try again next scan (logged by on_error)
            on_error(key)
            continue
        if view is None or not view.is_active or view.is_bot:
            overrides[key] = None
        else:
            overrides[key] = {"tz": view.tz, "name": view.name, "away_until": view.away_until}
    return overrides


__all__ = ["PAGE_MANAGERS", "gone_teams", "pages", "people_by_key", "refresh", "stale_soonest"]
