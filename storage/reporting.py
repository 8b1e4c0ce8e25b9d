"""The reporting tree as a closure table (`reporting_lines`), kept true on every manager change.

A row (ancestor A, descendant D, depth n) says D is in A's reporting tree n levels below A: D is active,
and following managers up from D reaches A after n steps through active people only (A itself may be
anyone). That is exactly what the leader view's "whole reporting tree" was computing with a recursive
query on every Home build; now it is one indexed lookup.

The table is maintained by a Session `after_flush` listener: any flush that adds, deletes, or changes
the manager or the activity of a person (the "my manager" picker, `okrbot import people`, a `user_change`
refresh, the sandbox seed, tests) recomputes the lines of that person and of everyone below them, in the
same transaction. Only the chains through the changed people can change, so that is all that is
recomputed: one lookup of who is below, one DELETE, one recursive INSERT … SELECT. Many changes in one
flush (an import) rebuild the team's lines in three statements. On PostgreSQL a transaction-scoped
advisory lock per team serialises these recomputations, so two concurrent moves cannot each compute from
the other's stale chain. Core bulk writes to `people` bypass the listener: call `rebuild` after them;
`okrbot people check-tree` finds (and with `--repair` fixes) any drift.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, delete, event, func, insert, inspect, literal, select, text, union
from sqlalchemy.orm import Session, aliased

from storage.models import Person, ReportingLine

MAX_DEPTH = 30  # reporting trees are never this deep; it also stops a cycle that slipped into the data
BULK = 500  # more people than this changed at once: rebuild the whole team's lines
IN_CHUNK = 500


def lines_select(team_id: str, seeds: list[str] | None = None) -> Select[Any]:
    """(team, ancestor, descendant, depth) of every line of the team, or of the lines whose descendant is in
    `seeds`: one recursive query walking up from each active person through active managers."""
    person = aliased(Person)
    base = select(person.user_id.label("descendant"), person.manager_id.label("ancestor"),
                  literal(1).label("depth")).where(
        person.team_id == team_id, person.is_active.is_(True), person.manager_id.is_not(None),
        person.manager_id != person.user_id)
    if seeds is not None:
        base = base.where(person.user_id.in_(seeds))
    up = base.cte("up", recursive=True)
    above = aliased(Person)
    up = up.union_all(select(up.c.descendant, above.manager_id, up.c.depth + 1).where(
        above.team_id == team_id, above.user_id == up.c.ancestor, above.is_active.is_(True),
        above.manager_id.is_not(None), above.manager_id != up.c.descendant, up.c.depth < MAX_DEPTH))
    return (select(literal(team_id).label("team_id"), up.c.ancestor, up.c.descendant,
                   func.min(up.c.depth).label("depth"))
            .group_by(up.c.ancestor, up.c.descendant))


def _lock(connection: Connection, team_id: str) -> None:
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(f"reporting_lines:{team_id}".encode()) - 2**31
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _insert(connection: Connection, team_id: str, seeds: list[str] | None) -> None:
    connection.execute(insert(ReportingLine).from_select(
        ["team_id", "ancestor_id", "descendant_id", "depth"], lines_select(team_id, seeds)))


def rebuild(connection: Connection | Session, team_id: str) -> None:
    """Recompute every line of `team_id` from the people table (after bulk writes, or to repair drift)."""
    conn = connection.connection() if isinstance(connection, Session) else connection
    _lock(conn, team_id)
    conn.execute(delete(ReportingLine).where(ReportingLine.team_id == team_id))
    _insert(conn, team_id, None)


def refresh(connection: Connection, team_id: str, changed: Iterable[str]) -> None:
    """Recompute the lines of the `changed` people and of everyone below them."""
    changed = sorted(set(changed))
    if len(changed) > BULK:
        rebuild(connection, team_id)
        return
    _lock(connection, team_id)
    below = set(connection.scalars(select(ReportingLine.descendant_id).where(
        ReportingLine.team_id == team_id, ReportingLine.ancestor_id.in_(changed))))
    affected = sorted(below.union(changed))
    if len(affected) > BULK:
        rebuild(connection, team_id)
        return
    connection.execute(delete(ReportingLine).where(ReportingLine.team_id == team_id,
                                                   ReportingLine.descendant_id.in_(affected)))
    _insert(connection, team_id, affected)


def _changed_people(session: Session) -> dict[str, set[str]]:
    changed: dict[str, set[str]] = defaultdict(set)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Person):
            changed[obj.team_id].add(obj.user_id)
    for obj in session.dirty:
        if isinstance(obj, Person):
            state = inspect(obj)
            if state.attrs.manager_id.history.has_changes() or state.attrs.is_active.history.has_changes():
                changed[obj.team_id].add(obj.user_id)
    return changed


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """Keep `reporting_lines` true for the people this flush added, deleted, moved or (de)activated."""
    changed = _changed_people(session)
    if not changed:
        return
    connection = session.connection()
    for team_id, user_ids in sorted(changed.items()):
        refresh(connection, team_id, user_ids)


# --------------------------------------------------------------------------- consistency check


@dataclass(frozen=True)
class TreeDrift:
    """How one team's stored lines differ from what the people table says."""

    team_id: str
    missing: int  # lines that should be there and are not
    extra: int  # lines stored that should not be
    wrong_depth: int  # lines stored with another depth

    @property
    def ok(self) -> bool:
        """No difference."""
        return not (self.missing or self.extra or self.wrong_depth)


def teams(session: Session) -> list[str]:
    """Every team with people or stored lines."""
    return sorted(set(session.scalars(union(select(Person.team_id).distinct(),
                                            select(ReportingLine.team_id).distinct()))))


def check(session: Session, team_id: str, *, repair: bool = False) -> TreeDrift:
    """Compare the stored lines of `team_id` with a recomputation; with `repair`, rebuild them when they differ."""
    expected = {(a, d): n for _, a, d, n in session.execute(lines_select(team_id))}
    stored = {(a, d): n for a, d, n in session.execute(
        select(ReportingLine.ancestor_id, ReportingLine.descendant_id, ReportingLine.depth)
        .where(ReportingLine.team_id == team_id))}
    drift = TreeDrift(team_id=team_id, missing=len(expected.keys() - stored.keys()),
                      extra=len(stored.keys() - expected.keys()),
                      wrong_depth=sum(1 for k, n in stored.items() if k in expected and expected[k] != n))
    if repair and not drift.ok:
        rebuild(session, team_id)
    return drift
