"""`okrbot outbox [--all] [--retry-failed]`: the deliveries waiting or failed, and why."""

from __future__ import annotations

import click

from bot.commands.common import friendly
from bot.settings import load_settings


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Also list delivered rows (newest 50).")
@click.option("--retry-failed", is_flag=True, help="Put failed rows back in the queue.")
@friendly
def outbox(show_all: bool, retry_failed: bool) -> None:
    """Show pending and failed deliveries (and why they failed)."""
    from sqlalchemy import select, update

    from bot.clock import utcnow
    from bot.runtime import build_runtime
    from storage.models_delivery import OutboundMessage

    runtime = build_runtime(load_settings())
    with runtime.sessions.begin() as session:
        if retry_failed:
            count = session.execute(update(OutboundMessage).where(OutboundMessage.status == "failed")
                                    .values(status="pending", attempts=0, next_attempt_at=utcnow())).rowcount
            click.echo(f"{count} failed rows queued again")
        counts = runtime.services.ctx.outbox.counts(session)
        click.echo("outbox: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "empty"))
        rows = runtime.services.ctx.outbox.problems(session)
        if show_all:
            rows += list(session.scalars(select(OutboundMessage).where(OutboundMessage.status == "sent")
                                         .order_by(OutboundMessage.id.desc()).limit(50)))
        for row in rows:
            detail = f" error: {row.last_error}" if row.last_error else ""
            click.echo(f"#{row.id} {row.status:7} {row.method} to {row.channel_key} key={row.dedupe_key} "
                       f"attempts={row.attempts} next={row.next_attempt_at:%Y-%m-%d %H:%M:%S}Z{detail}")


def register(cli: click.Group) -> None:
    """Add `okrbot outbox`."""
    cli.add_command(outbox)
