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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from bot.services.okrs.status import effective_status, progress
from bot.views.home import (
    ITEMS_IN_A_LIST,
    NAMES_IN_A_LINE,
    OBSTACLES_PAGE,
    PEOPLE_PAGE,
    SCHEDULE_BUTTONS,
    LeaderView,
    Obstacle,
    OpenRequest,
    OverdueOneOnOne,
    Page,
    PersonStatus,
    StaleFeedback,
    first_shown,
)
from bot.views.okrs import aware
from storage.models import CheckIn, KeyResult, Objective, Person
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne

MAX_DEPTH = 30  # reporting trees are never this deep; it also stops a cycle that slipped into the data
ONE_ON_ONE_DUE = timedelta(days=30)
FEEDBACK_STALE = timedelta(days=7)
KUDOS_WINDOW = timedelta(days=30)


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


# --------------------------------------------------------------------------- the same answer, computed in Python


def cut(view: LeaderView | None, manager_id: str, pages: dict[str, int] | None = None) -> LeaderView | None:
    """A whole-list LeaderView (`leader_view`, computed in Python) cut to the page that
    bot.services.home.leader_sql.leader_page returns."""
    if view is None:
        return None
    pages = pages or {}

    def window(items: tuple[Any, ...], name: str, size: int) -> Page[Any]:
        offset = first_shown(pages.get(name, 0), size, len(items))
        return Page(items[offset:offset + size], len(items), offset)

    mine = [o for o in view.overdue if o.manager_id == manager_id][:SCHEDULE_BUTTONS]
    first = view.overdue[:SCHEDULE_BUTTONS + NAMES_IN_A_LINE]
    return LeaderView(
        tree=view.tree, has_sub_managers=view.has_sub_managers, people=window(view.people, "people", PEOPLE_PAGE),
        obstacles=window(view.obstacles, "obstacles", OBSTACLES_PAGE),
        overdue=Page((o for o in view.overdue if o in first or o in mine), len(view.overdue)),
        requests=Page(view.requests[:ITEMS_IN_A_LIST], len(view.requests)),
        stale_feedback=Page(view.stale_feedback[:ITEMS_IN_A_LIST], len(view.stale_feedback)),
        no_kudos=Page(view.no_kudos[:NAMES_IN_A_LINE], len(view.no_kudos)), counts=view.totals)


def fingerprint(view: LeaderView | None) -> Any:
    """Everything a LeaderView says, lengths, page offsets and totals included (for same-answer checks)."""
    if view is None:
        return None
    lists = (view.people, view.obstacles, view.overdue, view.requests, view.stale_feedback, view.no_kudos)
    return (view.tree, view.has_sub_managers, view.totals,
            tuple((tuple(items), len(items), getattr(items, "offset", 0)) for items in lists))
