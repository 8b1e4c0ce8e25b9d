"""Suggest next steps while the model is slow: Slack's ack stays fast, and the answer arrives by views.update.

One okrbot (the real create_app behind the real WSGI server, in this process) with the loopback Slack and the
loopback model stand-in (bot/sandbox/fake_llm.py) answering each chat completion after MODEL_SECONDS.
A manager clicks **Suggest next steps** CLICKS times in a row (more than Bolt's 5 listener threads and the
LLM pool's 4): each click's time from POST to HTTP 200 (the ack) is measured by the client, then the time
until the last answer replaced its "thinking" modal.

Run: `python -m bench llm` (`--quick`: 8 clicks). Writes bench/results/llm.md. SQLite only (the model call
touches the database twice: one insert of the prompt, one update of its outcome).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    percentile,
    scratch_directory,
    sqlite_database,
    start_fake_slack,
    table,
    write_result,
)

NAME = "llm"
MODEL_SECONDS = 2.0
CLICKS = 16


def _arrange(runtime: object) -> int:
    from storage.models import CheckIn, KeyResult, Objective

    services = runtime.services  # type: ignore[attr-defined]
    for report in ("URAVI", "ULENA", "UTOM"):
        services.people.set_manager(TEAM, report, "UMARIA")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with runtime.sessions.begin() as session:  # type: ignore[attr-defined]
        objective = Objective(team_id=TEAM, owner_id="URAVI", quarter="2026-Q4", title="Grow activation",
                              created_at=at, updated_at=at)
        objective.key_results = [KeyResult(team_id=TEAM, title="Activated teams", start_value=0, target_value=40,
                                           current_value=4, status="off_track", updated_at=at)]
        session.add(objective)
        session.flush()
        session.add(CheckIn(team_id=TEAM, key_result_id=objective.key_results[0].id, author_id="URAVI", value=4,
                            status="off_track", obstacles="Analytics events are missing",
                            created_at=at + timedelta(days=5)))
        return objective.key_results[0].id


def main(quick: bool = False) -> None:
    """Measure and write bench/results/llm.md."""
    from bot.runtime import build_runtime
    from bot.sandbox.fake_llm import FakeLlm
    from bot.sandbox.slack.sender import SlackSender
    from bot.settings import Settings
    from bot.views.llm import LlmAction
    from bot.web import LocalServer, create_wsgi_app

    clicks = 8 if quick else CLICKS
    fake_slack, fake_llm = start_fake_slack(), FakeLlm().start()
    fake_llm.mode, fake_llm.delay = "slow", MODEL_SECONDS
    acks: list[float] = []
    with scratch_directory("okrbot-bench-llm-") as directory, sqlite_database(directory) as url:
        settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,  # type: ignore[call-arg]
                            SLACK_API_URL=fake_slack.base_url, DATABASE_URL=url, OKRBOT_LLM_URL=fake_llm.url,
                            OKRBOT_LLM_MODEL="stub", OKRBOT_LLM_TIMEOUT="30")
        runtime = build_runtime(settings, migrate="skip")
        server = LocalServer(create_wsgi_app(runtime)).start()
        try:
            kr_id = _arrange(runtime)
            send = SlackSender(server.url + "/slack/events", SIGNING_SECRET)
            view = {"type": "home", "blocks": [{"type": "actions", "block_id": "b", "elements": [
                {"type": "button", "action_id": LlmAction.SUGGEST.value, "value": str(kr_id),
                 "text": {"type": "plain_text", "text": "Suggest next steps"}}]}]}
            started = time.monotonic()
            for _ in range(clicks):
                before = time.monotonic()
                response = send.action(TEAM, "UMARIA", [{"action_id": LlmAction.SUGGEST.value, "value": str(kr_id)}],
                                       view=view)
                acks.append(time.monotonic() - before)
                assert response.status == 200
            deadline = started + 120
            while len(fake_slack.calls_to("views.update")) < clicks and time.monotonic() < deadline:
                time.sleep(0.05)
            answered = len(fake_slack.calls_to("views.update"))
            last = time.monotonic() - started
        finally:
            server.stop()
            runtime.close()
            fake_llm.stop()
            fake_slack.stop()
    rows = [[clicks, f"{MODEL_SECONDS:g}", f"{percentile(acks, 50) * 1000:.1f}", f"{percentile(acks, 99) * 1000:.1f}",
             f"{max(acks) * 1000:.1f}", answered, f"{last:.1f}"]]
    write_result(NAME, "## Suggest next steps with a slow model (`bench/llm.py`)\n\n"
                 "A manager clicks **Suggest next steps** repeatedly while the model stand-in takes "
                 f"{MODEL_SECONDS:g} s per answer: the ack (POST → HTTP 200, measured by the client) does not wait "
                 "for the model, whose calls run 4 at a time on the LLM service's own pool (never on Bolt's 5 "
                 "listener threads); each answer replaces its thinking modal with views.update. SQLite, one "
                 f"process, loopback Slack and model; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on a shared "
                 "machine.\n\n"
                 + table(["clicks", "model s", "ack p50 ms", "ack p99 ms", "ack max ms", "answers shown",
                          "last answer after s"], rows))


if __name__ == "__main__":
    main()
