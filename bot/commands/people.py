"""`okrbot people export|forget USER` (one person's data, out or erased: docs/privacy.md) and `okrbot people
check-tree` (the reporting-tree table checked against the managers people have, and repaired)."""

from __future__ import annotations

import sys

import click

from bot.commands.common import dumps, friendly
from bot.commands.exports import os_user
from bot.settings import load_settings


@click.command("check-tree")
@click.option("--repair", is_flag=True, help="Rebuild the reporting lines of every team where they differ.")
@click.option("--team", "team_id", default=None, metavar="TEAM_ID", help="Only this workspace.")
@friendly
def check_tree(repair: bool, team_id: str | None) -> None:
    """Compare the stored reporting tree (who is below whom) with the managers people have, per workspace.

    Exits 1 when a difference is found and not repaired. The tree is kept up to date on every manager
    change; a difference means someone wrote to the people table behind okrbot's back.
    """
    from storage import reporting
    from storage.db import make_engine, make_sessions
    from storage.migrate import ensure_current

    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        ensure_current(engine)
        sessions = make_sessions(engine)
        with sessions() as session:
            found = [team_id] if team_id else reporting.teams(session)
        drifted = 0
        for team in found:
            with sessions.begin() as session:
                drift = reporting.check(session, team, repair=repair)
            if drift.ok:
                click.echo(f"{team}: reporting tree OK")
                continue
            drifted += 1
            click.echo(f"{team}: {drift.missing} missing, {drift.extra} extra, {drift.wrong_depth} wrong depth"
                       + (" — repaired" if repair else " — run with --repair to rebuild"))
        if not found:
            click.echo("no people yet")
        if drifted and not repair:
            sys.exit(1)
    finally:
        engine.dispose()


def register(cli: click.Group) -> None:
    """Add `okrbot people` (export, forget, check-tree)."""
    group = cli.commands.get("people")
    if not isinstance(group, click.Group):

        @cli.group("people")
        def group() -> None:
            """The people okrbot knows: one person's data out or erased; the reporting tree checked."""

    group.add_command(check_tree)

    @group.command("export")
    @click.argument("who")
    @click.option("--team", default=None, help="Workspace id (T…), when the person is known in several.")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="Write the JSON here (default: standard output).")
    @click.option("--operator", default=None, help="Your name, for the person's reading log (default: the OS user).")
    @click.option("--dry-run", is_flag=True, help="Only say how many items of each kind would be exported.")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
    @friendly
    def export(who: str, team: str | None, output: str | None, operator: str | None, dry_run: bool,
               yes: bool) -> None:
        """Everything okrbot holds about WHO (Slack user id or email) as JSON, their private texts included.

        Give the file to that person only. The export is shown in their Home's reading log under your name.
        """
        runtime, services = _services()
        try:
            team_id, user_id = _resolve(services, who, team)
            if dry_run:
                data = services.person_data.export(team_id, user_id, operator="", dry_run=True)
                for key, value in data.items():
                    if isinstance(value, list):
                        click.echo(f"{key}: {len(value)}")
                return
            if not yes:
                click.confirm(f"Export everything okrbot holds about {user_id} ({team_id}), their private texts "
                              "included? It will show in their reading log", abort=True, err=True)
            data = services.person_data.export(team_id, user_id, operator=operator or os_user())
            text = dumps(data) + "\n"  # type: ignore[arg-type]
            if output:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(text)
                click.echo(f"everything about {user_id} written to {output}", err=True)
            else:
                sys.stdout.write(text)
        finally:
            runtime.close()

    @group.command("forget")
    @click.argument("who")
    @click.option("--team", default=None, help="Workspace id (T…), when the person is known in several.")
    @click.option("--dry-run", is_flag=True, help="Count what would be erased and anonymised; change nothing.")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
    @friendly
    def forget(who: str, team: str | None, dry_run: bool, yes: bool) -> None:
        """Erase WHO's private notes, the feedback they received, their summaries and reading log; keep the rows
        others depend on (kudos, shared notes, OKRs) with an anonymous id instead of theirs."""
        runtime, services = _services()
        try:
            team_id, user_id = _resolve(services, who, team)
            if not dry_run and not yes:
                click.confirm(f"Erase {user_id} ({team_id}) from okrbot? This cannot be undone", abort=True, err=True)
            erasure = services.person_data.forget(team_id, user_id, dry_run=dry_run)
            verb = "would be" if dry_run else "were"
            click.echo(f"{user_id} ({team_id}): {erasure.total} rows {verb} changed"
                       + ("" if dry_run else f"; they are {erasure.anonymous_id} in the rows kept"))
            for label, count in erasure.counts:
                click.echo(f"  {count:6d} {label}")
        finally:
            runtime.close()


def _services():  # noqa: ANN202
    from bot.runtime import build_runtime

    runtime = build_runtime(load_settings())
    return runtime, runtime.services


def _resolve(services, who: str, team: str | None) -> tuple[str, str]:  # noqa: ANN001
    from bot.services.core.errors import UserFacingError
    from bot.settings import ConfigError

    try:
        return services.person_data.resolve(who, team)
    except UserFacingError as error:
        raise ConfigError(error.message) from None
