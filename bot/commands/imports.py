"""`okrbot import people FILE.csv` and `okrbot import okrs FILE.csv`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.commands.common import friendly
from bot.settings import load_settings

MAX_PROBLEMS_SHOWN = 200


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo(f"okrbot: {path} is not UTF-8 text; save it as CSV UTF-8 and try again.", err=True)
        sys.exit(1)


def _team_id(runtime: Any, team: str | None) -> str:
    """--team, else the workspace of the bot token (auth.test)."""
    if team:
        return team
    if not runtime.settings.slack_bot_token:
        click.echo("okrbot: pass --team T… (the workspace to import into): there is no SLACK_BOT_TOKEN to ask "
                   "Slack which workspace it is.", err=True)
        sys.exit(2)
    try:
        return str(runtime.client_for("").auth_test()["team_id"])
    except SlackApiError as error:
        click.echo(f"okrbot: Slack refused the bot token ({error.response.get('error')}).", err=True)
        sys.exit(2)


def _run(kind: str, path: str, team: str | None, call: Callable[..., Any]) -> None:
    from bot.runtime import build_runtime
    from bot.services.imports.service import ImportFailed, ImportService

    text = _read(path)
    runtime = build_runtime(load_settings())
    try:
        team_id = _team_id(runtime, team)
        # Big files mean many users.lookupByEmail calls: wait out Slack's rate limit instead of failing.
        runtime.client_for(team_id).retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=10))
        service = ImportService(runtime.services.ctx, okrs=runtime.services.okrs)
        total = service.count_rows(text) * 2  # validating, then writing
        try:
            if sys.stdout.isatty() and total:
                with click.progressbar(length=total, label=f"Importing {kind}") as bar:
                    report = call(service, team_id, text, bar.update)
            else:
                report = call(service, team_id, text, None)
        except ImportFailed as failed:
            click.echo(f"{path}: {len(failed.problems)} problem(s); nothing was imported.", err=True)
            for problem in failed.problems[:MAX_PROBLEMS_SHOWN]:
                click.echo(f"  {problem}", err=True)
            if len(failed.problems) > MAX_PROBLEMS_SHOWN:
                click.echo(f"  …and {len(failed.problems) - MAX_PROBLEMS_SHOWN} more", err=True)
            sys.exit(1)
        except SlackApiError as error:
            click.echo(f"okrbot: Slack refused a lookup ({error.response.get('error')}); nothing was imported.",
                       err=True)
            sys.exit(1)
        click.echo(f"{path}: {report.summary()}" + (" (dry run: nothing was written)" if report.dry_run else ""))
    finally:
        runtime.close()


def register(cli: click.Group) -> None:
    """Add `okrbot import people|okrs`."""

    @cli.group("import")
    def import_group() -> None:
        """Import reporting lines or OKRs from a CSV file (validated whole; nothing is written on error)."""

    @import_group.command("people")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option("--team", default=None, help="Workspace id (default: the bot token's workspace).")
    @click.option("--dry-run", is_flag=True, help="Validate and count, write nothing.")
    @friendly
    def people(file: str, team: str | None, dry_run: bool) -> None:
        """People and their managers from `user,manager[,timezone]` (Slack ids or emails)."""
        _run("people", file, team, lambda service, team_id, text, progress: service.people(
            team_id=team_id, text=text, dry_run=dry_run, progress=progress))

    @import_group.command("okrs")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
    @click.option("--team", default=None, help="Workspace id (default: the bot token's workspace).")
    @click.option("--dry-run", is_flag=True, help="Validate and count, write nothing.")
    @click.option("--no-messages", is_flag=True, help="Do not post (or update) the objectives' Slack messages.")
    @friendly
    def okrs(file: str, team: str | None, dry_run: bool, no_messages: bool) -> None:
        """Objectives and key results from `owner,quarter,objective,key_result,start,target,current,unit,status`."""
        _run("OKRs", file, team, lambda service, team_id, text, progress: service.okrs(
            team_id=team_id, text=text, dry_run=dry_run, post_messages=not no_messages, progress=progress))
