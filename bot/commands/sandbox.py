"""`okrbot sandbox`: the real okrbot against a local Slack you can click, no workspace needed."""

from __future__ import annotations

import click

from bot.commands.common import friendly


@click.command()
@click.option("--reset", is_flag=True, help="Forget the sandbox's data and seed the demo workspace afresh.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port of the page on 127.0.0.1  [default: $PORT, else 3000]")
@click.option("--db", "db_path", default="okrbot-sandbox.db", show_default=True, type=click.Path(dir_okay=False),
              help="SQLite file that keeps the sandbox's data between runs.")
@click.option("--llm-stub", is_flag=True,
              help="Also run a loopback language-model stand-in with canned answers, so the LLM features show.")
@friendly
def sandbox(reset: bool, port: int | None, db_path: str, llm_stub: bool) -> None:
    """Run okrbot with a demo workspace and a Slack-like page at http://127.0.0.1:3000/ (Ctrl-C stops it)."""
    from bot.sandbox.server import main

    main(reset=reset, port=port, db_path=db_path, llm_stub=llm_stub)


def register(cli: click.Group) -> None:
    """Add `okrbot sandbox` to the command group."""
    cli.add_command(sandbox)
