"""The leader view of the App Home, computed with a fixed number of SQL statements whatever the team size.

The team is a manager's active direct reports, or with `tree=True` their whole reporting tree (one
recursive CTE). Every other query filters on that team as a subquery, so no statement is repeated
per person:

  1 the team (people, depth, whether each one manages someone)
  2 key results of the team's objectives this quarter (statuses are derived in Python by the one rule)
  3 the latest obstacle of each of those key results (a window function)
  4 the last 1-on-1 of each person with their manager
  5 1-on-1 requests to the manager (or to managers in the tree) still unanswered
  6 pending feedback requests older than 7 days that involve the team
  7 who in the team received kudos in the last 30 days
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, SupportsIndex, TypeVar

from sqlalchemy import Select, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from bot.services.okrs.status import effective_status, progress
from bot.views.okrs import aware
from storage.models import CheckIn, KeyResult, Objective, Person
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne

T = TypeVar("T")

MAX_DEPTH = 30  # reporting trees are never this deep; it also stops a cycle that slipped into the data
ONE_ON_ONE_DUE = timedelta(days=30)
FEEDBACK_STALE = timedelta(days=7)
KUDOS_WINDOW = timedelta(days=30)


class Page(tuple[T, ...]):
    """One page of a longer list: the items loaded (a tuple), with `len()` the whole list's length.

    Slicing and indexing use positions in the whole list (`offset` is the first loaded item's), so
    `page[30:60]` of the people list is the loaded page; iterating gives the loaded items only.
    Computed in SQL by bot.services.home.leader_sql, so Python only holds what one Home page shows.
    """

    total: int
    offset: int

    def __new__(cls, items: Any = (), total: int | None = None, offset: int = 0) -> Page[T]:
        page = super().__new__(cls, items)
        page.total = tuple.__len__(page) + offset if total is None else total
        page.offset = offset
        return page

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: SupportsIndex | slice) -> Any:  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, _ = index.indices(self.total)
            return tuple.__getitem__(self, slice(max(0, start - self.offset), max(0, stop - self.offset)))
        position = index.__index__()
        position = position + self.total if position < 0 else position
        if not self.offset <= position < self.offset + tuple.__len__(self):
            raise IndexError("not on this page")
        return tuple.__getitem__(self, position - self.offset)

    def __repr__(self) -> str:
        return f"Page({tuple(self)!r}, total={self.total}, offset={self.offset})"


@dataclass(frozen=True)
class PersonStatus:
    """One team member with the statuses of their key results this quarter."""

    user_id: str
    name: str
    manager_id: str | None
    depth: int
    is_manager: bool
    ahead: int
    on_track: int
    off_track: int

    @property
    def key_results(self) -> int:
        """How many key results they have this quarter."""
        return self.ahead + self.on_track + self.off_track


@dataclass(frozen=True)
class Obstacle:
    """An off-track key result and its latest obstacle (`since`: its latest obstacle or last change)."""

    owner_id: str
    objective_id: int
    objective_title: str
    key_result_id: int
    key_result_title: str
    progress: float
    obstacle: str
    since: datetime


@dataclass(frozen=True)
class OverdueOneOnOne:
    """A team member without a 1-on-1 with their manager in the last 30 days (`last_at` None: never)."""

    user_id: str
    manager_id: str | None
    last_at: datetime | None


@dataclass(frozen=True)
class OpenRequest:
    """A 1-on-1 request nobody answered yet."""

    one_on_one_id: int
    requester_id: str
    manager_id: str
    requested_at: datetime


@dataclass(frozen=True)
class StaleFeedback:
    """A feedback request pending for more than 7 days."""

    request_id: int
    requester_id: str
    giver_id: str
    created_at: datetime


@dataclass(frozen=True)
class LeaderView:
    """Where are we? Where are the obstacles? What should I do next?"""

    tree: bool
    has_sub_managers: bool
    people: tuple[PersonStatus, ...]
    obstacles: tuple[Obstacle, ...]
    overdue: tuple[OverdueOneOnOne, ...]
    requests: tuple[OpenRequest, ...]
    stale_feedback: tuple[StaleFeedback, ...]
    no_kudos: tuple[str, ...]
    counts: tuple[int, int, int] | None = field(default=None, compare=False)  # totals when `people` is a Page

    @property
    def totals(self) -> tuple[int, int, int]:
        """Key results ahead, on track and off track across the team."""
        if self.counts is not None:
            return self.counts
        return (sum(p.ahead for p in self.people), sum(p.on_track for p in self.people),
                sum(p.off_track for p in self.people))


def team_members(team_id: str, manager_id: str, *, tree: bool) -> Select[Any]:
    """(user_id, depth) of the manager's active reports, direct or the whole tree."""
    direct = select(Person.user_id, literal(1).label("depth")).where(
        Person.team_id == team_id, Person.manager_id == manager_id, Person.is_active.is_(True),
        Person.user_id != manager_id)
    if not tree:
        return direct
    cte = direct.cte("reporting_tree", recursive=True)
    below = aliased(Person)
    cte = cte.union(select(below.user_id, (cte.c.depth + 1).label("depth")).where(
        below.team_id == team_id, below.manager_id == cte.c.user_id, below.is_active.is_(True),
        below.user_id != manager_id, cte.c.depth < MAX_DEPTH))
    return select(cte.c.user_id, func.min(cte.c.depth).label("depth")).group_by(cte.c.user_id)


def leader_view(session: Session, team_id: str, manager_id: str, quarter: str, now: datetime, *,
                tree: bool) -> LeaderView | None:
    """The leader view of `manager_id`, or None when they manage nobody."""
    members_q = team_members(team_id, manager_id, tree=tree).subquery("members")
    member_ids = select(members_q.c.user_id)
    reports = aliased(Person)
    manages = exists(select(reports.user_id).where(reports.team_id == team_id, reports.manager_id == Person.user_id,
                                                   reports.is_active.is_(True)))
    people_rows = session.execute(
        select(Person.user_id, Person.name, Person.manager_id, members_q.c.depth, manages.label("manages"))
        .join(members_q, members_q.c.user_id == Person.user_id).where(Person.team_id == team_id)).all()
    if not people_rows:
        return None
    statuses, obstacles = _key_results(session, team_id, member_ids, quarter, now)
    none: Counter[str] = Counter()
    people = tuple(sorted(
        (PersonStatus(user_id=r.user_id, name=r.name or r.user_id, manager_id=r.manager_id, depth=r.depth,
                      is_manager=bool(r.manages), ahead=statuses.get(r.user_id, none)["ahead"],
                      on_track=statuses.get(r.user_id, none)["on_track"],
                      off_track=statuses.get(r.user_id, none)["off_track"])
         for r in people_rows),
        key=lambda p: (-p.off_track, p.depth, p.name.lower(), p.user_id)))
    managers = [manager_id, *(p.user_id for p in people if p.is_manager)] if tree else [manager_id]
    return LeaderView(
        tree=tree, has_sub_managers=any(p.is_manager for p in people), people=people, obstacles=obstacles,
        overdue=_overdue(session, team_id, member_ids, people, now),
        requests=_requests(session, team_id, managers),
        stale_feedback=_stale_feedback(session, team_id, manager_id, member_ids, now),
        no_kudos=_no_kudos(session, team_id, member_ids, people, now))


def _key_results(session: Session, team_id: str, member_ids: Select[Any], quarter: str,
                 now: datetime) -> tuple[dict[str, Counter[str]], tuple[Obstacle, ...]]:
    rows = session.execute(
        select(Objective.owner_id, Objective.id.label("objective_id"), Objective.title.label("objective_title"),
               KeyResult.id, KeyResult.title, KeyResult.start_value, KeyResult.target_value,
               KeyResult.current_value, KeyResult.status, KeyResult.updated_at)
        .join(KeyResult, KeyResult.objective_id == Objective.id)
        .where(Objective.team_id == team_id, Objective.quarter == quarter, Objective.owner_id.in_(member_ids))).all()
    latest = _latest_obstacles(session, team_id, member_ids, quarter)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    found: list[Obstacle] = []
    for owner, objective_id, objective_title, kr_id, title, start, target, current, explicit, updated in rows:
        status = effective_status(explicit, start, target, current, quarter, now, updated_at=updated)
        statuses[owner][status] += 1
        if status == "off_track":
            text, at = latest.get(kr_id, ("", updated))
            found.append(Obstacle(owner_id=owner, objective_id=objective_id, objective_title=objective_title,
                                  key_result_id=kr_id, key_result_title=title,
                                  progress=progress(start, target, current), obstacle=text, since=aware(at) or now))
    found.sort(key=lambda o: (o.since, o.key_result_id))
    return statuses, tuple(found)


def _latest_obstacles(session: Session, team_id: str, member_ids: Select[Any],
                      quarter: str) -> dict[int, tuple[str, datetime]]:
    ranked = (select(CheckIn.key_result_id, CheckIn.obstacles, CheckIn.created_at,
                     func.row_number().over(partition_by=CheckIn.key_result_id,
                                            order_by=(CheckIn.created_at.desc(), CheckIn.id.desc())).label("rank"))
              .join(KeyResult, KeyResult.id == CheckIn.key_result_id)
              .join(Objective, Objective.id == KeyResult.objective_id)
              .where(CheckIn.team_id == team_id, CheckIn.obstacles != "", Objective.team_id == team_id,
                     Objective.quarter == quarter, Objective.owner_id.in_(member_ids))
              .subquery())
    rows = session.execute(select(ranked.c.key_result_id, ranked.c.obstacles, ranked.c.created_at)
                           .where(ranked.c.rank == 1))
    return {kr_id: (text, aware(at)) for kr_id, text, at in rows}


def _overdue(session: Session, team_id: str, member_ids: Select[Any], people: tuple[PersonStatus, ...],
             now: datetime) -> tuple[OverdueOneOnOne, ...]:
    held = func.max(func.coalesce(OneOnOne.done_at, OneOnOne.agreed_at))
    rows = session.execute(select(OneOnOne.requester_id, OneOnOne.manager_id, held)
                           .where(OneOnOne.team_id == team_id, OneOnOne.requester_id.in_(member_ids),
                                  OneOnOne.state.in_(("accepted", "done")))
                           .group_by(OneOnOne.requester_id, OneOnOne.manager_id))
    last = {(requester, manager): aware(at) for requester, manager, at in rows}
    due = now - ONE_ON_ONE_DUE
    overdue = []
    for person in people:
        at = last.get((person.user_id, person.manager_id or ""))
        if at is None or at < due:
            overdue.append(OverdueOneOnOne(user_id=person.user_id, manager_id=person.manager_id, last_at=at))
    overdue.sort(key=lambda o: (o.last_at is not None, o.last_at or now, o.user_id))
    return tuple(overdue)


def _requests(session: Session, team_id: str, managers: list[str]) -> tuple[OpenRequest, ...]:
    rows = session.execute(select(OneOnOne.id, OneOnOne.requester_id, OneOnOne.manager_id, OneOnOne.requested_at)
                           .where(OneOnOne.team_id == team_id, OneOnOne.state == "requested",
                                  OneOnOne.manager_id.in_(managers))
                           .order_by(OneOnOne.requested_at, OneOnOne.id))
    return tuple(OpenRequest(one_on_one_id=i, requester_id=r, manager_id=m, requested_at=at) for i, r, m, at in rows)


def _stale_feedback(session: Session, team_id: str, manager_id: str, member_ids: Select[Any],
                    now: datetime) -> tuple[StaleFeedback, ...]:
    rows = session.execute(
        select(FeedbackRequest.id, FeedbackRequest.requester_id, FeedbackRequest.giver_id, FeedbackRequest.created_at)
        .where(FeedbackRequest.team_id == team_id, FeedbackRequest.state == "pending",
               FeedbackRequest.created_at < now - FEEDBACK_STALE,
               or_(FeedbackRequest.giver_id == manager_id, FeedbackRequest.giver_id.in_(member_ids),
                   FeedbackRequest.requester_id.in_(member_ids)))
        .order_by(FeedbackRequest.created_at, FeedbackRequest.id))
    return tuple(StaleFeedback(request_id=i, requester_id=r, giver_id=g, created_at=at) for i, r, g, at in rows)


def _no_kudos(session: Session, team_id: str, member_ids: Select[Any], people: tuple[PersonStatus, ...],
              now: datetime) -> tuple[str, ...]:
    recognised = set(session.scalars(select(Kudos.receiver_id).distinct().where(
        Kudos.team_id == team_id, Kudos.receiver_id.in_(member_ids), Kudos.created_at >= now - KUDOS_WINDOW)))
    names = sorted((p.name.lower(), p.user_id) for p in people if p.user_id not in recognised)
    return tuple(user_id for _, user_id in names)
