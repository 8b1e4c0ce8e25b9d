"""1-on-1 agendas of manager/report pairs, read in batches: eight queries for any number of pairs of a team.

An agenda answers three questions from stored data: where are we (key results of the quarter, with
status and progress), where are the obstacles (off-track key results with their latest obstacle and its
age), what next (declared next steps, open tasks carried from earlier 1-on-1s); plus kudos received this
month, feedback the report was asked for and has not given, and new replies in the report's OKR threads
since the pair's last 1-on-1. Replies in a direct-message thread stay out: the manager cannot read them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.services.nudges.cadence import parse_period
from bot.services.okrs.status import effective_status, progress, quarter_bounds, quarter_of
from bot.views.nudges import Agenda, CommentLine, FeedbackAsk, KeyResultLine, KudosLine, TaskLine
from storage.models import CheckIn, KeyResult, Objective, OkrComment
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne, Task

MAX_LISTED = 10  # kudos, feedback requests and comments kept per agenda (the counts are exact)
LinkFor = Callable[[str, str, str, str | None], str | None]  # (team, channel, ts, thread_ts) -> permalink


@dataclass(frozen=True)
class AgendaRequest:
    """Which agenda to build: the pair, its period, and since when 'this month' counts (aware UTC)."""

    manager_id: str
    manager_name: str
    report_id: str
    report_name: str
    period: str
    month_start: datetime
    nudge_id: int | None = None


def quarter_of_period(period: str) -> str:
    """'2026-Q4' for '2026-12'."""
    year, month = parse_period(period)
    return quarter_of(date(year, month, 1))


def _days(now: datetime, then: datetime) -> int:
    return max(0, (now - then).days)


class AgendaReader:
    """Builds agendas for many pairs of one team with a fixed number of queries."""

    def __init__(self, session: Session, now: datetime, link_for: LinkFor | None = None) -> None:
        self._session = session
        self._now = now
        self._link_for = link_for or (lambda *_: None)

    def last_done(self, team_id: str, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], datetime]:
        """(manager, report) → when their latest 1-on-1 was marked done (pairs without one are absent)."""
        pairs = set(pairs)
        if not pairs:
            return {}
        managers, reports = {m for m, _ in pairs}, {r for _, r in pairs}
        rows = self._session.execute(
            select(OneOnOne.manager_id, OneOnOne.requester_id, func.max(OneOnOne.done_at))
            .where(OneOnOne.team_id == team_id, OneOnOne.state == "done", OneOnOne.done_at.is_not(None),
                   OneOnOne.manager_id.in_(managers), OneOnOne.requester_id.in_(reports))
            .group_by(OneOnOne.manager_id, OneOnOne.requester_id))
        return {(m, r): at for m, r, at in rows if (m, r) in pairs and at is not None}

    def agendas(self, team_id: str, requests: list[AgendaRequest],
                last_done: dict[tuple[str, str], datetime] | None = None) -> dict[tuple[str, str], Agenda]:
        """(manager, report) → Agenda for every request (eight queries, seven when `last_done` is given)."""
        if not requests:
            return {}
        pairs = {(q.manager_id, q.report_id) for q in requests}
        if last_done is None:
            last_done = self.last_done(team_id, pairs)
        managers, reports = {m for m, _ in pairs}, {r for _, r in pairs}
        quarters = {quarter_of_period(q.period) for q in requests}
        earliest = min(q.month_start for q in requests)
        key_results = self._key_results(team_id, reports, quarters)
        tasks = self._tasks(team_id, managers, reports, pairs)
        kudos = self._kudos(team_id, reports, earliest)
        asks = self._feedback(team_id, reports)
        comment_since = min([earliest, *(datetime.combine(quarter_bounds(q)[0], datetime.min.time(), tzinfo=UTC)
                                         for q in quarters)])
        comments = self._comments(team_id, reports, quarters, comment_since)
        upcoming = self._upcoming(team_id, managers, reports, pairs)
        built = {}
        for q in requests:
            quarter = quarter_of_period(q.period)
            done = last_done.get((q.manager_id, q.report_id))
            quarter_start = datetime.combine(quarter_bounds(quarter)[0], datetime.min.time(), tzinfo=UTC)
            since_comment = done or quarter_start
            krs = tuple(self._line(row, checks, quarter, q.month_start)
                        for row, checks in key_results.get((q.report_id, quarter), ()))
            received = [k for k in kudos.get(q.report_id, ()) if k[2] >= q.month_start]
            replies = [c for c in comments.get((q.report_id, quarter), ()) if c[4] > since_comment]
            waiting = asks.get(q.report_id, ())
            built[(q.manager_id, q.report_id)] = Agenda(
                team_id=team_id, manager_id=q.manager_id, manager_name=q.manager_name, report_id=q.report_id,
                report_name=q.report_name, period=q.period, quarter=quarter, key_results=krs,
                tasks=tuple(tasks.get((q.manager_id, q.report_id), ())),
                kudos_count=len(received), kudos=tuple(KudosLine(g, m) for g, m, _ in received[:MAX_LISTED]),
                feedback_count=len(waiting),
                feedback=tuple(FeedbackAsk(r, _days(self._now, at)) for r, at in waiting[:MAX_LISTED]),
                comment_count=len(replies),
                comments=tuple(CommentLine(user, text, title, self._link_for(team_id, channel, ts, thread))
                               for user, text, channel, ts, _, title, thread in replies[:MAX_LISTED]),
                last_one_on_one=done.date() if done else None, nudge_id=q.nudge_id,
                next_one_on_one_id=upcoming.get((q.manager_id, q.report_id), (None, None))[0],
                next_one_on_one_at=upcoming.get((q.manager_id, q.report_id), (None, None))[1])
        return built

    def _upcoming(self, team_id: str, managers: set[str], reports: set[str],
                  pairs: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, datetime | None]]:
        """(manager, report) → (id, time) of their next accepted, not yet done 1-on-1 (earliest time first)."""
        rows = self._session.execute(
            select(OneOnOne.manager_id, OneOnOne.requester_id, OneOnOne.id, OneOnOne.agreed_at)
            .where(OneOnOne.team_id == team_id, OneOnOne.state == "accepted",
                   OneOnOne.manager_id.in_(managers), OneOnOne.requester_id.in_(reports))
            .order_by(OneOnOne.agreed_at.is_(None), OneOnOne.agreed_at, OneOnOne.id))
        found: dict[tuple[str, str], tuple[int, datetime | None]] = {}
        for m, r, one_on_one_id, at in rows:
            if (m, r) in pairs:
                found.setdefault((m, r), (one_on_one_id, at))
        return found

    # ---- the queries ----------------------------------------------------------------------------------
    def _key_results(self, team_id: str, reports: set[str], quarters: set[str]) -> dict[tuple[str, str], list]:
        """(owner, quarter) → [(kr row, {"latest"/"obstacle"/"next": (at, text)})] in objective order."""
        scope = (Objective.team_id == team_id, KeyResult.team_id == team_id, Objective.owner_id.in_(reports),
                 Objective.quarter.in_(quarters))
        rows = self._session.execute(
            select(KeyResult.id, KeyResult.objective_id, KeyResult.title, KeyResult.start_value,
                   KeyResult.target_value, KeyResult.current_value, KeyResult.unit, KeyResult.status,
                   Objective.title, Objective.owner_id, Objective.quarter, KeyResult.updated_at)
            .join(Objective, KeyResult.objective_id == Objective.id).where(*scope)
            .order_by(Objective.owner_id, Objective.id, KeyResult.position, KeyResult.id)).all()
        if not rows:
            return {}
        kr_ids = select(KeyResult.id).join(Objective, KeyResult.objective_id == Objective.id).where(*scope)
        order = (CheckIn.created_at.desc(), CheckIn.id.desc())
        ranked = (select(CheckIn.key_result_id, CheckIn.created_at, CheckIn.obstacles, CheckIn.next_steps,
                         func.row_number().over(partition_by=CheckIn.key_result_id, order_by=order).label("rn"),
                         func.row_number().over(partition_by=(CheckIn.key_result_id, CheckIn.obstacles == ""),
                                                order_by=order).label("rn_obstacle"),
                         func.row_number().over(partition_by=(CheckIn.key_result_id, CheckIn.next_steps == ""),
                                                order_by=order).label("rn_next"))
                  .where(CheckIn.team_id == team_id, CheckIn.key_result_id.in_(kr_ids)).subquery())
        checks: dict[int, dict[str, tuple[datetime, str]]] = defaultdict(dict)
        for kr_id, at, obstacles, next_steps, rn, rn_obstacle, rn_next in self._session.execute(
                select(ranked).where(or_(ranked.c.rn == 1, and_(ranked.c.rn_obstacle == 1, ranked.c.obstacles != ""),
                                         and_(ranked.c.rn_next == 1, ranked.c.next_steps != "")))):
            if rn == 1:
                checks[kr_id]["latest"] = (at, "")
            if rn_obstacle == 1 and obstacles:
                checks[kr_id]["obstacle"] = (at, obstacles)
            if rn_next == 1 and next_steps:
                checks[kr_id]["next"] = (at, next_steps)
        found: dict[tuple[str, str], list] = defaultdict(list)
        for row in rows:
            found[(row[9], row[10])].append((row, checks.get(row[0], {})))
        return found

    def _line(self, row: tuple, checks: dict[str, tuple[datetime, str]], quarter: str,
              month_start: datetime) -> KeyResultLine:
        kr_id, objective_id, title, start, target, current, unit, explicit, objective, _, _, updated = row
        latest = checks.get("latest", (None, ""))[0]
        obstacle_at, obstacle = checks.get("obstacle", (None, ""))
        return KeyResultLine(
            id=kr_id, objective_id=objective_id, objective=objective, title=title,
            status=effective_status(explicit, start, target, current, quarter, self._now, updated_at=updated),
            progress=progress(start, target, current), current=current, target=target, unit=unit or "",
            last_check_in=latest, checked_in_this_month=latest is not None and latest >= month_start,
            obstacle=obstacle.strip(), obstacle_age_days=_days(self._now, obstacle_at) if obstacle_at else None,
            next_steps=checks.get("next", (None, ""))[1].strip(), start=start)

    def _tasks(self, team_id: str, managers: set[str], reports: set[str],
               pairs: set[tuple[str, str]]) -> dict[tuple[str, str], list[TaskLine]]:
        rows = self._session.execute(
            select(OneOnOne.manager_id, OneOnOne.requester_id, Task.text, Task.assignee_id, Task.due_on,
                   Task.carried_count, Task.created_at, Task.id)
            .join(OneOnOne, Task.one_on_one_id == OneOnOne.id)
            .where(Task.team_id == team_id, OneOnOne.team_id == team_id, Task.done.is_(False),
                   OneOnOne.manager_id.in_(managers), OneOnOne.requester_id.in_(reports)))
        found: dict[tuple[str, str], list] = defaultdict(list)
        for m, r, text, assignee, due_on, carried, created, task_id in rows:
            if (m, r) in pairs:
                found[(m, r)].append((due_on or date.max, created, task_id, TaskLine(text, assignee, due_on,
                                                                                     carried or 0)))
        return {pair: [t[-1] for t in sorted(items, key=lambda t: t[:3])] for pair, items in found.items()}

    def _kudos(self, team_id: str, reports: set[str], since: datetime) -> dict[str, list[tuple[str, str, datetime]]]:
        rows = self._session.execute(
            select(Kudos.receiver_id, Kudos.giver_id, Kudos.message, Kudos.created_at)
            .where(Kudos.team_id == team_id, Kudos.receiver_id.in_(reports), Kudos.created_at >= since)
            .order_by(Kudos.created_at.desc(), Kudos.id.desc()))
        found: dict[str, list] = defaultdict(list)
        for receiver, giver, message, at in rows:
            found[receiver].append((giver, message or "", at))
        return found

    def _feedback(self, team_id: str, reports: set[str]) -> dict[str, list[tuple[str, datetime]]]:
        rows = self._session.execute(
            select(FeedbackRequest.giver_id, FeedbackRequest.requester_id, FeedbackRequest.created_at)
            .where(FeedbackRequest.team_id == team_id, FeedbackRequest.giver_id.in_(reports),
                   FeedbackRequest.state == "pending")
            .order_by(FeedbackRequest.created_at, FeedbackRequest.id))
        found: dict[str, list] = defaultdict(list)
        for giver, requester, at in rows:
            found[giver].append((requester, at))
        return found

    def _comments(self, team_id: str, reports: set[str], quarters: set[str],
                  since: datetime) -> dict[tuple[str, str], list[tuple]]:
        rows = self._session.execute(
            select(OkrComment.user_id, OkrComment.text, OkrComment.channel_id, OkrComment.message_ts,
                   OkrComment.created_at, Objective.title, Objective.message_ts, Objective.owner_id,
                   Objective.quarter)
            .join(Objective, OkrComment.objective_id == Objective.id)
            .where(OkrComment.team_id == team_id, Objective.team_id == team_id, Objective.owner_id.in_(reports),
                   Objective.quarter.in_(quarters), OkrComment.kind == "reply", OkrComment.deleted_at.is_(None),
                   OkrComment.created_at > since, ~OkrComment.channel_id.startswith("D"))
            .order_by(OkrComment.created_at.desc(), OkrComment.id.desc()))
        found: dict[tuple[str, str], list] = defaultdict(list)
        for user, text, channel, ts, at, title, thread, owner, quarter in rows:
            found[(owner, quarter)].append((user, text or "", channel, ts, at, title, thread))
        return found
