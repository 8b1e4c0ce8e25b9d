"""The `okrbot` command: the group, the process commands (migrate, serve, socket, scheduler, run) and the one list
of every other command module (bot/commands/), each imported plainly and added with its `register(cli)`."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import click

from bot.commands import (
    exports,
    imports,
    inbox,
    keys,
    llm,
    manifest,
    nudge,
    outbox,
    people,
    sandbox,
    tick,
    workspaces,
)
from bot.commands.common import friendly
from bot.settings import ConfigError, Settings, load_settings

NO_CREDENTIALS = (
    "okrbot has no Slack credentials. To connect a real workspace, create the app from manifest.yml "
    "(`okrbot manifest --url https://your-host` prints it) and set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
    "for HTTP mode (`okrbot serve`), or SLACK_APP_TOKEN and SLACK_BOT_TOKEN for Socket Mode (`okrbot socket`), "
    "in the environment or in .env. To try okrbot without a workspace, run `okrbot sandbox`."
)
# Every command outside this file. Adding one is a line here; a misspelt module fails loudly at start-up.
COMMAND_MODULES = (manifest, outbox, exports, imports, nudge, sandbox, keys, people, llm, inbox, workspaces, tick)


def setup_logging() -> None:
    """Logs on stderr as LOG_LEVEL and OKRBOT_LOG_FORMAT say (bot/logs.py): no token, secret, request body or
    private text in any line. Wrong settings: defaults here, and the command itself reports them in one line."""
    from bot.logs import configure_logging

    try:
        configure_logging(load_settings())
    except ConfigError:
        configure_logging(None)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="okrbot", prog_name="okrbot", message="%(prog)s %(version)s")
def cli() -> None:
    """okrbot: OKR 1-on-1s, check-ins, kudos and feedback in Slack."""
    setup_logging()


@cli.command()
@friendly
def migrate() -> None:
    """Bring the database at DATABASE_URL to the latest schema."""
    from storage.migrate import upgrade

    settings = load_settings()
    before, after = upgrade(settings.database_url)
    click.echo(f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@cli.command()
@click.option("--workers", type=int, default=None, help="gunicorn worker processes (default WEB_CONCURRENCY, 2)")
@click.option("--threads", type=int, default=8, help="threads per worker")
@click.option("--bind", default=None, help="host:port (default 0.0.0.0:$PORT)")
@friendly
def serve(workers: int | None, threads: int, bind: str | None) -> None:
    """Serve POST /slack/events, GET /healthz and /metrics with gunicorn (an inbox worker and outbox sender in
    each worker)."""
    from bot.preflight import check_bot_token, check_port

    settings = load_settings()
    settings.require_http()
    settings.require_secret_key()
    bind = bind or f"0.0.0.0:{settings.port}"
    check_port(bind)
    _check_schema(settings)
    check_bot_token(settings)
    from bot.metrics import prepare_multiprocess

    cleanup = prepare_multiprocess(settings.metrics_dir)  # every worker's figures in one place, per run
    try:
        run_gunicorn(settings, bind=bind, workers=workers or settings.web_concurrency, threads=threads)
    finally:
        cleanup()


def _check_schema(settings: Settings) -> None:
    from storage.db import make_engine
    from storage.migrate import ensure_current

    engine = make_engine(settings.database_url)
    try:
        ensure_current(engine, auto_migrate=settings.database_url == "sqlite:///okrbot.db", url=settings.database_url)
    finally:
        engine.dispose()


def run_gunicorn(settings: Settings, *, bind: str, workers: int, threads: int,
                 wsgi_factory: Callable[[Any], Any] | None = None, sender: bool = True) -> None:
    """Run okrbot's WSGI app in gunicorn; each worker builds its own runtime after the fork."""
    from gunicorn.app.base import BaseApplication

    from bot.logs import gunicorn_logger_class
    from bot.metrics import worker_exit
    from bot.runtime import build_runtime
    from bot.web import create_wsgi_app

    class OkrbotServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 30)
            self.cfg.set("accesslog", settings.access_log)
            self.cfg.set("logger_class", gunicorn_logger_class())
            self.cfg.set("child_exit", lambda _server, worker: worker_exit(worker.pid))

        def load(self) -> Any:
            runtime = build_runtime(settings, migrate="skip")
            if sender:
                import atexit

                runtime.start_workers()
                # A worker stopped by gunicorn (SIGTERM) finishes the inbox rows and deliveries it holds.
                atexit.register(runtime.close)
            return (wsgi_factory or create_wsgi_app)(runtime)

    OkrbotServer().run()


@cli.command()
@friendly
def socket() -> None:
    """Run the same app over Socket Mode (SLACK_APP_TOKEN), with an inbox worker and outbox sender; SIGTERM stops it."""
    import threading

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from bot.runtime import build_runtime
    from bot.socket_guard import GuardedSocketModeHandler as SocketModeHandler

    settings = load_settings()
    settings.require_socket()
    settings.require_secret_key()
    assert settings.slack_app_token is not None
    runtime = build_runtime(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    handler = None
    try:
        # Building the app checks SLACK_BOT_TOKEN (auth.test); connect() calls apps.connections.open, then
        # opens the WebSocket (slack_sdk reconnects by itself afterwards).
        handler = SocketModeHandler(runtime.app, settings.slack_app_token.get_secret_value())
        runtime.start_workers()
        handler.connect()
        stop.wait()
    except BoltError as error:
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN: {error}") from error
    except SlackApiError as error:
        raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')}): it must be the app-level "
                          "token (xapp-…) with connections:write, and Socket Mode must be on in the app's settings."
                          ) from error
    except OSError as error:
        raise ConfigError(f"cannot reach Slack at {settings.slack_api_url}: {error}") from error
    finally:
        if handler is not None:
            handler.close()  # waits for envelopes being handled; their replies finish before the process exits
        runtime.close()


@cli.command()
@friendly
def scheduler() -> None:
    """The clock process (run exactly one): nudges, reminders, housekeeping, plus an inbox worker and outbox sender."""
    from bot.runtime import build_runtime
    from bot.scheduler import build_scheduler

    settings = load_settings()
    settings.require_bot_token()
    settings.require_secret_key()
    runtime = build_runtime(settings)
    runtime.start_workers()
    # The jobs run on APScheduler's own threads; the signal only sets an event. (Shutting the scheduler down
    # inside the signal handler could deadlock on the executor's lock when SIGTERM came mid-submit.)
    clock = build_scheduler(runtime, blocking=False)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    clock.start()
    try:
        while not stop.wait(1):
            pass
    finally:
        clock.shutdown(wait=False)
        runtime.close()


@cli.command()
@friendly
def run() -> None:
    """What `make run` does: serve with Slack credentials, else start the local sandbox."""
    settings = load_settings()
    if settings.has_credentials:
        ctx = click.get_current_context()
        ctx.invoke(serve)
        return
    try:
        from bot.sandbox import server as sandbox_server
    except ImportError:
        click.echo(NO_CREDENTIALS, err=True)
        sys.exit(2)
    sandbox_server.main(reset=False)


for _module in COMMAND_MODULES:
    _module.register(cli)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `okrbot` console script."""
    cli.main(args=argv, prog_name="okrbot")
