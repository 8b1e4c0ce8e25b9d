"""`okrbot workspaces`: the workspaces okrbot knows; `okrbot workspaces purge TEAM` deletes an uninstalled one."""

from __future__ import annotations

import sys

import click

from bot.commands.common import friendly
from bot.settings import load_settings


def register(cli: click.Group) -> None:
    """Add `okrbot workspaces [purge TEAM]`."""

    @cli.group("workspaces", invoke_without_command=True)
    @click.pass_context
    @friendly
    def workspaces(ctx: click.Context) -> None:
        """List the workspaces okrbot knows: installed first, then uninstalled ones (whose data is kept)."""
        if ctx.invoked_subcommand is not None:
            return
        from bot.runtime import build_runtime

        runtime = build_runtime(load_settings())
        try:
            rows = runtime.services.workspaces.listing()
        finally:
            runtime.close()
        if not rows:
            click.echo("no workspaces yet")
            return
        for row in rows:
            state = (f"uninstalled {row.uninstalled_at:%Y-%m-%d %H:%M}Z" if row.uninstalled_at
                     else f"installed {row.installed_at:%Y-%m-%d %H:%M}Z")
            click.echo(f"{row.team_id:12} {state:28} {row.people:5} people  {row.name}")

    @workspaces.command("purge")
    @click.argument("team")
    @click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @friendly
    def purge(team: str, dry_run: bool, yes: bool) -> None:
        """Delete every row of an uninstalled workspace (people, OKRs, 1-on-1s, kudos, feedback, outbox, tokens)."""
        from bot.runtime import build_runtime
        from bot.services import UserFacingError

        runtime = build_runtime(load_settings())
        try:
            service = runtime.services.workspaces
            try:
                counts = service.purge(team, dry_run=True)
            except UserFacingError as error:
                click.echo(f"okrbot: {error.message}", err=True)
                sys.exit(1)
            total = sum(counts.values())
            click.echo(f"workspace {team}: {total} rows" + "".join(f"\n  {n:6} {t}" for t, n in sorted(counts.items())))
            if dry_run:
                click.echo("dry run: nothing was deleted")
                return
            if not yes and not click.confirm(f"Delete these {total} rows of {team} for good?", default=False):
                click.echo("nothing was deleted")
                sys.exit(1)
            deleted = service.purge(team, dry_run=False)
            click.echo(f"deleted {sum(deleted.values())} rows of workspace {team}")
        finally:
            runtime.close()
