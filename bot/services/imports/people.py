"""`okrbot import people FILE.csv`: `user,manager[,timezone]` rows → people and reporting lines.

A blank manager means the person reports to nobody (top of the tree). A timezone, when given, overrides
the one in Slack from then on; a blank one in a file that has the column goes back to Slack's. Cycles
are checked on the reporting lines as they would be after the import (the file over what is stored).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.core.context import ServiceContext
from bot.services.core.ports import SlackUser
from bot.services.imports.csv_file import (
    ImportFailed,
    ImportProblem,
    ImportReport,
    Progress,
    Row,
    UserResolver,
    read_rows,
    upsert_person,
    with_progress,
)


@dataclass(frozen=True)
class _Line:
    row: Row
    user: SlackUser
    manager: SlackUser | None
    timezone: str | None


class _DryRun(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def import_people(ctx: ServiceContext, *, team_id: str, text: str, dry_run: bool = False,
                  progress: Progress | None = None) -> ImportReport:
    """Validate every row, then upsert people and managers in one transaction (ImportFailed: nothing written)."""
    problems: list[ImportProblem] = []
    rows = read_rows(text, required=("user", "manager"), optional=("timezone",), problems=problems)
    has_timezone = bool(rows) and "timezone" in rows[0].cells
    try:
        with ctx.sessions.begin() as session:
            resolver = UserResolver(ctx, session, team_id)
            lines = _validate(rows, resolver, problems, progress)
            _check_cycles(lines, resolver, problems)
            if problems:
                raise ImportFailed(problems)
            now = ctx.clock()
            counts: Counter[str] = Counter()
            for line in lines:
                if progress:
                    progress(1)
                outcome = upsert_person(session, team_id, line.user, now, resolver.stored)
                person = resolver.stored[line.user.user_id]
                manager_id = line.manager.user_id if line.manager else None
                changed = person.manager_id != manager_id
                person.manager_id = manager_id
                if has_timezone and person.tz_override != line.timezone:
                    person.tz_override = line.timezone
                    person.tz = line.timezone or line.user.tz
                    changed = True
                if outcome == "unchanged" and changed:
                    outcome = "updated"
                counts[outcome] += 1
            for line in lines:
                if line.manager is not None and upsert_person(session, team_id, line.manager, now,
                                                              resolver.stored) == "created":
                    counts["managers added"] += 1
            ordered = {key: counts[key] for key in ("created", "updated", "unchanged", "managers added")
                       if counts[key] or key != "managers added"}
            report = ImportReport(kind="people", rows=len(lines), counts=ordered, dry_run=dry_run)
            if dry_run:
                raise _DryRun(report)
            return report
    except _DryRun as rolled_back:
        return rolled_back.report


def _validate(rows: list[Row], resolver: UserResolver, problems: list[ImportProblem],
              progress: Progress | None) -> list[_Line]:
    lines: list[_Line] = []
    first_line: dict[str, int] = {}
    for row in with_progress(rows, progress):
        user, manager = None, None
        if not row.get("user"):
            problems.append(ImportProblem(row.line, "user", "empty: every row needs a user (Slack id or email)"))
        else:
            user, why = resolver.resolve(row.get("user"), what="user")
            if why:
                problems.append(ImportProblem(row.line, "user", why))
        if row.get("manager"):
            manager, why = resolver.resolve(row.get("manager"), what="a manager")
            if why:
                problems.append(ImportProblem(row.line, "manager", why))
        timezone = row.get("timezone") or None
        if timezone and not _valid_zone(timezone):
            problems.append(ImportProblem(row.line, "timezone",
                                          f"{timezone!r} is not an IANA timezone such as Europe/Berlin"))
        if user and manager and user.user_id == manager.user_id:
            problems.append(ImportProblem(row.line, "manager", "a person can't be their own manager"))
            manager = None
        if user is None:
            continue
        if user.user_id in first_line:
            problems.append(ImportProblem(row.line, "user", f"{row.get('user')} is already on line "
                                                            f"{first_line[user.user_id]}"))
            continue
        first_line[user.user_id] = row.line
        lines.append(_Line(row, user, manager, timezone))
    return lines


def _check_cycles(lines: list[_Line], resolver: UserResolver, problems: list[ImportProblem]) -> None:
    """Reporting cycles in the lines as they would be after the import."""
    graph = {user_id: person.manager_id for user_id, person in resolver.stored.items()}
    names = {user_id: person.name for user_id, person in resolver.stored.items()}
    line_of: dict[str, int] = {}
    for line in lines:
        graph[line.user.user_id] = line.manager.user_id if line.manager else None
        names[line.user.user_id] = line.user.name
        if line.manager:
            names.setdefault(line.manager.user_id, line.manager.name)
        line_of[line.user.user_id] = line.row.line
    reported: set[frozenset[str]] = set()
    for line in lines:
        start = line.user.user_id
        chain = [start]
        current = graph.get(start)
        while current and current not in chain and len(chain) < 10_000:
            chain.append(current)
            current = graph.get(current)
        if current != start or frozenset(chain) in reported:
            continue
        reported.add(frozenset(chain))
        loop = " → ".join(names.get(u) or u for u in [*chain, start])
        others = sorted(line_of[u] for u in chain if u in line_of and u != start)
        where = f" (see also line {', '.join(map(str, others))})" if others else ""
        problems.append(ImportProblem(line.row.line, "manager", f"reporting cycle: {loop}{where}"))
