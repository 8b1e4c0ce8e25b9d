"""`okrbot export kudos|feedback|one-on-ones|okrs|tasks [--format csv|json] [--since DATE]`,
`okrbot export reviews --quarter 2026-Q4`."""

from __future__ import annotations

import csv
import io
import re
import sys
from datetime import date
from typing import Any

import click

from bot.commands.common import dumps, friendly
from bot.settings import load_settings

KINDS = ("kudos", "feedback", "one-on-ones", "okrs", "tasks", "reviews")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading quote (OWASP)."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def rows_for(services: Any, kind: str, since: date | None, include_private_text: bool,
             operator: str = "", quarter: str | None = None) -> list[dict[str, Any]]:
    """The export rows of one kind; each feature's service owns what it exports (and never private notes)."""
    if kind == "kudos":
        return services.kudos.export(since=since)
    if kind == "feedback":
        return services.feedback.export(since=since, include_private_text=include_private_text, operator=operator)
    if kind == "one-on-ones":
        return services.one_on_ones.exports.export(since=since)
    if kind == "tasks":
        return services.one_on_ones.exports.export_tasks(since=since)
    if kind == "reviews":  # the quarter review (issue 17): grades and outcomes, never the words
        return services.review.export(quarter=quarter or "")
    return services.okrs.export(since=since)


def os_user() -> str:
    """The name of the OS user running okrbot (the operator of an export, unless --operator says otherwise)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown operator"


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    """Rows as CSV (header from the first row's keys; formula-like text cells neutralised) or exact JSON."""
    if fmt == "json":
        return dumps(rows) + "\n"
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise(v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return out.getvalue()


def register(cli: click.Group) -> None:
    """Add `okrbot export`."""

    @cli.command("export")
    @click.argument("kind", type=click.Choice(KINDS))
    @click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
    @click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
    @click.option("--include-private-text", is_flag=True,
                  help="feedback only: include feedback texts (they are private to their recipients).")
    @click.option("--quarter", default=None, metavar="YYYY-QN", help="reviews only: the quarter, e.g. 2026-Q4.")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None)
    @click.option("--operator", default=None,
                  help="Who runs the export, for the reading log of --include-private-text (default: the OS user).")
    @friendly
    def export(kind: str, fmt: str, since: Any, include_private_text: bool, quarter: str | None,
               output: str | None, operator: str | None) -> None:
        """Export data for reviews (private 1-on-1 notes are never exported)."""
        from bot.runtime import build_runtime

        runtime = build_runtime(load_settings())
        if kind == "feedback" and not include_private_text:
            click.echo("Feedback texts are private to their recipients and are left out; "
                       "pass --include-private-text to include them.", err=True)
        if kind == "reviews" and not re.match(r"^\d{4}-Q[1-4]$", (quarter or "").strip().upper()):
            raise click.UsageError("okrbot export reviews needs --quarter, e.g. --quarter 2026-Q4.")
        rows = rows_for(runtime.services, kind, since.date() if since else None, include_private_text,
                        operator=operator or os_user(), quarter=quarter)
        text = render(rows, fmt)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            click.echo(f"{len(rows)} {kind} rows written to {output}", err=True)
        else:
            sys.stdout.write(text)
