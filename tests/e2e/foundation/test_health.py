"""/healthz when the database is unreachable or outdated."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import LocalServer, create_wsgi_app


def health(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def serve(database_url: str) -> tuple[LocalServer, object]:
    settings = Settings(_env_file=None, DATABASE_URL=database_url, SLACK_SIGNING_SECRET="s",  # type: ignore[call-arg]
                        SLACK_BOT_TOKEN="xoxb-1", SLACK_API_URL="http://127.0.0.1:9/api/")
    runtime = build_runtime(settings, migrate="skip")
    runtime.sender_options["token_verification"] = False
    return LocalServer(create_wsgi_app(runtime)).start(), runtime


def test_unreachable_database_answers_503() -> None:
    """With no database behind DATABASE_URL, /healthz says so with 503 (a load balancer takes it out)."""
    server, runtime = serve("postgresql+psycopg://postgres@127.0.0.1:9/nothing?connect_timeout=1")
    try:
        status, body = health(server.url)
    finally:
        server.stop()
        runtime.close()
    assert status == 503 and body["database"] == "unreachable"


def test_outdated_schema_answers_503(tmp_path: Path) -> None:
    """A database that was never migrated is reported as outdated."""
    server, runtime = serve(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        status, body = health(server.url)
    finally:
        server.stop()
        runtime.close()
    assert status == 503 and body["status"] == "outdated"
