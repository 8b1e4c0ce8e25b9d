"""The one error path: a rule broken after ack() reaches the person; Slack still gets its ack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from bot.app import _guard_listeners, _mark_verified, handle_error
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import slash_command
from bot.sandbox.slack.sender import sign
from bot.services import UserFacingError

SECRET = "s3cret"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token="xoxb-test") as fake:
        fake.add_user("URAVI", "ravi")
        fake.add_channel("CGENERAL", "general", members=["URAVI"])
        yield fake


def app_with(listener, slack: FakeSlack) -> App:  # noqa: ANN001
    """A Bolt app wired like create_app's: our error handler and the after-ack guard."""
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=slack.base_url),
              token_verification_enabled=False)
    app.use(_mark_verified)
    app.error(handle_error)
    app.command("/boom")(listener)
    _guard_listeners(app)
    return app


def dispatch(app: App, slack: FakeSlack, text: str = "") -> tuple[int, str]:
    import time

    content_type, body = slash_command("T0001", "URAVI", "/boom", text, channel_id="CGENERAL",
                                       response_url=slack.new_response_url(channel="CGENERAL", user="URAVI"))
    stamp = int(time.time())
    request = BoltRequest(body=body.decode(), headers={
        "content-type": content_type, "x-slack-request-timestamp": str(stamp),
        "x-slack-signature": sign(SECRET, body, stamp)})
    response = app.dispatch(request)
    return response.status, response.body


def test_error_right_after_ack_still_acks_and_tells_the_person(slack: FakeSlack) -> None:
    """A UserFacingError raised just after ack(): Slack gets 200 (not a 404 after 3 s), the person an ephemeral."""

    def listener(ack, respond) -> None:  # noqa: ANN001
        ack()
        raise UserFacingError("That person is a bot.")

    app = app_with(listener, slack)
    for _ in range(20):  # the race this guards against was intermittent; twenty tries make it show
        status, _ = dispatch(app, slack)
        assert status == 200
    posts = slack.wait_for("response_url", count=20)
    assert {p.args.get("text") for p in posts} == {"That person is a bot."}


def test_error_before_ack_becomes_the_ephemeral_answer(slack: FakeSlack) -> None:
    """Raised before ack(), the error is the command's own HTTP answer (ephemeral), no extra call."""

    def listener(ack) -> None:  # noqa: ANN001
        raise UserFacingError("Usage: /boom [text]")

    status, body = dispatch(app_with(listener, slack), slack)
    assert status == 200 and "Usage: /boom" in body and "ephemeral" in body


def test_unexpected_errors_show_a_reference_never_a_traceback(slack: FakeSlack) -> None:
    """A bug after ack(): the person reads an apology with a reference; no stack trace reaches Slack."""

    def listener(ack) -> None:  # noqa: ANN001
        ack()
        raise ZeroDivisionError("division by zero")

    status, _ = dispatch(app_with(listener, slack), slack)
    [post] = slack.wait_for("response_url")
    assert status == 200
    assert "reference" in post.args["text"] and "ZeroDivisionError" not in post.args["text"]


@pytest.mark.parametrize("timestamp", ["abc", "", "1.5", "-5", "9" * 30])
def test_a_body_bolt_could_not_verify_is_never_acted_on(slack: FakeSlack, timestamp: str) -> None:
    """Behind the front door too: when Bolt's own verifier fails (it raises on a malformed timestamp), the error
    handler answers 401 and tells nobody, not even the response_url or user the unverified body names."""
    import json
    import time

    def listener(ack) -> None:  # noqa: ANN001
        ack()

    app = app_with(listener, slack)
    response_url = slack.new_response_url(channel="CGENERAL", user="URAVI")
    body = "payload=" + json.dumps({"type": "block_actions", "user": {"id": "URAVI"}, "team": {"id": "T0001"},
                                    "channel": {"id": "CGENERAL"}, "response_url": response_url,
                                    "actions": [{"action_id": "x", "value": "1"}]})
    request = BoltRequest(body=body, headers={"content-type": "application/x-www-form-urlencoded",
                                              "x-slack-request-timestamp": timestamp,
                                              "x-slack-signature": sign(SECRET, body.encode(), int(time.time()))})
    response = app.dispatch(request)
    time.sleep(0.3)
    assert response.status == 401
    assert slack.calls == []
