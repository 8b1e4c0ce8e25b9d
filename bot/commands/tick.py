"""`okrbot tick [--at ISO-DATETIME]`: run every time-based job once, now or as if it were --at.

Nudges, 1-on-1 request reminders, meeting reminders and follow-ups, feedback reminders: the jobs
`okrbot scheduler` runs on its clock. Each is idempotent (outbox keys), so a tick never sends twice what
the scheduler (or an earlier tick) already sent: for operators catching up after downtime, and for tests.
"""

from __future__ import annotations

import click

from bot.commands.common import friendly
from bot.commands.nudge import parse_at, shifted_clock
from bot.settings import load_settings


def register(cli: click.Group) -> None:
    """Add `okrbot tick`."""

    @cli.command("tick")
    @click.option("--at", "at", default=None, metavar="ISO-DATETIME",
                  help="Run as if it were this time, e.g. 2026-12-15T10:00 (UTC unless an offset is given).")
    @click.option("--no-deliver", is_flag=True,
                  help="Queue the messages and return; the senders of `okrbot serve`/`scheduler` deliver them.")
    @click.option("--timeout", type=float, default=120.0, show_default=True,
                  help="Seconds to wait for delivery before leaving the rest to the running senders.")
    @friendly
    def tick(at: str | None, no_deliver: bool, timeout: float) -> None:
        """Run every time-based job once (what `okrbot scheduler` runs on its clock)."""
        from bot.runtime import build_runtime
        from bot.scheduler import tick as run_tick

        when = parse_at(at)
        settings = load_settings()
        settings.require_bot_token()
        runtime = build_runtime(settings, clock=shifted_clock(when))
        try:
            as_of = (when or runtime.services.ctx.clock()).strftime("%Y-%m-%d %H:%M UTC")
            click.echo(f"Tick as of {as_of}")
            for name, result in run_tick(runtime):
                click.echo(f"  {name}: {result}")
            if not no_deliver:
                runtime.sender().drain(timeout)
        finally:
            runtime.close()
