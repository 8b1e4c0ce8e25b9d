"""Kudos reads: allowance used, leaderboards, kudos received, public post contents, objectives, exports.

Every query filters `team_id` (except exports, which span workspaces and carry it as a column).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.okrs.status import quarter_bounds, quarter_of
from bot.services.people.service import valid_tz
from bot.views.kudos import BoardRow, KudosPostView, KudosView, Leaderboard, ObjectiveChoice
from storage.models import Objective, Person
from storage.models_kudos import Kudos

MAX_CHOICES = 100
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def matches(values: dict[str, Any]) -> list[Any]:
    """WHERE clauses: each Kudos column named in `values` equals its value."""
    return [getattr(Kudos, name) == value for name, value in values.items()]


def period_bounds(period: str, now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The current month or quarter in `zone`, as aware UTC instants [start, end)."""
    today = now.astimezone(zone).date()
    if period == "quarter":
        first, after = quarter_bounds(quarter_of(today))
    else:
        first = today.replace(day=1)
        after = date(today.year + 1, 1, 1) if today.month == 12 else date(today.year, today.month + 1, 1)
    return (datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(after, time(0), tzinfo=zone).astimezone(UTC))


def month_label(day: date) -> str:
    """'November 2026'."""
    return f"{MONTHS[day.month - 1]} {day.year}"


class KudosQueries:
    """Read-side of kudos, shared by the kudos service's use-cases."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    @staticmethod
    def used_on(session: Session, team_id: str, giver_id: str, day: date) -> int:
        """Kudos `giver_id` gave on their local `day`."""
        return session.scalar(select(func.count()).select_from(Kudos).where(
            Kudos.team_id == team_id, Kudos.giver_id == giver_id, Kudos.giver_local_day == day)) or 0

    @staticmethod
    def count(session: Session, team_id: str, start: datetime, end: datetime, *, receiver_id: str | None = None,
              giver_id: str | None = None) -> int:
        """Kudos in [start, end), received by or given by one person."""
        stmt = select(func.count()).select_from(Kudos).where(Kudos.team_id == team_id, Kudos.created_at >= start,
                                                              Kudos.created_at < end)
        if receiver_id:
            stmt = stmt.where(Kudos.receiver_id == receiver_id)
        if giver_id:
            stmt = stmt.where(Kudos.giver_id == giver_id)
        return session.scalar(stmt) or 0

    def leaderboard(self, team_id: str, viewer_id: str, period: str, now: datetime, zone: ZoneInfo,
                    limit: int) -> Leaderboard:
        """Top receivers and givers of the period (ties by user id, so the order is stable)."""
        start, end = period_bounds(period, now, zone)
        local_start = start.astimezone(zone).date()
        label = quarter_of(local_start) if period == "quarter" else month_label(local_start)
        with self._ctx.sessions() as session:
            boards = []
            for column in (Kudos.receiver_id, Kudos.giver_id):
                count = func.count(Kudos.id).label("n")
                rows = session.execute(select(column, count).where(
                    Kudos.team_id == team_id, Kudos.created_at >= start, Kudos.created_at < end)
                    .group_by(column).order_by(count.desc(), column).limit(limit)).all()
                boards.append(tuple(BoardRow(user_id=user, count=n) for user, n in rows))
            mine_received = self.count(session, team_id, start, end, receiver_id=viewer_id)
            mine_given = self.count(session, team_id, start, end, giver_id=viewer_id)
        return Leaderboard(period=period, label=label, start=local_start, received=boards[0], given=boards[1],
                           viewer_id=viewer_id, viewer_received=mine_received, viewer_given=mine_given)

    def received(self, team_id: str, receiver_id: str, start: datetime, end: datetime,
                 limit: int) -> tuple[KudosView, ...]:
        """Kudos received in [start, end), newest first."""
        with self._ctx.sessions() as session:
            rows = session.execute(select(Kudos, Objective.title)
                                   .outerjoin(Objective, Objective.id == Kudos.objective_id)
                                   .where(Kudos.team_id == team_id, Kudos.receiver_id == receiver_id,
                                          Kudos.created_at >= start, Kudos.created_at < end)
                                   .order_by(Kudos.created_at.desc(), Kudos.id.desc()).limit(limit)).all()
            return tuple(_view(kudos, title) for kudos, title in rows)

    @staticmethod
    def view_of(session: Session, kudos: Kudos) -> KudosView:
        """The view of one stored kudos."""
        title = session.scalar(select(Objective.title).where(Objective.id == kudos.objective_id)) \
            if kudos.objective_id else None
        return _view(kudos, title)

    @staticmethod
    def post_view(session: Session, team_id: str, channel: str, ts: str) -> KudosPostView:
        """Everything the public post of one source shows."""
        rows = session.execute(select(Kudos, Objective.title).outerjoin(Objective, Objective.id == Kudos.objective_id)
                               .where(Kudos.team_id == team_id, Kudos.channel_id == channel, Kudos.message_ts == ts)
                               .order_by(Kudos.created_at, Kudos.id)).all()
        kudos = [k for k, _ in rows]
        notes = dict.fromkeys((k.giver_id, k.message) for k in kudos if k.message)
        return KudosPostView(
            receivers=tuple(dict.fromkeys(k.receiver_id for k in kudos)),
            givers=tuple(dict.fromkeys(k.giver_id for k in kudos)),
            notes=tuple(notes),
            reactions=tuple(dict.fromkeys(k.reaction for k in kudos if k.reaction)),
            permalink=next((k.permalink for k in kudos if k.permalink), None),
            objective_titles=tuple(dict.fromkeys(title for _, title in rows if title)),
            count=len(kudos),
        )

    def objective_choices(self, team_id: str, giver_id: str, first: Sequence[str]) -> tuple[ObjectiveChoice, ...]:
        """This quarter's objectives of the team for the form's picker: the receivers' and giver's first."""
        with self._ctx.sessions() as session:
            giver = session.get(Person, (team_id, giver_id))
            zone = ZoneInfo(valid_tz(giver.tz if giver else None, self._ctx.settings.default_timezone))
            quarter = quarter_of(self._ctx.clock().astimezone(zone).date())
            owner = aliased(Person)
            rows = session.execute(select(Objective.id, Objective.title, Objective.owner_id, owner.name)
                                   .outerjoin(owner, (owner.team_id == Objective.team_id)
                                              & (owner.user_id == Objective.owner_id))
                                   .where(Objective.team_id == team_id, Objective.quarter == quarter)
                                   .order_by(owner.name, Objective.title, Objective.id)).all()
        preferred = [*first, giver_id]
        rows.sort(key=lambda r: preferred.index(r.owner_id) if r.owner_id in preferred else len(preferred))
        return tuple(ObjectiveChoice(id=r.id, label=f"{r.title} · {r.name or r.owner_id}")
                     for r in rows[:MAX_CHOICES])

    @staticmethod
    def objective_by_tag(session: Session, team_id: str, tag: str, quarter: str,
                         owners: Sequence[str]) -> Objective:
        """The objective of `quarter` tagged `tag`: a receiver's or the giver's first, else the only one."""
        candidates = list(session.scalars(select(Objective).where(
            Objective.team_id == team_id, Objective.quarter == quarter, func.lower(Objective.tag) == tag.lower())
            .order_by(Objective.id)))
        for owner in owners:
            for objective in candidates:
                if objective.owner_id == owner:
                    return objective
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            raise UserFacingError(f"Several objectives are tagged #{tag}; type `/kudos` alone to pick one in the "
                                  "form.")
        known = sorted({t for t in session.scalars(select(Objective.tag).where(
            Objective.team_id == team_id, Objective.quarter == quarter, Objective.owner_id.in_(list(owners)),
            Objective.tag.is_not(None))) if t})
        hint = f" Tags of these people's objectives: {', '.join('#' + t for t in known)}." if known else ""
        raise UserFacingError(f"No objective of {quarter} has the tag #{tag}.{hint} Leave the tag out, or type "
                              "`/kudos` alone to pick the objective in the form.")

    def export(self, since: date | None) -> list[dict[str, Any]]:
        """Flat rows of every kudos since `since` (UTC date), oldest first."""
        giver, receiver = aliased(Person), aliased(Person)
        stmt = (select(Kudos, Objective.title, giver.name, receiver.name)
                .outerjoin(Objective, Objective.id == Kudos.objective_id)
                .outerjoin(giver, (giver.team_id == Kudos.team_id) & (giver.user_id == Kudos.giver_id))
                .outerjoin(receiver, (receiver.team_id == Kudos.team_id) & (receiver.user_id == Kudos.receiver_id))
                .order_by(Kudos.created_at, Kudos.id))
        if since is not None:
            stmt = stmt.where(Kudos.created_at >= datetime.combine(since, time(0), tzinfo=UTC))
        with self._ctx.sessions() as session:
            return [{
                "team_id": k.team_id, "id": k.id, "created_at": k.created_at, "giver_local_day": k.giver_local_day,
                "giver_id": k.giver_id, "giver_name": giver_name or "", "receiver_id": k.receiver_id,
                "receiver_name": receiver_name or "", "source": k.source, "reaction": k.reaction,
                "message": k.message, "permalink": k.permalink or "", "objective_id": k.objective_id,
                "objective": title or "", "channel_id": k.channel_id,
                "message_ts": k.message_ts if k.source != "command" else "",
            } for k, title, giver_name, receiver_name in session.execute(stmt).all()]


def _view(kudos: Kudos, objective_title: str | None) -> KudosView:
    return KudosView(id=kudos.id, giver_id=kudos.giver_id, receiver_id=kudos.receiver_id, message=kudos.message,
                     source=kudos.source, reaction=kudos.reaction, permalink=kudos.permalink,
                     objective_title=objective_title, created_at=kudos.created_at)
