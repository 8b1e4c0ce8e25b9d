"""`okrbot nudge [--at ISO-DATETIME] [--dry-run]`: run one mid-month nudge scan, now or as if it were --at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from bot.commands.common import friendly
from bot.settings import load_settings


def parse_at(value: str | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601 ('2026-12-15T10:00' is UTC; an offset or Z is honoured)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date-time; try 2026-12-15T10:00 (UTC) or "
                                 "2026-12-15T10:00+01:00", param_hint="--at") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def shifted_clock(at: datetime | None) -> Any:
    """The real clock, or one that starts at `at` and runs on (so retries and backoff still move)."""
    from bot.clock import utcnow

    if at is None:
        return utcnow
    started = utcnow()
    return lambda: at + (utcnow() - started)


def describe(report: Any) -> list[str]:
    """The scan as lines: one per DM, then skipped and missed pairs, then totals."""
    lines = []
    for dm in report.messages:
        about = ", ".join(dm.about)
        lines.append(f"  {dm.team_id} {dm.channel:<12} {dm.kind:<8} {dm.key}  ({dm.blocks} blocks; about {about})")
        lines.append(f"      “{dm.text}”")
    if report.total > len(report.messages):
        lines.append(f"  … and {report.total - len(report.messages)} more DMs (counted, not listed)")
    for outcome in report.outcomes:
        detail = f" {outcome.detail}" if outcome.detail else ""
        lines.append(f"  {outcome.team_id} {outcome.manager_id}/{outcome.report_id} {outcome.period}: "
                     f"{outcome.outcome}{detail}")
    lines.append(f"{report}")
    return lines


def register(cli: click.Group) -> None:
    """Add `okrbot nudge`."""

    @cli.command("nudge")
    @click.option("--at", "at", default=None, metavar="ISO-DATETIME",
                  help="Scan as if it were this time, e.g. 2026-12-15T10:00 (UTC unless an offset is given).")
    @click.option("--dry-run", is_flag=True, help="Print who would get what; write nothing and send nothing.")
    @click.option("--no-deliver", is_flag=True,
                  help="Queue the DMs and return; the senders of `okrbot serve`/`scheduler` deliver them.")
    @click.option("--timeout", type=float, default=600.0, show_default=True,
                  help="Seconds to wait for delivery before leaving the rest to the running senders.")
    @friendly
    def nudge(at: str | None, dry_run: bool, no_deliver: bool, timeout: float) -> None:
        """Run one mid-month nudge scan (what `okrbot scheduler` does every 5 minutes).

        Exactly once: a pair already nudged this month is not nudged again, whatever you run.
        """
        from bot.runtime import build_runtime

        when = parse_at(at)
        settings = load_settings()
        if not dry_run:
            settings.require_bot_token()
        runtime = build_runtime(settings, clock=shifted_clock(when))
        try:
            as_of = (when or runtime.services.ctx.clock()).strftime("%Y-%m-%d %H:%M UTC")
            click.echo(f"Nudge scan as of {as_of}" + (" (dry run: nothing is written or sent)" if dry_run else ""))
            report = runtime.services.nudges.scan(dry_run=dry_run)
            for line in describe(report):
                click.echo(line)
            if dry_run or no_deliver or not report.total:
                return
            click.echo(f"Delivering {report.total} DMs (at most {settings.send_rate:g} per second)…")
            runtime.sender().drain(timeout)
            from bot.outbox_rows import due_counts

            counts = due_counts(runtime.sessions, runtime.services.ctx.clock())
            click.echo(f"outbox: {counts['sent']} sent, {counts['due'] + counts['later']} waiting, "
                       f"{counts['failed']} failed")
        finally:
            runtime.close()
