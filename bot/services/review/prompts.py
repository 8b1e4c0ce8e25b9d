"""The "Review your quarter" DM: sent once per person and quarter, at their local nudge hour, in the window.

Each scan (every few minutes, and `okrbot tick --at`) reads the active people (not of uninstalled workspaces), works out
by each one's timezone which quarter (if any) is due (bot.services.review.window), keeps those with objectives
in it who are not away, makes their review row if needed, and *claims* the prompt with a conditional UPDATE
(prompted_at IS NULL → now, RETURNING id). The DM is written to the outbox in the same transaction under
`review:{quarter}:{user}:prompt`, so a second scan, a second scheduler or a retry finds nothing to claim and
the key is unique anyway: the DM exists once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import exists, select, update

from bot.blocks import review as review_blocks
from bot.services.core.context import ServiceContext
from bot.services.nudges.cadence import Cadence
from bot.services.review.window import prompt_due, window_of
from bot.views.review import PromptView
from storage.db import insert_ignore
from storage.models import Objective, Person, Workspace
from storage.models_review import QuarterReview


@dataclass(frozen=True)
class PromptReport:
    """What one scan did."""

    sent: tuple[tuple[str, str, str], ...]  # (team, user, quarter)
    due: int

    def __str__(self) -> str:
        return f"{len(self.sent)} review prompts queued ({self.due} people due)"


class PromptScan:
    """One scan (see the module docstring)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._cadence = Cadence.of(ctx.settings)

    def run(self) -> PromptReport:
        now = self._ctx.clock()
        sent: list[tuple[str, str, str]] = []
        due_count = 0
        with self._ctx.sessions() as session:
            people = session.execute(
                select(Person.team_id, Person.user_id, Person.tz, Person.tz_override, Person.away_until)
                .where(~exists().where(Workspace.team_id == Person.team_id, Workspace.uninstalled_at.is_not(None)),
                       Person.is_active.is_(True), Person.is_bot.is_(False))).all()
        due: dict[tuple[str, str], list[str]] = defaultdict(list)  # (team, quarter) -> users
        zones: dict[tuple[str, str], object] = {}
        for row in people:
            zone = self._cadence.zone(row.tz_override or row.tz)
            quarter = prompt_due(now, zone, self._cadence.hour)
            if quarter is None:
                continue
            if row.away_until is not None and row.away_until >= now.astimezone(zone).date():
                continue
            due[(row.team_id, quarter)].append(row.user_id)
            zones[(row.team_id, row.user_id)] = zone
        for (team_id, quarter), users in sorted(due.items()):
            with self._ctx.sessions.begin() as session:
                owners = set(session.scalars(select(Objective.owner_id).where(
                    Objective.team_id == team_id, Objective.quarter == quarter,
                    Objective.owner_id.in_(users)).distinct()))
                if not owners:
                    continue
                due_count += len(owners)
                insert_ignore(session, QuarterReview, [
                    {"team_id": team_id, "owner_id": u, "quarter": quarter, "state": "draft", "revision": 0,
                     "created_at": now, "updated_at": now} for u in sorted(owners)])
                claimed = list(session.scalars(
                    update(QuarterReview).where(QuarterReview.team_id == team_id, QuarterReview.quarter == quarter,
                                                QuarterReview.owner_id.in_(owners),
                                                QuarterReview.prompted_at.is_(None))
                    .values(prompted_at=now).returning(QuarterReview.owner_id)
                    .execution_options(synchronize_session=False)))
                if not claimed:
                    continue
                titles: dict[str, list[str]] = defaultdict(list)
                for owner, title in session.execute(select(Objective.owner_id, Objective.title).where(
                        Objective.team_id == team_id, Objective.quarter == quarter,
                        Objective.owner_id.in_(claimed)).order_by(Objective.title)):
                    titles[owner].append(title)
                for owner in sorted(claimed):
                    window = window_of(quarter, zones[(team_id, owner)], self._cadence.hour)  # type: ignore[arg-type]
                    view = PromptView(quarter, tuple(titles[owner]), f"{window.last_day:%a %-d %b}")
                    self._ctx.outbox.add(session, team_id=team_id, key=f"review:{quarter}:{owner}:prompt",
                                         channel=owner, text=review_blocks.prompt_text(view),
                                         blocks=review_blocks.prompt_message(view))
                    sent.append((team_id, owner, quarter))
        return PromptReport(tuple(sent), due_count)
