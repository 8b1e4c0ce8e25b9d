"""The clock process: named APScheduler jobs, each calling one service method."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot import metrics
from bot.runtime import Runtime

log = logging.getLogger("okrbot.scheduler")


@dataclass(frozen=True)
class Job:
    """A named, listable job: `run(runtime)` every `minutes`."""

    name: str
    minutes: float
    run: Callable[[Runtime], Any]


def prune_inbox(runtime: Runtime) -> int:
    """Delete done inbox rows older than a day (Slack retries within minutes); failed rows stay for the CLI."""
    return runtime.inbox.prune()


def counted_nudges(report: Any) -> Any:
    """Count a nudge scan's DMs queued and pairs skipped (per reason) in /metrics; returns the report."""
    metrics.nudge_run(report.total, dict(report.outcome_counts))  # counted: a big scan keeps only the first items
    return report


JOBS: list[Job] = [
    Job("prune-inbox", 60, prune_inbox),
    Job("one-on-one-request-reminders", 60, lambda runtime: runtime.services.one_on_ones.reminders.send_reminders()),
    Job("feedback-request-reminders", 30, lambda runtime: runtime.services.feedback.send_reminders()),
    Job("nudge-scan", 5, lambda runtime: counted_nudges(runtime.services.nudges.scan())),
    Job("one-on-one-meeting-reminders", 10,
        lambda runtime: runtime.services.one_on_ones.reminders.send_meeting_reminders()),
    Job("one-on-one-follow-ups", 10, lambda runtime: runtime.services.one_on_ones.reminders.send_followups()),
    Job("review-prompts", 5, lambda runtime: runtime.services.review.scan()),  # the quarter review (issue 17)
    Job("private-note-retention", 24 * 60, lambda runtime: runtime.services.privacy.purge_old_private_notes()),
    Job("purge-llm-exchanges", 60, lambda runtime: runtime.services.llm.purge_exchanges()),
    Job("purge-oauth-states", 60, lambda runtime: runtime.services.workspaces.purge_expired_oauth_states()),
]
# The jobs that depend on the time of day: `okrbot tick --at` runs each once, as of that moment.
TIME_BASED = ("nudge-scan", "one-on-one-request-reminders", "one-on-one-meeting-reminders", "one-on-one-follow-ups",
              "feedback-request-reminders", "review-prompts")


def tick(runtime: Runtime) -> list[tuple[str, Any]]:
    """Run every time-based job once, in order, with the runtime's clock; (name, result) of each."""
    by_name = {job.name: job for job in JOBS}
    return [(name, by_name[name].run(runtime)) for name in TIME_BASED if name in by_name]


def build_scheduler(runtime: Runtime, *, blocking: bool = True) -> BlockingScheduler | BackgroundScheduler:
    """A scheduler with every job of JOBS (coalesced, one instance at a time)."""
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone="UTC")
    for job in JOBS:
        scheduler.add_job(_logged(job, runtime), "interval", minutes=job.minutes, id=job.name, name=job.name,
                          coalesce=True, max_instances=1, next_run_time=runtime.services.ctx.clock())
    return scheduler


def _logged(job: Job, runtime: Runtime) -> Callable[[], None]:
    def run() -> None:
        try:
            result = job.run(runtime)
            log.info("job %s done: %s", job.name, result)
            metrics.job_run(job.name, ok=True)
        except Exception:  # a failing job must not stop the clock; the error is logged with its traceback
            log.exception("job %s failed", job.name)
            metrics.job_run(job.name, ok=False)

    return run
