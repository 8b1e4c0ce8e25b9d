"""`okrbot inbox [--all] [--retry-failed]`: events acknowledged to Slack and not yet worked on, and failed ones."""

from __future__ import annotations

import click

from bot.commands.common import friendly
from bot.settings import load_settings


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "none pending"
    if seconds < 120:
        return f"oldest pending {seconds:.0f}s old"
    return f"oldest pending {seconds / 60:.0f} min old"


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Also list done rows (kept a day, without their payload).")
@click.option("--retry-failed", is_flag=True, help="Put failed rows back in the queue (attempts reset).")
@friendly
def inbox(show_all: bool, retry_failed: bool) -> None:
    """Show pending and failed inbox rows: the events Slack got a 200 for, and why some failed."""
    from bot.runtime import build_runtime

    runtime = build_runtime(load_settings())
    try:
        store = runtime.inbox
        if retry_failed:
            click.echo(f"{store.retry_failed()} failed rows queued again")
        counts = store.counts()
        click.echo(f"inbox: {counts['pending']} pending, {counts['failed']} failed, {counts['done']} done; "
                   f"{_age(counts['oldest_pending_seconds'])}")
        for row in store.problems(include_done=show_all):
            detail = f" error: {row.last_error}" if row.last_error else ""
            lease = f" leased by {row.owner} until {row.locked_until:%H:%M:%S}Z" if row.owner and row.locked_until \
                else ""
            click.echo(f"#{row.id} {row.status:7} {row.kind} team={row.team_id} event={row.event_key} "
                       f"attempts={row.attempts} received={row.received_at:%Y-%m-%d %H:%M:%S}Z{lease}{detail}")
    finally:
        runtime.close()


def register(cli: click.Group) -> None:
    """Add `okrbot inbox`."""
    cli.add_command(inbox)
