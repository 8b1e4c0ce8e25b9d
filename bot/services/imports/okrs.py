"""`okrbot import okrs FILE.csv`: `owner,quarter,objective,key_result,start,target,current,unit,status` rows.

Objectives are matched by (workspace, owner, quarter, title) and key results by (objective, title); a
matching row updates the stored values, a new one is created, nothing is deleted. `start` blank is 0,
`current` blank is `start`, `status` blank lets okrbot derive it. New objectives get their Slack message
(unless `post_messages=False`), changed ones have it updated.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

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
from bot.services.okrs.input import normalise_status, parse_number
from bot.services.okrs.queries import load_objectives, objective_rows
from bot.views.okrs import MAX_KEY_RESULTS, MAX_TITLE, MAX_UNIT
from storage.db import insert_ignore
from storage.models import KeyResult, Objective

if TYPE_CHECKING:
    from bot.services.okrs.service import OkrService

REQUIRED = ("owner", "quarter", "objective", "key_result", "target")
OPTIONAL = ("start", "current", "unit", "status")
QUARTER_FIRST_YEAR = re.compile(r"^(\d{4})\s*[-/ ]?\s*q([1-4])$", re.IGNORECASE)
QUARTER_FIRST_Q = re.compile(r"^q([1-4])\s*[-/ ]?\s*(\d{4})$", re.IGNORECASE)

ObjectiveKey = tuple[str, str, str]  # owner, quarter, title
CHUNK = 500  # rows per multi-row INSERT / IN list (far under SQLite's and PostgreSQL's parameter limits)


@dataclass(frozen=True)
class _Kr:
    line: int
    owner: SlackUser
    quarter: str
    objective: str
    title: str
    start: float
    target: float
    current: float
    unit: str
    status: str | None

    @property
    def objective_key(self) -> ObjectiveKey:
        return (self.owner.user_id, self.quarter, self.objective)


class _DryRun(Exception):
    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def parse_quarter(raw: str) -> str | None:
    """`2026-Q4`, `2026 q4`, `Q4 2026`, `Q4-2026` → `2026-Q4`; None when not a quarter."""
    text = raw.strip()
    if match := QUARTER_FIRST_YEAR.match(text):
        return f"{match.group(1)}-Q{match.group(2)}"
    if match := QUARTER_FIRST_Q.match(text):
        return f"{match.group(2)}-Q{match.group(1)}"
    return None


def _title(raw: str) -> str:
    return " ".join(raw.split())


def import_okrs(ctx: ServiceContext, okrs: OkrService, *, team_id: str, text: str, dry_run: bool = False,
                post_messages: bool = True, progress: Progress | None = None) -> ImportReport:
    """Validate every row, then upsert objectives and key results in one transaction (ImportFailed: none)."""
    problems: list[ImportProblem] = []
    rows = read_rows(text, required=REQUIRED, optional=OPTIONAL, problems=problems)
    try:
        with ctx.sessions.begin() as session:
            resolver = UserResolver(ctx, session, team_id)
            krs = _validate(rows, resolver, problems, progress)
            existing = _existing(session, team_id, krs)
            _check_sizes(krs, existing, problems)
            if problems:
                raise ImportFailed(problems)
            counts = _write(ctx, okrs, session, team_id, krs, existing, resolver, post_messages, progress)
            report = ImportReport(kind="OKR", rows=len(krs), counts=counts, dry_run=dry_run)
            if dry_run:
                raise _DryRun(report)
            return report
    except _DryRun as rolled_back:
        return rolled_back.report


def _number(row: Row, column: str, problems: list[ImportProblem], default: float | None) -> float | None:
    raw = row.get(column)
    if not raw:
        if default is None:
            problems.append(ImportProblem(row.line, column, "empty: a number is required"))
        return default
    value = parse_number(raw)
    if value is None:
        problems.append(ImportProblem(row.line, column, f"{raw!r} is not a number"))
    return value


def _validate(rows: list[Row], resolver: UserResolver, problems: list[ImportProblem],
              progress: Progress | None) -> list[_Kr]:
    krs: list[_Kr] = []
    first_line: dict[tuple[str, str, str, str], int] = {}
    for row in with_progress(rows, progress):
        before = len(problems)
        owner, why = (resolver.resolve(row.get("owner"), what="the owner") if row.get("owner")
                      else (None, "empty: every row needs an owner (Slack id or email)"))
        if why:
            problems.append(ImportProblem(row.line, "owner", why))
        quarter = parse_quarter(row.get("quarter"))
        if quarter is None:
            problems.append(ImportProblem(row.line, "quarter", f"{row.get('quarter')!r} is not a quarter such as "
                                                               "2026-Q4"))
        titles = {}
        for column in ("objective", "key_result"):
            titles[column] = _title(row.get(column))
            if not titles[column]:
                problems.append(ImportProblem(row.line, column, "empty: a title is required"))
            elif len(titles[column]) > MAX_TITLE:
                problems.append(ImportProblem(row.line, column, f"longer than {MAX_TITLE} characters"))
        start = _number(row, "start", problems, 0.0)
        target = _number(row, "target", problems, None)
        current = _number(row, "current", problems, start if start is not None else 0.0)
        unit = row.get("unit")
        if len(unit) > MAX_UNIT:
            problems.append(ImportProblem(row.line, "unit", f"longer than {MAX_UNIT} characters"))
        status = None
        try:
            status = normalise_status(row.get("status"))
        except ValueError:
            problems.append(ImportProblem(row.line, "status", f"{row.get('status')!r} is not a status; use "
                                                              "ahead, on_track, off_track or leave it blank"))
        if len(problems) > before or owner is None or quarter is None:
            continue
        assert start is not None and target is not None and current is not None
        key = (owner.user_id, quarter, titles["objective"], titles["key_result"])
        if key in first_line:
            problems.append(ImportProblem(row.line, "key_result", f"duplicate of line {first_line[key]} (same owner, "
                                                                  "quarter, objective and key result)"))
            continue
        first_line[key] = row.line
        krs.append(_Kr(row.line, owner, quarter, titles["objective"], titles["key_result"], start, target, current,
                       unit, status))
    return krs


Stored = dict[ObjectiveKey, tuple[Objective, dict[str, KeyResult]]]


def _existing(session: Session, team_id: str, krs: list[_Kr]) -> Stored:
    """Stored objectives (with their key results by title) that the file's rows name, in one query."""
    keys = {kr.objective_key for kr in krs}
    if not keys:
        return {}
    owners = {k[0] for k in keys}
    quarters = {k[1] for k in keys}
    found: Stored = {}
    stmt = (select(Objective, KeyResult).outerjoin(KeyResult, KeyResult.objective_id == Objective.id)
            .where(Objective.team_id == team_id, Objective.owner_id.in_(owners), Objective.quarter.in_(quarters)))
    for objective, kr in session.execute(stmt):
        key = (objective.owner_id, objective.quarter, objective.title)
        if key not in keys:
            continue
        entry = found.setdefault(key, (objective, {}))
        if kr is not None:
            entry[1][kr.title] = kr
    return found


def _check_sizes(krs: list[_Kr], existing: Stored,
                 problems: list[ImportProblem]) -> None:
    titles: dict[ObjectiveKey, set[str]] = defaultdict(set)
    for key, (_, stored) in existing.items():
        titles[key].update(stored)
    for kr in krs:
        titles[kr.objective_key].add(kr.title)
        if len(titles[kr.objective_key]) > MAX_KEY_RESULTS:
            problems.append(ImportProblem(kr.line, "key_result", f"objective {kr.objective!r} would have more than "
                                                                 f"{MAX_KEY_RESULTS} key results"))


def _write(ctx: ServiceContext, okrs: OkrService, session: Session, team_id: str, krs: list[_Kr],
           existing: Stored, resolver: UserResolver,
           post_messages: bool, progress: Progress | None) -> dict[str, int]:
    now = ctx.clock()
    counts: Counter[str] = Counter()
    for kr in krs:
        if kr.owner.user_id not in resolver.stored:
            upsert_person(session, team_id, kr.owner, now, resolver.stored)
    new_keys = list(dict.fromkeys(kr.objective_key for kr in krs if kr.objective_key not in existing))
    for start in range(0, len(new_keys), CHUNK):
        insert_ignore(session, Objective, [{"team_id": team_id, "owner_id": o, "quarter": q, "title": t,
                                            "created_at": now, "updated_at": now}
                                           for o, q, t in new_keys[start:start + CHUNK]])
    ids: dict[ObjectiveKey, int] = {key: objective.id for key, (objective, _) in existing.items()}
    for start in range(0, len(new_keys), CHUNK):
        stmt = select(Objective.id, Objective.owner_id, Objective.quarter, Objective.title).where(
            Objective.team_id == team_id,
            tuple_(Objective.owner_id, Objective.quarter, Objective.title).in_(new_keys[start:start + CHUNK]))
        ids.update({(o, q, t): i for i, o, q, t in session.execute(stmt)})
    counts["objectives created"] = len(new_keys)
    touched: set[ObjectiveKey] = set()
    positions: Counter[ObjectiveKey] = Counter({key: len(stored) for key, (_, stored) in existing.items()})
    for kr in with_progress(krs, progress):
        stored = existing.get(kr.objective_key, (None, {}))[1].get(kr.title)
        wanted = {"start_value": kr.start, "target_value": kr.target, "current_value": kr.current, "unit": kr.unit,
                  "status": kr.status}
        if stored is None:
            session.add(KeyResult(team_id=team_id, objective_id=ids[kr.objective_key], title=kr.title,
                                  position=positions[kr.objective_key], updated_at=now, **wanted))
            positions[kr.objective_key] += 1
            counts["key results created"] += 1
            touched.add(kr.objective_key)
            continue
        changed = {k: v for k, v in wanted.items() if getattr(stored, k) != v}
        for name, value in changed.items():
            setattr(stored, name, value)
        if changed:
            stored.updated_at = now
            counts["key results updated"] += 1
            touched.add(kr.objective_key)
        else:
            counts["key results unchanged"] += 1
    for key in touched:
        if key in existing:
            existing[key][0].updated_at = now
    counts["objectives updated"] = len([k for k in touched if k in existing])
    counts["objectives unchanged"] = len([k for k in existing if k not in touched and k in ids])
    session.flush()
    if post_messages and touched:
        views = load_objectives(session, objective_rows(team_id).where(Objective.id.in_([ids[k] for k in touched])),
                                now)
        for view in views:
            digest = hashlib.sha1(repr([(k.title, k.start, k.target, k.current, k.unit, k.explicit_status)
                                        for k in view.key_results]).encode(), usedforsecurity=False).hexdigest()[:12]
            okrs.refresh_message(session, view, f"import-{digest}")
    order = ("objectives created", "objectives updated", "objectives unchanged", "key results created",
             "key results updated", "key results unchanged")
    return {name: counts[name] for name in order}
