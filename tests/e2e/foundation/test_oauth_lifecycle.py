"""Many workspaces through Slack's OAuth flow: install, uninstall (tokens deleted), reinstall (new token used)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import cli
from bot.runtime import Runtime, build_runtime
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import app_home_opened_event
from bot.sandbox.slack.sender import SlackSender
from bot.settings import Settings
from bot.web import LocalServer, create_wsgi_app
from storage.models import Workspace
from storage.models_delivery import OutboundMessage
from tests.support.cli import invoke
from tests.support.reading import listeners_done
from tests.support.stack import SIGNING_SECRET, populate

TEAM_A, TEAM_B = "TALPHA", "TBETA"


@dataclass
class OAuthStack:
    """okrbot in OAuth mode (no SLACK_BOT_TOKEN) behind a real HTTP server, the loopback Slack behind it."""

    slack: FakeSlack
    runtime: Runtime
    server: LocalServer
    send: SlackSender

    def get(self, path: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
        request = urllib.request.Request(self.server.url + path, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback http
                return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()

    def install(self, team_id: str, name: str) -> None:
        """Add to Slack: the install page sets the state cookie, Slack redirects back with a code."""
        status, headers, _ = self.get("/slack/install")
        assert status == 200
        state = re.search(r"slack-app-oauth-state=([^;]+)", headers.get("set-cookie", "")).group(1)
        code = self.slack.new_install_code(team_id, name)
        status, _, body = self.get(f"/slack/oauth_redirect?code={code}&state={state}",
                                   cookie=f"slack-app-oauth-state={state}")
        assert status == 200, body

    def tokens(self, team_id: str) -> list[str]:
        """Bot tokens stored for the team (installation and bot rows)."""
        with self.runtime.engine.connect() as connection:
            return [row[0] for table in ("slack_installations", "slack_bots") for row in connection.execute(
                text(f"SELECT bot_token FROM {table} WHERE team_id = :t"), {"t": team_id}) if row[0]]  # noqa: S608

    def home_opened(self, team_id: str, user: str = "UMARIA") -> None:
        response = self.send.event(team_id, app_home_opened_event(user, channel="D" + user))
        assert response.status == 200


def start_oauth_stack(database_url: str) -> OAuthStack:
    fake = FakeSlack(team_id="TUNUSED", bot_token="xoxb-not-this-one").start()  # noqa: S106 - test token
    populate(fake)
    settings = Settings(_env_file=None, SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="oauth-secret",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.base_url,
                        DATABASE_URL=database_url)  # type: ignore[call-arg]
    runtime = build_runtime(settings, per_channel_interval=0.0, backoff=0.05, max_backoff=0.2, idle_poll=0.05)
    server = LocalServer(create_wsgi_app(runtime)).start()
    runtime.inbox_worker().start()  # events are stored, then worked on by the inbox worker (bot/inbox.py)
    return OAuthStack(fake, runtime, server, SlackSender(server.url + "/slack/events", SIGNING_SECRET))


@pytest.fixture
def oauth(db_url: str) -> Iterator[OAuthStack]:
    running = start_oauth_stack(db_url)
    try:
        yield running
    finally:
        running.server.stop()
        running.runtime.close()
        running.slack.stop()


def queue_dm(stack: OAuthStack, team_id: str, key: str) -> None:
    with stack.runtime.sessions.begin() as session:
        stack.runtime.services.ctx.outbox.add(session, team_id=team_id, key=key, channel="UMARIA", text="hello")


def test_uninstall_deletes_one_workspaces_tokens_and_reinstall_delivers_with_the_new_token(
        oauth: OAuthStack, db_url: str) -> None:
    """OAuth install of two teams -> events for both -> uninstall one: its tokens are gone, the other works ->
    reinstall: the workspace is active again and the outbox delivers with the new token, even from a worker
    that had cached the revoked one."""
    oauth.install(TEAM_A, "Alpha")
    oauth.install(TEAM_B, "Beta")
    assert oauth.tokens(TEAM_A) and oauth.tokens(TEAM_B)
    old_b = oauth.tokens(TEAM_B)[0]
    oauth.home_opened(TEAM_A)
    oauth.home_opened(TEAM_B)
    oauth.slack.wait_for("views.publish", count=2)
    assert {team for method, team in oauth.slack.token_teams if method == "views.publish"} == {TEAM_A, TEAM_B}

    # Another worker (a second process on the same database) warms its client for B with the old token.
    other = build_runtime(oauth.runtime.settings, migrate="skip", per_channel_interval=0.0, idle_poll=0.05)
    try:
        assert other.client_for(TEAM_B).token == old_b
        queue_dm(oauth, TEAM_B, "before-uninstall")
        oauth.runtime.sender().drain(10)

        # Uninstall from B: Slack revokes the token and sends tokens_revoked, then app_uninstalled.
        oauth.slack.revoke_team(TEAM_B)
        queue_dm(oauth, TEAM_B, "queued-when-uninstalled")
        assert oauth.send.event(TEAM_B, {"type": "tokens_revoked", "tokens": {"bot": ["UBOTTBETA"]}}).status == 200
        assert oauth.send.event(TEAM_B, {"type": "app_uninstalled"}).status == 200
        listeners_done(oauth)  # type: ignore[arg-type] - Bolt acks before its listener runs
        assert oauth.tokens(TEAM_B) == []
        assert oauth.tokens(TEAM_A), "the other workspace keeps its token"
        with oauth.runtime.sessions() as session:
            assert session.get(Workspace, TEAM_B).uninstalled_at is not None
            assert session.get(Workspace, TEAM_A).uninstalled_at is None
            stopped = session.query(OutboundMessage).filter_by(dedupe_key="queued-when-uninstalled").one()
            assert stopped.status == "failed"
        oauth.home_opened(TEAM_A)
        oauth.slack.wait_for("views.publish", count=3)

        # Reinstall B: no restart; the workspace is active again, and both workers use the new token.
        oauth.install(TEAM_B, "Beta")
        [new_b] = set(oauth.tokens(TEAM_B))
        assert new_b != old_b
        with oauth.runtime.sessions() as session:
            assert session.get(Workspace, TEAM_B).uninstalled_at is None
        oauth.slack.token_teams.clear()
        queue_dm(oauth, TEAM_B, "after-reinstall")
        other.sender().drain(10)  # the other worker's cached client still held the revoked token
        with oauth.runtime.sessions() as session:
            row = session.query(OutboundMessage).filter_by(dedupe_key="after-reinstall").one()
            assert (row.status, row.last_error) == ("sent", None)
        assert ("chat.postMessage", TEAM_B) in oauth.slack.token_teams
        assert other.client_for(TEAM_B).token == new_b
    finally:
        other.close()


def test_expired_oauth_states_are_purged(oauth: OAuthStack) -> None:
    """The housekeeping job deletes OAuth states of installs never finished once they expire, and keeps fresh ones."""
    oauth.get("/slack/install")
    oauth.get("/slack/install")
    with oauth.runtime.engine.begin() as connection:
        connection.execute(text("UPDATE slack_oauth_states SET expire_at = :t WHERE id = (SELECT MIN(id) FROM "
                                "slack_oauth_states)"), {"t": "2001-01-01 00:00:00"})
    assert oauth.runtime.services.workspaces.purge_expired_oauth_states() == 1
    with oauth.runtime.engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM slack_oauth_states")).scalar() == 1


def test_workspaces_lists_and_purge_deletes_only_an_uninstalled_workspace(oauth: OAuthStack) -> None:
    """`okrbot workspaces` lists both teams; purge refuses an installed one, counts on --dry-run, asks, then
    deletes every row of the uninstalled one (tokens included) and nothing of the other."""
    oauth.install(TEAM_A, "Alpha")
    oauth.install(TEAM_B, "Beta")
    for team in (TEAM_A, TEAM_B):
        oauth.runtime.services.people.set_manager(team, "URAVI", "UMARIA")
        queue_dm(oauth, team, f"hello-{team}")
    env = {"DATABASE_URL": oauth.runtime.settings.database_url, "LOG_LEVEL": "WARNING"}
    listed = invoke(env, "workspaces")
    assert listed.exit_code == 0 and TEAM_A in listed.output and TEAM_B in listed.output and "Beta" in listed.output

    refused = invoke(env, "workspaces", "purge", TEAM_B, "--yes")
    assert refused.exit_code == 1 and "is installed" in refused.output
    oauth.send.event(TEAM_B, {"type": "app_uninstalled"})
    listeners_done(oauth)  # type: ignore[arg-type]

    before_a = _count_rows(oauth, TEAM_A)
    dry = invoke(env, "workspaces", "purge", TEAM_B, "--dry-run")
    assert dry.exit_code == 0 and "dry run" in dry.output and "people" in dry.output
    assert _count_rows(oauth, TEAM_B) > 0
    declined = CliRunner().invoke(cli, ["workspaces", "purge", TEAM_B], env=env, input="n\n")
    assert declined.exit_code == 1 and _count_rows(oauth, TEAM_B) > 0
    done = CliRunner().invoke(cli, ["workspaces", "purge", TEAM_B], env=env, input="y\n")
    assert done.exit_code == 0, done.output
    assert _count_rows(oauth, TEAM_B) == 0
    assert _count_rows(oauth, TEAM_A) == before_a > 0


def _count_rows(stack: OAuthStack, team: str) -> int:
    """Rows of `team` in every table that has a team_id (okrbot's and slack_sdk's)."""
    from storage.db import Base

    names = [t.name for t in Base.metadata.sorted_tables if "team_id" in t.c]
    names += ["slack_installations", "slack_bots"]
    with stack.runtime.engine.connect() as connection:
        return sum(connection.execute(text(f"SELECT COUNT(*) FROM {name} WHERE team_id = :t"),  # noqa: S608
                                      {"t": team}).scalar() or 0 for name in names)
