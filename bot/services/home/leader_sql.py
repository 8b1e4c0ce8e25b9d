"""The leader view computed in the database: counts aggregated and lists paged in SQL (issue 15).

`leader_page` returns the same LeaderView as `bot.services.home.leader.leader_view`, cut to what one Home page
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

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from bot.services.home.leader import (
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
from bot.services.okrs.status import AHEAD_MARGIN, BEHIND_MARGIN, STATUSES, _grace, elapsed_share, progress
from storage.models import CheckIn, KeyResult, Objective, Person, ReportingLine
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne

# What one Home page shows of each list (bot.blocks.home lays them out).
PEOPLE_PAGE = 30
OBSTACLES_PAGE = 6
ITEMS_IN_A_LIST = 8
NAMES_IN_A_LINE = 15
SCHEDULE_BUTTONS = 3
NO_TEXT = literal_column("''")  # written out, so the partial index ix_check_ins_obstacle applies


def status_sql(quarter: str, now: datetime, labels: dict[str, Any] | None = None) -> ColumnElement[Any]:
    """`effective_status` of KeyResult rows as a SQL expression (same rule, same floating-point numbers); with
    `labels`, each status is given as that value instead of its name.

    Progress p is clamped to 0..1 and compared with thresholds known before the query, so each `p >= x`
    is decided here when x is outside 0..1 and is `raw >= x` otherwise (clamping only picks 0 or 1): the
    SQL compares the unclamped share, computed as Python computes it.
    """
    k = KeyResult
    label = labels or {s: s for s in STATUSES}
    explicit = k.status if labels is None else case(*((k.status == s, labels[s]) for s in STATUSES[:-1]),
                                                     else_=labels[STATUSES[-1]])
    raw = case((k.target_value == k.start_value, case((k.current_value == k.target_value, literal(1.0, Float)),
                                                      else_=literal(0.0, Float))),
               else_=(k.current_value - k.start_value) / (k.target_value - k.start_value))
    t = elapsed_share(quarter, now)
    rules: list[tuple[Any, Any]] = [(k.status.in_(STATUSES), explicit),
                                    (and_(k.current_value == k.start_value, k.updated_at > now - _grace["period"]),
                                     label["on_track"])]
    if t < 1.0:
        rules.append((raw >= literal(1.0, Float), label["ahead"]))
    otherwise = label["off_track"]
    for threshold, status in ((t + AHEAD_MARGIN, "ahead"), (t - BEHIND_MARGIN, "on_track")):
        if threshold <= 0.0:  # p >= threshold whatever the progress
            otherwise = label[status]
            break
        if threshold <= 1.0:  # above 1 no progress reaches it: no rule
            rules.append((raw >= literal(threshold, Float), label[status]))
    return case(*rules, else_=otherwise)


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
        """Someone active reports to `user_id`: a line one level below them in the closure table."""
        return exists(select(ReportingLine.descendant_id).where(
            ReportingLine.team_id == self.team_id, ReportingLine.ancestor_id == user_id, ReportingLine.depth == 1))

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
        weights = {s: literal(w, BigInteger) for s, w in WEIGHTS.items()}
        weight = status_sql(self.quarter, self.now, weights)
        # Sum per owner first (one pass over the team's key results, grouped by one column), then the people.
        counts = (select(Objective.owner_id, cast(func.sum(weight), BigInteger).label("w"))
                  .join(KeyResult, KeyResult.objective_id == Objective.id)
                  .where(Objective.team_id == self.team_id, Objective.quarter == self.quarter,
                         Objective.owner_id.in_(select(m.c.user_id)))
                  .group_by(Objective.owner_id).cte("counts").prefix_with("MATERIALIZED"))  # computed once
        name = func.coalesce(func.nullif(Person.name, ""), Person.user_id)
        per = (select(m.c.user_id, name.label("name"), Person.manager_id, m.c.depth,
                      func.coalesce(counts.c.w, literal(0, BigInteger)).label("w"))
               .select_from(m)
               .join(Person, and_(Person.team_id == self.team_id, Person.user_id == m.c.user_id))
               .outerjoin(counts, counts.c.owner_id == m.c.user_id).subquery("per"))
        shift = literal(SHIFT, BigInteger)
        counts = {"ahead": per.c.w % shift, "on_track": (per.c.w // shift) % shift,
                  "off_track": per.c.w // (shift * shift)}
        order = (counts["off_track"].desc(), per.c.depth, self.text(func.lower(per.c.name)), self.text(per.c.user_id))
        page = (select(per, func.row_number().over(order_by=order).label("rn"),
                       *(func.sum(c).over().label(f"all_{s}") for s, c in counts.items()))
                .order_by(*order).limit(PEOPLE_PAGE).offset(offset).subquery("page"))
        rows = self.session.execute(select(page, self.manages(page.c.user_id).label("manages"))
                                    .order_by(page.c.rn)).all()
        totals = (int(rows[0].all_ahead), int(rows[0].all_on_track), int(rows[0].all_off_track)) if rows \
            else (0, 0, 0)
        people = Page((PersonStatus(user_id=r.user_id, name=r.name, manager_id=r.manager_id, depth=r.depth,
                                    is_manager=bool(r.manages), ahead=int(r.w) % SHIFT,
                                    on_track=int(r.w) // SHIFT % SHIFT, off_track=int(r.w) // (SHIFT * SHIFT))
                       for r in rows), total, offset)
        return people, totals

    def _obstacles(self, offset: int, total: int) -> Page[Obstacle]:
        m = self.members
        latest_at = select(func.max(CheckIn.created_at)).where(
            CheckIn.key_result_id == KeyResult.id, CheckIn.obstacles != NO_TEXT).scalar_subquery()  # index only
        since = func.coalesce(latest_at, KeyResult.updated_at, type_=KeyResult.updated_at.type).label("since")
        # The page's ids first, from indexes only (key_results' covering index, the partial index of obstacles) …
        ids = (select(KeyResult.id, since)
               .select_from(m)
               .join(Objective, and_(Objective.team_id == self.team_id, Objective.owner_id == m.c.user_id,
                                     Objective.quarter == self.quarter))
               .join(KeyResult, KeyResult.objective_id == Objective.id)
               .where(status_sql(self.quarter, self.now) == "off_track")
               .order_by(since, KeyResult.id).limit(OBSTACLES_PAGE).offset(offset).subquery("off"))
        # … then their titles and latest obstacle.
        text = select(CheckIn.obstacles).where(CheckIn.key_result_id == ids.c.id, CheckIn.team_id == self.team_id,
                                               CheckIn.obstacles != NO_TEXT) \
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(1).scalar_subquery()
        rows = self.session.execute(
            select(ids.c.id, ids.c.since, Objective.owner_id, Objective.id.label("objective_id"),
                   Objective.title.label("objective_title"), KeyResult.title, KeyResult.start_value,
                   KeyResult.target_value, KeyResult.current_value, text.label("text"))
            .select_from(ids).join(KeyResult, KeyResult.id == ids.c.id)
            .join(Objective, Objective.id == KeyResult.objective_id)
            .order_by(ids.c.since, ids.c.id)).all()
        return Page((Obstacle(owner_id=r.owner_id, objective_id=r.objective_id, objective_title=r.objective_title,
                              key_result_id=r.id, key_result_title=r.title,
                              progress=progress(r.start_value, r.target_value, r.current_value), obstacle=r.text or "",
                              since=r.since) for r in rows), total, offset)

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
