"""What Slack sends to the app: signed bodies, payload shapes, and the sender that posts them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from datetime import time as dtime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack import payloads, sender, shapes
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.sender import SlackSender

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def form(built: tuple[str, bytes]) -> dict[str, str]:
    content_type, body = built
    assert content_type == payloads.FORM
    return {key: values[0] for key, values in parse_qs(body.decode(), keep_blank_values=True).items()}


def interactive(built: tuple[str, bytes]) -> dict:
    return json.loads(form(built)["payload"])


def text(value: str) -> dict:
    return {"type": "plain_text", "text": value}


def option(value: str) -> dict:
    return {"text": text(value.title()), "value": value}


def input_block(block_id: str, element: dict) -> dict:
    return {"type": "input", "block_id": block_id, "label": text(block_id), "element": element}


# --------------------------------------------------------------------------- signing


def test_signature_is_accepted_by_slack_sdk() -> None:
    """sign() produces what slack_sdk's SignatureVerifier accepts."""
    body, timestamp = b"token=x&command=%2Fkudos", int(time.time())
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body=body, timestamp=str(timestamp), signature=sender.sign(SECRET, body, timestamp))


def test_signature_of_a_tampered_body_is_rejected() -> None:
    """A signature does not carry over to a different body."""
    timestamp = int(time.time())
    signature = sender.sign(SECRET, b"text=hello", timestamp)
    assert not SignatureVerifier(SECRET).is_valid(body=b"text=hellO", timestamp=str(timestamp), signature=signature)


# --------------------------------------------------------------------------- builders


def test_slash_command_is_form_encoded_like_slacks() -> None:
    """A slash command carries Slack's form fields."""
    fields = form(payloads.slash_command("T0001", "U1", "/kudos", "<@U2> great demo", channel_id="C1",
                                         response_url="http://127.0.0.1:1/response/1", user_name="ravi"))
    assert fields["command"] == "/kudos"
    assert fields["text"] == "<@U2> great demo"
    assert (fields["team_id"], fields["user_id"], fields["user_name"], fields["channel_id"]) == (
        "T0001", "U1", "ravi", "C1")
    assert shapes.trigger_user(fields["trigger_id"]) == "U1"
    assert fields["api_app_id"] == payloads.DEFAULT_APP_ID


def test_event_callback_wraps_the_event() -> None:
    """event_callback is JSON with a fresh event_id, authorizations and the event with its event_ts."""
    event = payloads.reaction_event("U1", "clap", channel="C1", ts="1.000001", item_user="U2")
    content_type, body = payloads.event_callback("T0001", event, event_time=1_700_000_000)
    envelope = json.loads(body)
    assert content_type == payloads.JSON
    assert (envelope["type"], envelope["team_id"], envelope["event_time"]) == ("event_callback", "T0001",
                                                                             1_700_000_000)
    assert envelope["event_id"].startswith("Ev")
    assert envelope["event"]["reaction"] == "clap"
    assert envelope["authorizations"][0]["user_id"] == "UBOT"


def test_event_ids_are_unique_unless_given() -> None:
    """Two builds get different event ids; a given event_id is kept (for retries)."""
    event = {"type": "app_home_opened", "user": "U1"}
    first = json.loads(payloads.event_callback("T0001", event)[1])["event_id"]
    second = json.loads(payloads.event_callback("T0001", event)[1])["event_id"]
    again = json.loads(payloads.event_callback("T0001", event, event_id=first)[1])["event_id"]
    assert first != second
    assert again == first


def test_url_verification_carries_the_challenge() -> None:
    """url_verification is the JSON handshake with the challenge."""
    content_type, body = payloads.url_verification("abc")
    assert (content_type, json.loads(body)["challenge"]) == (payloads.JSON, "abc")


def test_block_actions_on_a_message_fills_block_and_container() -> None:
    """A click on a message names its container and gets block_id, type and text from the message's blocks."""
    message = {"ts": "1.000002", "text": "Accept?", "user": "UBOT", "blocks": [{
        "type": "actions", "block_id": "request-7", "elements": [
            {"type": "button", "action_id": "1on1.accept", "text": text("Accept"), "value": "7"}]}]}
    payload = interactive(payloads.block_actions(
        "T0001", "U2", [{"action_id": "1on1.accept"}], channel_id="D1", message=message,
        response_url="http://127.0.0.1:1/response/2"))
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "message", "message_ts": "1.000002", "channel_id": "D1",
                                    "is_ephemeral": False}
    [action] = payload["actions"]
    assert (action["block_id"], action["type"], action["value"], action["text"]["text"]) == (
        "request-7", "button", "7", "Accept")
    assert payload["message"]["ts"] == "1.000002"
    assert payload["response_url"] == "http://127.0.0.1:1/response/2"


def test_block_actions_takes_the_clicked_buttons_value_when_action_ids_repeat() -> None:
    """Buttons repeated per person share an action_id: the block_id names the clicked one and its value is sent."""
    message = {"ts": "1.000003", "text": "Agendas", "user": "UBOT", "blocks": [
        {"type": "actions", "block_id": f"nudge.{n}", "elements": [
            {"type": "button", "action_id": "nudge.open", "text": text("Open agenda"), "value": n}]}
        for n in ("lena", "ravi")]}
    payload = interactive(payloads.block_actions(
        "T0001", "UMARIA", [{"action_id": "nudge.open", "block_id": "nudge.ravi"}], channel_id="D1",
        message=message))
    [action] = payload["actions"]
    assert (action["block_id"], action["value"]) == ("nudge.ravi", "ravi")


def test_block_actions_in_a_view_carries_the_view_and_state() -> None:
    """A click inside a modal has a view container and the view's current state."""
    view = {"id": "V1", "type": "modal", "title": text("T"), "blocks": [
        input_block("note", {"type": "plain_text_input", "action_id": "note.text"}),
        {"type": "actions", "block_id": "more", "elements": [
            {"type": "button", "action_id": "add", "text": text("Add")}]}]}
    payload = interactive(payloads.block_actions("T0001", "U1", [{"action_id": "add"}], view=view,
                                                 values={"note.text": "draft"}))
    assert payload["container"] == {"type": "view", "view_id": "V1"}
    assert payload["view"]["state"]["values"]["note"]["note.text"]["value"] == "draft"


CASES: list[Any] = [
    ({"type": "plain_text_input"}, "hello", "value", "hello"),
    ({"type": "number_input", "is_decimal_allowed": False}, 42, "value", "42"),
    ({"type": "static_select", "options": [option("ahead"), option("off_track")]}, "off_track",
     "selected_option", option("off_track")),
    ({"type": "external_select"}, "okr-12", "selected_option",
     {"text": {"type": "plain_text", "text": "okr-12", "emoji": True}, "value": "okr-12"}),
    ({"type": "multi_static_select", "options": [option("a"), option("b"), option("c")]}, ["a", "c"],
     "selected_options", [option("a"), option("c")]),
    ({"type": "users_select"}, "U2", "selected_user", "U2"),
    ({"type": "multi_users_select"}, ["U2", "U3"], "selected_users", ["U2", "U3"]),
    ({"type": "conversations_select"}, "C1", "selected_conversation", "C1"),
    ({"type": "datepicker"}, date(2026, 12, 15), "selected_date", "2026-12-15"),
    ({"type": "timepicker"}, dtime(9, 30), "selected_time", "09:30"),
    ({"type": "checkboxes", "options": [option("private"), option("manager")]}, ["manager"],
     "selected_options", [option("manager")]),
    ({"type": "radio_buttons", "options": [option("private"), option("manager")]}, "private",
     "selected_option", option("private")),
]


@pytest.mark.parametrize(("element", "given", "key", "expected"), CASES, ids=[case[0]["type"] for case in CASES])
def test_view_submission_shapes_each_element_type(element: dict, given: Any, key: str, expected: Any) -> None:
    """Each input element's value lands in view.state.values[block_id][action_id] in Slack's shape."""
    view = {"type": "modal", "title": text("T"), "submit": text("Save"),
            "blocks": [input_block("field", {**element, "action_id": "field.value"})]}
    payload = interactive(payloads.view_submission("T0001", "U1", view, {"field.value": given}))
    assert payload["view"]["state"]["values"]["field"]["field.value"] == {"type": element["type"], key: expected}


def test_view_submission_inputs_not_given_are_empty() -> None:
    """Inputs without a value get their empty shape: None, or [] for multi-value elements."""
    view = {"type": "modal", "title": text("T"), "submit": text("Save"), "blocks": [
        input_block("a", {"type": "plain_text_input", "action_id": "a"}),
        input_block("b", {"type": "multi_users_select", "action_id": "b"}),
        input_block("c", {"type": "static_select", "action_id": "c", "options": [option("x")]})]}
    values = interactive(payloads.view_submission("T0001", "U1", view, {}))["view"]["state"]["values"]
    assert values == {"a": {"a": {"type": "plain_text_input", "value": None}},
                      "b": {"b": {"type": "multi_users_select", "selected_users": []}},
                      "c": {"c": {"type": "static_select", "selected_option": None}}}


def test_view_submission_keeps_initial_values_not_given() -> None:
    """An untouched input with an initial value submits that value, as Slack does."""
    view = {"type": "modal", "title": text("T"), "submit": text("Save"), "blocks": [
        input_block("when", {"type": "datepicker", "action_id": "when", "initial_date": "2026-12-01"})]}
    values = interactive(payloads.view_submission("T0001", "U1", view))["view"]["state"]["values"]
    assert values["when"]["when"]["selected_date"] == "2026-12-01"


def test_view_submission_accepts_a_block_id_as_key() -> None:
    """A value may be keyed by the input's block_id instead of its action_id."""
    view = {"type": "modal", "title": text("T"), "submit": text("Save"),
            "blocks": [input_block("topic", {"type": "plain_text_input", "action_id": "topic.text"})]}
    values = interactive(payloads.view_submission("T0001", "U1", view, {"topic": "Q4"}))["view"]["state"]["values"]
    assert values["topic"]["topic.text"]["value"] == "Q4"


def test_view_submission_with_an_unknown_key_raises() -> None:
    """A value for an input the view does not have is a test bug, reported at once."""
    view = {"type": "modal", "title": text("T"), "blocks": []}
    with pytest.raises(ValueError, match="nope"):
        payloads.view_submission("T0001", "U1", view, {"nope": "x"})


def test_view_submission_with_an_unknown_option_raises() -> None:
    """A select value that is not one of the element's options is reported with the options."""
    view = {"type": "modal", "title": text("T"), "submit": text("Save"), "blocks": [
        input_block("s", {"type": "static_select", "action_id": "s", "options": [option("ahead")]})]}
    with pytest.raises(ValueError, match="ahead"):
        payloads.view_submission("T0001", "U1", view, {"s": "behind"})


def test_view_submission_of_a_view_from_the_fake_uses_its_ids() -> None:
    """Inputs sent without ids get the same generated ids from the fake and from the builder."""
    raw = {"type": "modal", "title": text("T"), "submit": text("Save"), "callback_id": "checkin",
           "blocks": [{"type": "input", "label": text("Note"), "element": {"type": "plain_text_input"}}]}
    with FakeSlack() as fake:
        fake.add_user("U1", "ravi")
        opened = WebClient(base_url=fake.base_url, token=fake.bot_token).views_open(
            trigger_id=fake.new_trigger_id("U1"), view=raw)["view"]
    from_fake = interactive(payloads.view_submission("T0001", "U1", opened, {}))["view"]["state"]["values"]
    from_raw = interactive(payloads.view_submission("T0001", "U1", raw, {}))["view"]["state"]["values"]
    assert from_fake == from_raw
    assert interactive(payloads.view_submission("T0001", "U1", opened, {}))["view"]["id"] == opened["id"]


def test_message_shortcut_carries_the_message() -> None:
    """A message shortcut is a message_action with the callback_id and the message."""
    message = {"ts": "1.000003", "user": "U2", "text": "shipped!", "channel": "C1", "edited": False,
               "reactions": [], "thread_ts": None}
    payload = interactive(payloads.message_shortcut("T0001", "U1", "kudos.give", channel_id="C1", message=message,
                                                    response_url="http://127.0.0.1:1/response/3"))
    assert (payload["type"], payload["callback_id"], payload["message_ts"]) == ("message_action", "kudos.give",
                                                                               "1.000003")
    assert payload["message"] == {"ts": "1.000003", "user": "U2", "text": "shipped!"}


def test_view_closed_payload() -> None:
    """view_closed names the view and whether the whole stack was cleared."""
    payload = interactive(payloads.view_closed("T0001", "U1", {"type": "modal", "title": text("T"), "blocks": []},
                                               is_cleared=True))
    assert (payload["type"], payload["is_cleared"]) == ("view_closed", True)


def test_trigger_id_names_its_user() -> None:
    """new_trigger_id is shaped like Slack's and trigger_user reads the user back."""
    trigger = shapes.new_trigger_id("U0ABC")
    assert shapes.is_trigger_id(trigger)
    assert shapes.trigger_user(trigger) == "U0ABC"
    assert shapes.trigger_user("13345224609.738474920.8088930838d88f008e0") is None


# --------------------------------------------------------------------------- Bolt understands them


@pytest.fixture
def bolt() -> Iterator[tuple[App, FakeSlack]]:
    with FakeSlack() as fake:
        client = WebClient(base_url=fake.base_url, token=fake.bot_token)
        yield App(signing_secret=SECRET, client=client, process_before_response=True), fake


def dispatch(app: App, built: tuple[str, bytes]) -> Any:
    content_type, body = built
    timestamp = int(time.time())
    headers = {"content-type": content_type, "x-slack-request-timestamp": str(timestamp),
               "x-slack-signature": sender.sign(SECRET, body, timestamp)}
    return app.dispatch(BoltRequest(body=body.decode(), headers=headers))


def test_bolt_routes_a_signed_command(bolt: tuple[App, FakeSlack]) -> None:
    """Bolt verifies the signature and hands the command to its listener."""
    app, _ = bolt
    seen: list[dict] = []
    app.command("/kudos")(lambda ack, command: (ack(), seen.append(command)))
    response = dispatch(app, payloads.slash_command("T0001", "U1", "/kudos", "<@U2> thanks", channel_id="C1",
                                                    response_url="http://127.0.0.1:1/response/4"))
    assert response.status == 200
    assert seen[0]["text"] == "<@U2> thanks"


def test_bolt_routes_a_view_submission_with_its_values(bolt: tuple[App, FakeSlack]) -> None:
    """Bolt routes a view_submission by callback_id and sees the built state."""
    app, _ = bolt
    seen: list[dict] = []
    app.view("checkin")(lambda ack, view: (ack(), seen.append(view["state"]["values"])))
    view = {"type": "modal", "callback_id": "checkin", "title": text("T"), "submit": text("Save"),
            "blocks": [input_block("value", {"type": "number_input", "action_id": "kr.value",
                                             "is_decimal_allowed": True})]}
    assert dispatch(app, payloads.view_submission("T0001", "U1", view, {"kr.value": 3.5})).status == 200
    assert seen == [{"value": {"kr.value": {"type": "number_input", "value": "3.5"}}}]


def test_bolt_routes_an_action_and_an_event(bolt: tuple[App, FakeSlack]) -> None:
    """Bolt routes block_actions by action_id and events by type."""
    app, _ = bolt
    seen: list[str] = []
    app.action("1on1.accept")(lambda ack, action: (ack(), seen.append(action["value"])))
    app.event("reaction_added")(lambda event: seen.append(event["reaction"]))
    message = {"ts": "1.000004", "blocks": [{"type": "actions", "elements": [
        {"type": "button", "action_id": "1on1.accept", "text": text("Accept"), "value": "9"}]}]}
    dispatch(app, payloads.block_actions("T0001", "U1", [{"action_id": "1on1.accept"}], channel_id="D1",
                                         message=message))
    dispatch(app, payloads.event_callback("T0001", payloads.reaction_event("U1", "tada", channel="C1",
                                                                           ts="1.000004", item_user="U2")))
    assert seen == ["9", "tada"]


# --------------------------------------------------------------------------- SlackSender


class _Recorder(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.seen.append((dict(self.headers), self.rfile.read(length)))
        status, body = self.server.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def app_server() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen, server.answer = [], (200, b"")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def sender_for(server: Any) -> SlackSender:
    return SlackSender(f"http://127.0.0.1:{server.server_address[1]}/slack/events", SECRET)


def verified(headers: dict, body: bytes) -> bool:
    return SignatureVerifier(SECRET).is_valid(body=body, timestamp=headers.get("X-Slack-Request-Timestamp", ""),
                                              signature=headers.get("X-Slack-Signature", ""))


def test_sender_signs_like_slack(app_server: Any) -> None:
    """SlackSender's requests pass slack_sdk's signature check."""
    response = sender_for(app_server).command("T0001", "U1", "/okr", "help", channel_id="C1",
                                              response_url="http://127.0.0.1:1/response/5")
    headers, body = app_server.seen[0]
    assert response.status == 200
    assert verified(headers, body)
    assert headers["Content-Type"] == payloads.FORM


def test_sender_can_send_a_stale_timestamp(app_server: Any) -> None:
    """timestamp= sends an old, correctly signed request, which the verifier refuses as a replay."""
    sender_for(app_server).event("T0001", {"type": "app_home_opened", "user": "U1"},
                                 timestamp=int(time.time()) - 600)
    assert not verified(*app_server.seen[0])


def test_sender_can_forge_or_omit_the_signature(app_server: Any) -> None:
    """signature= forges one; unsigned=True sends no signature headers."""
    sender = sender_for(app_server)
    sender.event("T0001", {"type": "app_home_opened", "user": "U1"}, signature="v0=forged")
    sender.event("T0001", {"type": "app_home_opened", "user": "U1"}, unsigned=True)
    assert app_server.seen[0][0]["X-Slack-Signature"] == "v0=forged"
    assert "X-Slack-Signature" not in app_server.seen[1][0]


def test_sender_marks_retries(app_server: Any) -> None:
    """retry_num adds X-Slack-Retry-Num and X-Slack-Retry-Reason."""
    sender_for(app_server).event("T0001", {"type": "app_home_opened", "user": "U1"}, retry_num=2)
    headers = app_server.seen[0][0]
    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("2", "http_timeout")


def test_sender_returns_errors_instead_of_raising(app_server: Any) -> None:
    """A 401 from the app comes back as a Response with its body."""
    app_server.answer = (401, b'{"error": "invalid signature"}')
    response = sender_for(app_server).verify_url("challenge-1")
    assert (response.status, response.json()) == (401, {"error": "invalid signature"})


def test_response_json_of_a_plain_ack_is_none(app_server: Any) -> None:
    """An empty 200 (a plain ack) has json() None."""
    assert sender_for(app_server).verify_url("c").json() is None
