"""`okrbot socket` killed with SIGKILL while Slack delivers a burst of events over Socket Mode, then restarted:
what it acknowledged has its effect exactly once."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.sandbox.slack.fake import FakeSlack
from tests.support.chaos import SocketStorm, kudos_reactions, socket_app, wait_drained
from tests.support.socket_mode_peer import FakeSocketMode
from tests.support.stack import BOT_TOKEN, TEAM, populate

APP_TOKEN = "xapp-1-A0OKRBOT01-2001-5f1c0ffee"
HUMANS = ("UMARIA", "URAVI", "ULENA", "UTOM", "UPAT", "UADMIN")
REACTIONS = 60


def test_socket_killed_during_a_burst_counts_and_dms_each_acknowledged_event_once(db_url: str,
                                                                                    tmp_path: Path) -> None:
    """SIGKILL of `okrbot socket` during 60 distinct kudos reactions sent over Socket Mode (an event not acked in
    3 s comes again in a new envelope, as Slack does), then restarted: every kudos is stored once and every
    receiver DM is posted once."""
    slack = FakeSlack(team_id=TEAM, team_name="Acme", bot_user_id="UBOT", bot_token=BOT_TOKEN).start()
    populate(slack)
    peer = FakeSocketMode().start()
    slack.socket_mode_url = peer.url
    env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.base_url,
           "DATABASE_URL": db_url, "OKRBOT_KUDOS_DAILY_LIMIT": "1000", "OKRBOT_INBOX_LEASE": "3",
           # Long enough for one sender batch (one DM per second per receiver), short enough not to wait minutes.
           "OKRBOT_OUTBOX_LEASE": "20", "LOG_LEVEL": "WARNING"}
    app = socket_app(env, tmp_path).start()
    events = kudos_reactions(REACTIONS, HUMANS, HUMANS, run="S")
    kills: list[int] = []
    busy = threading.Lock()

    def kill_at(acked: int) -> None:
        if acked < REACTIONS // 3 or kills or not busy.acquire(blocking=False):
            return
        try:
            kills.append(acked)
            app.kill()  # mid-burst: envelopes in hand, rows in the inbox, DMs being sent
            app.start()
        finally:
            busy.release()

    try:
        assert peer.connected.wait(60), app.output()[-3000:]
        storm = SocketStorm(peer, deadline=240)
        storm.run(events, on_ack=lambda acked: threading.Thread(target=kill_at, args=(acked,)).start())
        assert len(storm.acked) == REACTIONS, f"only {len(storm.acked)} of {REACTIONS} events were acknowledged"
        outcome = wait_drained(db_url, slack, [expected for _, _, expected in events])
    finally:
        app.stop()
        peer.stop()
        slack.stop()
    assert kills and peer.connection_count >= 2  # killed once, connected again
    assert outcome.missing == [] and outcome.kudos == REACTIONS
    assert len(outcome.dm_posts) == REACTIONS and outcome.doubled_dms == []
    assert outcome.inbox.get("failed", 0) == 0
