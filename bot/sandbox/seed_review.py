"""The sandbox's finished quarter (issue 17): last quarter's OKRs to review, and the jump to the review prompt.

Ravi missed his activation objective (blocked on analytics for weeks), Lena met hers, Tom partly met his
(Android review delays). "Jump to the quarter review" runs okrbot's own prompt scan as if each person's review
window of that quarter had just opened at their local nudge hour, so each of them gets "Review your quarter".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.clock import utcnow
from bot.runtime import Runtime
from bot.services.nudges.cadence import Cadence
from bot.services.okrs.status import quarter_bounds
from bot.services.review.prompts import PromptScan
from bot.services.review.window import previous_quarter, window_of
from storage.models import CheckIn, KeyResult, Objective

TEAM_ID = "T0DEMO"
REVIEWERS = ("URAVI", "ULENA", "UTOM")


def finished_quarter_of(quarter: str) -> str:
    """The quarter before the demo's current one."""
    return previous_quarter(quarter)


def seed_finished_quarter(session: Any, quarter: str) -> None:
    """Last quarter's objectives of Maria's reports, with check-ins and obstacles spread over the quarter."""
    finished = previous_quarter(quarter)
    start, _ = quarter_bounds(finished)
    began = datetime(start.year, start.month, start.day, 9, tzinfo=UTC)

    def day(n: int) -> datetime:
        return began + timedelta(days=n)

    def objective(owner: str, title: str, tag: str) -> Objective:
        row = Objective(team_id=TEAM_ID, owner_id=owner, quarter=finished, title=title, tag=tag,
                        created_at=day(1), updated_at=day(85))
        session.add(row)
        session.flush()
        return row

    def key_result(obj: Objective, position: int, title: str, start_value: float, target: float, values: list[
            tuple[int, float, str]], unit: str = "") -> None:
        kr = KeyResult(team_id=TEAM_ID, objective_id=obj.id, position=position, title=title, start_value=start_value,
                       target_value=target, current_value=values[-1][1] if values else start_value, unit=unit,
                       status=None, updated_at=day(values[-1][0] if values else 1))
        session.add(kr)
        session.flush()
        for when, value, obstacle in values:
            session.add(CheckIn(team_id=TEAM_ID, key_result_id=kr.id, author_id=obj.owner_id, value=value,
                                status=None, obstacles=obstacle, next_steps="", created_at=day(when)))

    analytics = "Waiting on the analytics events from the data team"
    ravi = objective("URAVI", "Launch self-serve onboarding", "onboarding")
    key_result(ravi, 0, "Week-1 activation from 25% to 35%", 25, 35,
               [(14, 26, ""), (35, 27, analytics), (56, 28, analytics), (77, 29, "")], "%")
    key_result(ravi, 1, "Onboarding checklist used by 60% of new teams", 0, 60,
               [(30, 15, ""), (70, 35, "Design capacity went to the mobile launch")], "%")
    lena = objective("ULENA", "Move billing to the new payment provider", "billing")
    key_result(lena, 0, "Customers migrated", 0, 100, [(20, 30, ""), (50, 80, ""), (80, 100, "")], "%")
    key_result(lena, 1, "Payment incidents per month", 6, 1, [(40, 3, ""), (80, 1, "")])
    tom = objective("UTOM", "Beta of the mobile app", "mobile")
    key_result(tom, 0, "Beta testers", 0, 200, [(25, 60, ""), (60, 120, "Android review takes about a week"),
                                                (84, 140, "")])
    key_result(tom, 1, "Crash-free sessions", 95, 99, [(50, 97, analytics.lower()), (84, 98, "")], "%")


def run_review_prompt(runtime: Runtime, quarter: str) -> str:
    """Run the review-prompt scan as if each reviewer's window of the finished quarter had just opened."""
    cadence = Cadence.of(runtime.settings)
    finished = previous_quarter(quarter)
    from bot.sandbox.seed import BY_ID

    moments = sorted({window_of(finished, cadence.zone(BY_ID[u].tz), cadence.hour).opens_at for u in REVIEWERS})
    sent: list[str] = []
    for moment in moments:
        started = utcnow()
        ctx = replace(runtime.services.ctx,
                      clock=lambda moment=moment, started=started: moment + timedelta(minutes=1) + (utcnow() - started))
        sent += [BY_ID[user].first_name for _, user, _ in PromptScan(ctx).run().sent]
    if not sent:
        return (f"Nothing new to send: the {finished} review prompts already went out (once per person). "
                "`okrbot sandbox --reset` starts the demo afresh.")
    names = sorted(sent)
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return (f"It's quarter-review time for {finished}: {who} got “Review your quarter”. Switch to Ravi and open it; "
            f"then ask Maria for the review 1-on-1. Maria's Home shows the look back at {finished}.")
