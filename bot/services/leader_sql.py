"""The leader view computed in the database: counts aggregated and lists paged in SQL (issue 15).

`leader_page` returns the same LeaderView as `bot.services.leader.leader_view`, cut to what one Home page
shows: each list is a `Page` (the loaded items, with `len()` the whole list's length), the status totals
are in `counts`. Python never holds more than a page, whatever the size of the tree:

  0 how many people, and whether any of them manages someone
  1 one page of people, most off track first, with their status counts and the team's totals (GROUP BY
    over the team's key results, window sums)
  2 one page of off-track key results, oldest obstacle first, with the text of their latest obstacle
  3 the first people without a 1-on-1 in 30 days (and the first of the viewer's own reports among them)
  4 unanswered 1-on-1 requests, 5 stale feedback requests, 6 people without kudos: first items + count

The team comes from the closure table `reporting_lines` (whole tree) or `people.manager_id` (direct
reports), each an indexed lookup. The status of a key result is `okr_status.effective_status` written as a
SQL CASE with the same numbers (the quarter's elapsed share and the grace cut-off are computed in Python
and bound), so both give the same answer; tests/service/okrs/test_leader_sql.py compares them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from bot.services.leader import (
    FEEDBACK_STALE,
    KUDOS_WINDOW,
    ONE_ON_ONE_DUE,
    LeaderView,
    Obstacle,
    OpenRequest,
    OverdueOneOnOne,
    Page,
    PersonStatus,
    StaleFeedback,
)
from bot.services.okr_status import AHEAD_MARGIN, BEHIND_MARGIN, STATUSES, _grace, elapsed_share, progress
from storage.models import CheckIn, FeedbackRequest, KeyResult, Kudos, Objective, OneOnOne, Person, ReportingLine

# What one Home page shows of each list (bot.blocks.home lays them out).
PEOPLE_PAGE = 30
OBSTACLES_PAGE = 6
ITEMS_IN_A_LIST = 8
NAMES_IN_A_LINE = 15
SCHEDULE_BUTTONS = 3


def status_sql(quarter: str, now: datetime) -> ColumnElement[str]:
    """`effective_status` of KeyResult rows as a SQL expression (same rule, same floating-point numbers)."""
    k = KeyResult
    one, zero = literal(1.0, Float), literal(0.0, Float)
    raw = case((k.target_value == k.start_value, case((k.current_value == k.target_value, one), else_=zero)),
               else_=(k.current_value - k.start_value) / (k.target_value - k.start_value))
    p = case((raw > one, one), (raw < zero, zero), else_=raw)
    t = elapsed_share(quarter, now)
    rules: list[tuple[Any, str]] = [(p >= one, "ahead")] if t < 1.0 else []
    rules += [(p >= literal(t + AHEAD_MARGIN, Float), "ahead"), (p >= literal(t - BEHIND_MARGIN, Float), "on_track")]
    return case((k.status.in_(STATUSES), k.status),
                (and_(k.current_value == k.start_value, k.updated_at > now - _grace["period"]), "on_track"),
                *rules, else_="off_track")


def members_select(team_id: str, manager_id: str, *, tree: bool) -> Select[Any]:
    """(user_id, depth) of the manager's active reports: direct, or the whole tree from `reporting_lines`."""
    if tree:
        return select(ReportingLine.descendant_id.label("user_id"), ReportingLine.depth.label("depth")).where(
            ReportingLine.team_id == team_id, ReportingLine.ancestor_id == manager_id,
            ReportingLine.descendant_id != manager_id)
    return select(Person.user_id.label("user_id"), literal(1).label("depth")).where(
        Person.team_id == team_id, Person.manager_id == manager_id, Person.is_active.is_(True),
        Person.user_id != manager_id)


def _clamp(page: int, size: int, total: int) -> int:
    """The first position shown of page `page` (the last page when past the end), as bot.blocks.home does."""
    if page * size >= total:
        page = max(0, (total - 1) // size)
    return page * size


def leader_page(session: Session, team_id: str, manager_id: str, quarter: str, now: datetime, *, tree: bool,
                pages: dict[str, int] | None = None) -> LeaderView | None:
    """The leader view of `manager_id` at the given list pages, or None when they manage nobody."""
    return _Query(session, team_id, manager_id, quarter, now, tree).view(pages or {})


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
        reports = aliased(Person)
        return exists(select(reports.user_id).where(reports.team_id == self.team_id, reports.manager_id == user_id,
                                                    reports.is_active.is_(True)))

    def view(self, pages: dict[str, int]) -> LeaderView | None:
        m = self.members
        count, has_sub = self.session.execute(select(
            select(func.count()).select_from(m).scalar_subquery(),
            select(m.c.user_id).where(self.manages(m.c.user_id)).exists())).one()
        if not count:
            return None
        people, totals = self._people(_clamp(pages.get("people", 0), PEOPLE_PAGE, count), count)
        offset = _clamp(pages.get("obstacles", 0), OBSTACLES_PAGE, totals[2])
        return LeaderView(
            tree=self.tree, has_sub_managers=bool(has_sub), people=people,
            obstacles=self._obstacles(offset, totals[2]), overdue=self._overdue(),
            requests=self._requests(), stale_feedback=self._stale_feedback(), no_kudos=self._no_kudos(),
            counts=totals)

    def _key_results(self) -> Select[Any]:
        return (select(Objective.owner_id.label("owner_id"), status_sql(self.quarter, self.now).label("status"))
                .join(KeyResult, KeyResult.objective_id == Objective.id)
                .where(Objective.team_id == self.team_id, Objective.quarter == self.quarter,
                       Objective.owner_id.in_(select(self.members.c.user_id))))

    def _people(self, offset: int, total: int) -> tuple[Page[PersonStatus], tuple[int, int, int]]:
        m = self.members
        krs = self._key_results().cte("krs")
        counts = select(krs.c.owner_id, *(func.sum(case((krs.c.status == s, 1), else_=0)).label(s) for s in STATUSES)) \
            .group_by(krs.c.owner_id).cte("counts")
        name = func.coalesce(func.nullif(Person.name, ""), Person.user_id)
        per = (select(Person.user_id, name.label("name"), Person.manager_id, m.c.depth,
                      *(func.coalesce(counts.c[s], 0).label(s) for s in STATUSES))
               .select_from(m).join(Person, and_(Person.team_id == self.team_id, Person.user_id == m.c.user_id))
               .outerjoin(counts, counts.c.owner_id == m.c.user_id).cte("per"))
        order = (per.c.off_track.desc(), per.c.depth, self.text(func.lower(per.c.name)), self.text(per.c.user_id))
        page = (select(per, func.row_number().over(order_by=order).label("rn"),
                       *(func.sum(per.c[s]).over().label(f"all_{s}") for s in STATUSES))
                .order_by(*order).limit(PEOPLE_PAGE).offset(offset).subquery("page"))
        rows = self.session.execute(select(page, self.manages(page.c.user_id).label("manages"))
                                    .order_by(page.c.rn)).all()
        totals = (int(rows[0].all_ahead), int(rows[0].all_on_track), int(rows[0].all_off_track)) if rows \
            else (0, 0, 0)
        people = Page((PersonStatus(user_id=r.user_id, name=r.name, manager_id=r.manager_id, depth=r.depth,
                                    is_manager=bool(r.manages), ahead=int(r.ahead), on_track=int(r.on_track),
                                    off_track=int(r.off_track)) for r in rows), total, offset)
        return people, totals

    def _obstacles(self, offset: int, total: int) -> Page[Obstacle]:
        latest_at = select(func.max(CheckIn.created_at)).where(
            CheckIn.key_result_id == KeyResult.id, CheckIn.team_id == self.team_id, CheckIn.obstacles != "") \
            .scalar_subquery()
        since = func.coalesce(latest_at, KeyResult.updated_at, type_=KeyResult.updated_at.type).label("since")
        off = (select(KeyResult.id, Objective.owner_id, Objective.id.label("objective_id"),
                      Objective.title.label("objective_title"), KeyResult.title, KeyResult.start_value,
                      KeyResult.target_value, KeyResult.current_value, since)
               .join(KeyResult, KeyResult.objective_id == Objective.id)
               .where(Objective.team_id == self.team_id, Objective.quarter == self.quarter,
                      Objective.owner_id.in_(select(self.members.c.user_id)),
                      status_sql(self.quarter, self.now) == "off_track")
               .order_by(since, KeyResult.id).limit(OBSTACLES_PAGE).offset(offset).subquery("off"))
        text = select(CheckIn.obstacles).where(CheckIn.key_result_id == off.c.id, CheckIn.team_id == self.team_id,
                                               CheckIn.obstacles != "") \
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1).scalar_subquery()
        rows = self.session.execute(select(off, text.label("text")).order_by(off.c.since, off.c.id)).all()
        return Page((Obstacle(owner_id=r.owner_id, objective_id=r.objective_id, objective_title=r.objective_title,
                              key_result_id=r.id, key_result_title=r.title,
                              progress=progress(r.start_value, r.target_value, r.current_value), obstacle=r.text or "",
                              since=r.since) for r in rows), total, offset)

    def _overdue(self) -> Page[OverdueOneOnOne]:
        m = self.members
        held = func.max(func.coalesce(OneOnOne.done_at, OneOnOne.agreed_at, type_=OneOnOne.done_at.type))
        last_at = select(held).where(
            OneOnOne.team_id == self.team_id, OneOnOne.requester_id == m.c.user_id,
            OneOnOne.manager_id == func.coalesce(Person.manager_id, ""), OneOnOne.state.in_(("accepted", "done"))) \
            .scalar_subquery()
        last = (select(m.c.user_id, Person.manager_id, last_at.label("last_at"))
                .select_from(m).join(Person, and_(Person.team_id == self.team_id, Person.user_id == m.c.user_id))
                .subquery("last"))
        order = (last.c.last_at.is_not(None), last.c.last_at, self.text(last.c.user_id))
        mine = func.coalesce(last.c.manager_id, "") == self.manager_id
        ranked = (select(last, func.row_number().over(order_by=order).label("rn"),
                         func.row_number().over(partition_by=mine, order_by=order).label("rank_mine"),
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


# --------------------------------------------------------------------------- the same answer, computed in Python


def cut(view: LeaderView | None, manager_id: str, pages: dict[str, int] | None = None) -> LeaderView | None:
    """A whole-list LeaderView (`leader.leader_view`, computed in Python) cut to the page `leader_page` returns."""
    if view is None:
        return None
    pages = pages or {}

    def window(items: tuple[Any, ...], name: str, size: int) -> Page[Any]:
        offset = _clamp(pages.get(name, 0), size, len(items))
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
