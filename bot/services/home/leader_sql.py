"""The leader view computed in the database: counts aggregated and lists paged in SQL (issue 15).

`leader_page` returns the same LeaderView as `bot.services.home.leader.leader_view`, cut to what one Home page
shows: each list is a `Page` (the loaded items, with `len()` the whole list's length), the status totals
are in `counts`. Python never holds more than a page, whatever the size of the tree:

  1 one page of people, most off track first, with their status counts, the team's totals and size, and
    whether anyone in it manages (GROUP BY over the team's key results, window sums); in the same statement,
    one page of off-track key results, oldest obstacle first, with the text of their latest obstacle (each
    key result's status is computed once, for both lists)
  2–5 (`leader_lists`, which a Home reads beside 1): the first people without a 1-on-1 in 30 days (and the
    first of the viewer's own reports among them), unanswered 1-on-1 requests, stale feedback requests and
    people without kudos, each its first items + count
A page past the end of a list (an old "Show more" button) costs one or two more statements.

The team comes from the closure table `reporting_lines` (whole tree) or `people.manager_id` (direct
reports), each an indexed lookup. The status of a key result is `okr_status.effective_status` written as a
SQL CASE with the same numbers (the quarter's elapsed share and the grace cut-off are computed in Python
and bound), so both give the same answer; tests/service/okrs/test_leader_sql.py compares them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from bot.services.home.leader import FEEDBACK_STALE, KUDOS_WINDOW, ONE_ON_ONE_DUE
from bot.services.okrs.status import progress
from bot.services.okrs.status_sql import status_sql
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
from storage.models import CheckIn, KeyResult, Objective, Person, ReportingLine
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne

NO_TEXT = literal_column("''")  # written out, so the partial index ix_check_ins_obstacle applies


# Status counts in one sum per person (the status is computed once per key result): ahead + on_track × 2^21
# + off_track × 2^42, decoded with // and %. Exact up to 2 million key results per person and status.
SHIFT = 2**21
WEIGHTS = {"ahead": 1, "on_track": SHIFT, "off_track": SHIFT * SHIFT}


def members_select(team_id: str, manager_id: str, *, tree: bool) -> Select[Any]:
    """(user_id, depth) of the manager's active reports: direct, or the whole tree from `reporting_lines`."""
    if tree:
        return select(ReportingLine.descendant_id.label("user_id"), ReportingLine.depth.label("depth")).where(
            ReportingLine.team_id == team_id, ReportingLine.ancestor_id == manager_id,
            ReportingLine.descendant_id != manager_id)
    return select(Person.user_id.label("user_id"), literal(1).label("depth")).where(
        Person.team_id == team_id, Person.manager_id == manager_id, Person.is_active.is_(True),
        Person.user_id != manager_id)


def leader_page(session: Session, team_id: str, manager_id: str, quarter: str, now: datetime, *, tree: bool,
                pages: dict[str, int] | None = None, lists: Callable[[], LeaderLists] | None = None,
                ) -> LeaderView | None:
    """The leader view of `manager_id` at the given list pages, or None when they manage nobody (`lists`: the
    short lists when they are read elsewhere, e.g. `leader_lists` in another thread)."""
    return _Query(session, team_id, manager_id, quarter, now, tree).view(pages or {}, lists)


def leader_lists(session: Session, team_id: str, manager_id: str, quarter: str, now: datetime, *,
                 tree: bool) -> LeaderLists:
    """The leader view's four short lists: overdue 1-on-1s, open requests, stale feedback, nobody's kudos."""
    return _Query(session, team_id, manager_id, quarter, now, tree).lists()


OBSTACLE, PERSON = 0, 1  # the kinds of row of the first statement
LeaderLists = tuple[Page[OverdueOneOnOne], Page[OpenRequest], Page[StaleFeedback], Page[str]]


class _Query:
    def __init__(self, session: Session, team_id: str, manager_id: str, quarter: str, now: datetime,
                 tree: bool) -> None:
        self.session, self.team_id, self.manager_id, self.quarter, self.now, self.tree = \
            session, team_id, manager_id, quarter, now, tree
        self.members = members_select(team_id, manager_id, tree=tree).cte("members")
        self.exact = session.get_bind().dialect.name == "postgresql"  # compare text like Python does: COLLATE "C"

    def text(self, column: Any) -> Any:
        return column.collate("C") if self.exact else column

    def manages(self, user_id: Any) -> Any:
        """Someone active reports to `user_id`: a line one level below them in the closure table."""
        return exists(select(ReportingLine.descendant_id).where(
            ReportingLine.team_id == self.team_id, ReportingLine.ancestor_id == user_id, ReportingLine.depth == 1))

    def lists(self) -> LeaderLists:
        return self._overdue(), self._requests(), self._stale_feedback(), self._no_kudos()

    def view(self, pages: dict[str, int], lists: Callable[[], LeaderLists] | None = None) -> LeaderView | None:
        page, off_page = pages.get("people", 0), pages.get("obstacles", 0)
        at, off_at = page * PEOPLE_PAGE, off_page * OBSTACLES_PAGE
        rows = self.session.execute(self._page_rows(at, off_at)).all()
        people = [r for r in rows if r.kind == PERSON]
        if not people and at:  # a page past the end (an old button): the last page, as bot.blocks.home shows it
            count = self.session.execute(select(func.count()).select_from(self.members)).scalar_one()
            at = first_shown(page, PEOPLE_PAGE, count)
            rows = self.session.execute(self._page_rows(at, off_at)).all() if count else []
            people = [r for r in rows if r.kind == PERSON]
        if not people:
            if lists is not None:
                lists()  # read beside for nothing (they manage nobody): wait, so no read outlives the build
            return None
        first = people[0]
        totals = (int(first.all_ahead), int(first.all_on_track), int(first.all_off_track))
        obstacles = [r for r in rows if r.kind == OBSTACLE]
        if not obstacles and off_at and first_shown(off_page, OBSTACLES_PAGE, totals[2]) != off_at:
            off_at = first_shown(off_page, OBSTACLES_PAGE, totals[2])
            obstacles = [r for r in self.session.execute(self._page_rows(at, off_at)).all() if r.kind == OBSTACLE]
        overdue, requests, stale, no_kudos = lists() if lists is not None else self.lists()
        return LeaderView(
            tree=self.tree, has_sub_managers=bool(first.has_sub),
            people=Page((PersonStatus(user_id=r.user_id, name=r.name, manager_id=r.manager_id, depth=r.depth,
                                      is_manager=bool(r.manages), ahead=int(r.w) % SHIFT,
                                      on_track=int(r.w) // SHIFT % SHIFT, off_track=int(r.w) // (SHIFT * SHIFT))
                         for r in sorted(people, key=lambda r: r.rn)), int(first.people), at),
            obstacles=Page((Obstacle(owner_id=r.owner_id, objective_id=r.objective_id,
                                     objective_title=r.objective_title, key_result_id=r.id,
                                     key_result_title=r.title, progress=progress(r.start, r.target, r.current),
                                     obstacle=r.text or "", since=r.since)
                            for r in sorted(obstacles, key=lambda r: (r.since, r.id))), totals[2], off_at),
            overdue=overdue, requests=requests, stale_feedback=stale, no_kudos=no_kudos, counts=totals)

    def _page_rows(self, at: int, off_at: int) -> Any:
        """One statement: a page of people (with the team's counts) and a page of obstacles, as rows of two kinds.

        The status of each of the team's key results is computed once (the MATERIALIZED `krs`), for both lists.
        """
        m = self.members
        weights = {s: literal(w, BigInteger) for s, w in WEIGHTS.items()}
        krs = (select(Objective.owner_id, KeyResult.id, KeyResult.updated_at, KeyResult.obstacle_at,
                      status_sql(self.quarter, self.now, weights).label("w"))
               .select_from(m)  # a join, not IN: each member once, and planners estimate it better
               .join(Objective, and_(Objective.team_id == self.team_id, Objective.owner_id == m.c.user_id,
                                     Objective.quarter == self.quarter))
               .join(KeyResult, KeyResult.objective_id == Objective.id)
               .cte("krs").prefix_with("MATERIALIZED"))
        counts = (select(krs.c.owner_id, cast(func.sum(krs.c.w), BigInteger).label("w"))
                  .group_by(krs.c.owner_id).cte("counts").prefix_with("MATERIALIZED"))
        name = func.coalesce(func.nullif(Person.name, ""), Person.user_id)
        per = (select(m.c.user_id, name.label("name"), Person.manager_id, m.c.depth,
                      func.coalesce(counts.c.w, literal(0, BigInteger)).label("w"))
               .select_from(m)
               .join(Person, and_(Person.team_id == self.team_id, Person.user_id == m.c.user_id))
               .outerjoin(counts, counts.c.owner_id == m.c.user_id).subquery("per"))
        shift = literal(SHIFT, BigInteger)
        by_status = {"ahead": per.c.w % shift, "on_track": (per.c.w // shift) % shift,
                     "off_track": per.c.w // (shift * shift)}
        order = (by_status["off_track"].desc(), per.c.depth, self.text(func.lower(per.c.name)),
                 self.text(per.c.user_id))
        page = (select(per, func.row_number().over(order_by=order).label("rn"), func.count().over().label("people"),
                       *(func.sum(c).over().label(f"all_{s}") for s, c in by_status.items()))
                .order_by(*order).limit(PEOPLE_PAGE).offset(at).subquery("page"))
        # Off track: oldest obstacle first (`since`: the latest obstacle's time, kept on the key result by
        # triggers on check_ins, migration obstacle_at) …
        since = func.coalesce(krs.c.obstacle_at, krs.c.updated_at, type_=KeyResult.updated_at.type).label("since")
        off = (select(krs.c.id, since).where(krs.c.w == weights["off_track"])
               .order_by(since, krs.c.id).limit(OBSTACLES_PAGE).offset(off_at).subquery("off"))
        # … then their titles and latest obstacle.
        text = select(CheckIn.obstacles).where(CheckIn.key_result_id == off.c.id, CheckIn.team_id == self.team_id,
                                               CheckIn.obstacles != NO_TEXT) \
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1).scalar_subquery()
        obstacle_columns = {"id": off.c.id, "since": off.c.since, "owner_id": Objective.owner_id,
                            "objective_id": Objective.id, "objective_title": Objective.title,
                            "title": KeyResult.title, "start": KeyResult.start_value,
                            "target": KeyResult.target_value, "current": KeyResult.current_value, "text": text}
        has_sub = select(m.c.user_id).where(self.manages(m.c.user_id)).exists()
        person_columns = {"user_id": page.c.user_id, "name": page.c.name, "manager_id": page.c.manager_id,
                          "depth": page.c.depth, "w": page.c.w, "rn": page.c.rn, "people": page.c.people,
                          "all_ahead": page.c.all_ahead, "all_on_track": page.c.all_on_track,
                          "all_off_track": page.c.all_off_track, "manages": self.manages(page.c.user_id),
                          "has_sub": has_sub}
        # The obstacles' select comes first: its column types (a datetime on SQLite) are the result's.
        obstacle_rows = (select(literal(OBSTACLE).label("kind"),
                                *(c.label(n) for n, c in obstacle_columns.items()),
                                *(null().label(n) for n in person_columns))
                         .select_from(off).join(KeyResult, KeyResult.id == off.c.id)
                         .join(Objective, Objective.id == KeyResult.objective_id))
        person_rows = select(literal(PERSON).label("kind"), *(null().label(n) for n in obstacle_columns),
                             *(c.label(n) for n, c in person_columns.items())).select_from(page)
        return union_all(obstacle_rows, person_rows)

    def _overdue(self) -> Page[OverdueOneOnOne]:
        m = self.members
        held = aliased(OneOnOne)
        last_at = func.max(func.coalesce(held.done_at, held.agreed_at, type_=OneOnOne.done_at.type))
        last = (select(m.c.user_id, Person.manager_id, last_at.label("last_at"))
                .select_from(m).join(Person, and_(Person.team_id == self.team_id, Person.user_id == m.c.user_id))
                .outerjoin(held, and_(held.team_id == self.team_id, held.requester_id == m.c.user_id,
                                      held.manager_id == func.coalesce(Person.manager_id, ""),
                                      held.state.in_(("accepted", "done"))))
                .group_by(m.c.user_id, Person.manager_id).subquery("last"))
        order = (last.c.last_at.is_not(None), last.c.last_at, self.text(last.c.user_id))
        mine = func.coalesce(last.c.manager_id, "") == self.manager_id
        ranked = (select(last, func.row_number().over(order_by=order).label("rn"),
                         func.sum(case((mine, 1), else_=0)).over(order_by=order, rows=(None, 0)).label("rank_mine"),
                         mine.label("mine"), func.count().over().label("total"))
                  .where(or_(last.c.last_at.is_(None), last.c.last_at < self.now - ONE_ON_ONE_DUE)).subquery("ranked"))
        rows = self.session.execute(select(ranked).where(or_(
            ranked.c.rn <= SCHEDULE_BUTTONS + NAMES_IN_A_LINE,
            and_(ranked.c.mine, ranked.c.rank_mine <= SCHEDULE_BUTTONS))).order_by(ranked.c.rn)).all()
        return Page((OverdueOneOnOne(user_id=r.user_id, manager_id=r.manager_id, last_at=r.last_at) for r in rows),
                    rows[0].total if rows else 0)

    def _requests(self) -> Page[OpenRequest]:
        managers = OneOnOne.manager_id == self.manager_id
        if self.tree:
            managers = or_(managers, OneOnOne.manager_id.in_(
                select(self.members.c.user_id).where(self.manages(self.members.c.user_id))))
        rows = self.session.execute(
            select(OneOnOne.id, OneOnOne.requester_id, OneOnOne.manager_id, OneOnOne.requested_at,
                   func.count().over().label("total"))
            .where(OneOnOne.team_id == self.team_id, OneOnOne.state == "requested", managers)
            .order_by(OneOnOne.requested_at, OneOnOne.id).limit(ITEMS_IN_A_LIST)).all()
        return Page((OpenRequest(one_on_one_id=r.id, requester_id=r.requester_id, manager_id=r.manager_id,
                                 requested_at=r.requested_at) for r in rows), rows[0].total if rows else 0)

    def _stale_feedback(self) -> Page[StaleFeedback]:
        member_ids = select(self.members.c.user_id)
        f = FeedbackRequest
        rows = self.session.execute(
            select(f.id, f.requester_id, f.giver_id, f.created_at, func.count().over().label("total"))
            .where(f.team_id == self.team_id, f.state == "pending", f.created_at < self.now - FEEDBACK_STALE,
                   or_(f.giver_id == self.manager_id, f.giver_id.in_(member_ids), f.requester_id.in_(member_ids)))
            .order_by(f.created_at, f.id).limit(ITEMS_IN_A_LIST)).all()
        return Page((StaleFeedback(request_id=r.id, requester_id=r.requester_id, giver_id=r.giver_id,
                                   created_at=r.created_at) for r in rows), rows[0].total if rows else 0)

    def _no_kudos(self) -> Page[str]:
        m = self.members
        name = func.coalesce(func.nullif(Person.name, ""), Person.user_id)
        recognised = exists(select(Kudos.id).where(Kudos.team_id == self.team_id, Kudos.receiver_id == m.c.user_id,
                                                   Kudos.created_at >= self.now - KUDOS_WINDOW))
        rows = self.session.execute(
            select(m.c.user_id, func.count().over().label("total"))
            .select_from(m).join(Person, and_(Person.team_id == self.team_id, Person.user_id == m.c.user_id))
            .where(~recognised).order_by(self.text(func.lower(name)), self.text(m.c.user_id))
            .limit(NAMES_IN_A_LINE)).all()
        return Page((r.user_id for r in rows), rows[0].total if rows else 0)
