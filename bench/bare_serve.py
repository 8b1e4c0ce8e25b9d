"""Serve the bare Bolt app (bench/bare_app.py) with okrbot's gunicorn setup: `python -m bench.bare_serve`.

Same `bot.cli.run_gunicorn` (bind, workers, threads, gthread worker class, timeout) as `okrbot serve`;
only the WSGI app differs, and no outbox sender runs.
"""

from __future__ import annotations

import click

from bench.bare_app import create_bare_wsgi
from bot.cli import run_gunicorn, setup_logging
from bot.settings import load_settings


@click.command()
@click.option("--workers", type=int, default=2, help="gunicorn worker processes")
@click.option("--threads", type=int, default=8, help="threads per worker")
@click.option("--bind", required=True, help="host:port")
def main(workers: int, threads: int, bind: str) -> None:
    """Serve the bare Bolt app the way `okrbot serve` serves okrbot."""
    setup_logging()
    settings = load_settings()
    settings.require_http()
    run_gunicorn(settings, bind=bind, workers=workers, threads=threads,
                 wsgi_factory=lambda _runtime: create_bare_wsgi(settings), sender=False)


if __name__ == "__main__":
    main()
