"""The loopback Slack stand-in, driven by the real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.blocks.limits import MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.methods.common import REQUIRED_ARGS

REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "slack-reference" / "methods"


def section(text: str, **extra: object) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def modal(title: str = "Check in", blocks: list | None = None, **extra: object) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": title},
            "blocks": [section("hello")] if blocks is None else blocks, **extra}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T0001", team_name="Acme", bot_user_id="UBOT", bot_token="xoxb-test") as fake:
        fake.add_user("U1", "ravi", real_name="Ravi Kumar", email="ravi@example.com", tz="Asia/Kolkata")
        fake.add_user("U2", "mia", email="mia@example.com", tz="Europe/Berlin", is_admin=True)
        fake.add_channel("C1", "general", members=["U1", "U2", "UBOT"])
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.base_url, token="xoxb-test")


def slack_error(call, *args, **kwargs) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call(*args, **kwargs)
    return caught.value


# --------------------------------------------------------------------------- basics and auth


def test_base_url_is_loopback_and_ends_with_slash(fake: FakeSlack) -> None:
    """base_url points at 127.0.0.1 and ends with '/', as WebClient needs."""
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/api/")


def test_auth_test_names_team_and_bot(client: WebClient) -> None:
    """auth.test answers the team and the bot's user and bot ids."""
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == ("T0001", "UBOT", "BBOT")
    assert answer["url"] == "https://acme.slack.com/"


def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    """A call without a token answers not_authed."""
    error = slack_error(WebClient(base_url=fake.base_url).auth_test)
    assert error.response["error"] == "not_authed"


def test_wrong_token_is_invalid_auth(fake: FakeSlack) -> None:
    """A call with someone else's token answers invalid_auth."""
    error = slack_error(WebClient(base_url=fake.base_url, token="xoxb-other").auth_test)
    assert error.response["error"] == "invalid_auth"


def test_unknown_method_answers_unknown_method(client: WebClient) -> None:
    """A method Slack does not have answers unknown_method."""
    assert slack_error(client.api_call, "okr.frobnicate").response["error"] == "unknown_method"


def test_token_is_kept_out_of_the_transcript(fake: FakeSlack) -> None:
    """A token sent as a form field authenticates but is not recorded."""
    WebClient(base_url=fake.base_url).api_call("auth.test", params={"token": "xoxb-test"})
    assert fake.calls_to("auth.test")[0].ok
    assert "token" not in fake.calls_to("auth.test")[0].args


def test_required_args_match_the_reference() -> None:
    """REQUIRED_ARGS says what slack-reference/methods/*.json require, minus the header token."""
    if not REFERENCE.is_dir():
        pytest.skip("slack-reference not available")
    for method, required in REQUIRED_ARGS.items():
        path = REFERENCE / f"{method}.json"
        if path.exists():
            reference = set(json.loads(path.read_text())["args"].get("required", [])) - {"token"}
            assert reference == set(required), method


# --------------------------------------------------------------------------- users and team


def test_users_info_gives_timezone_and_profile(client: WebClient) -> None:
    """users.info carries the IANA tz, its offset and label, and the profile's email and names."""
    user = client.users_info(user="U1")["user"]
    assert (user["tz"], user["tz_offset"], user["tz_label"]) == ("Asia/Kolkata", 19800, "IST")
    assert user["profile"]["email"] == "ravi@example.com"
    assert user["profile"]["real_name"] == "Ravi Kumar"
    assert (user["is_bot"], user["deleted"], user["is_admin"]) == (False, False, False)


def test_users_info_unknown_user(client: WebClient) -> None:
    """users.info on an unknown id answers user_not_found."""
    assert slack_error(client.users_info, user="U404").response["error"] == "user_not_found"


def test_users_info_without_user_is_invalid_arguments(client: WebClient) -> None:
    """A missing required argument answers invalid_arguments naming it."""
    error = slack_error(client.api_call, "users.info", params={})
    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"] == ["[ERROR] missing required field: user"]


def test_user_without_timezone_has_no_tz_fields(fake: FakeSlack, client: WebClient) -> None:
    """A user added with tz=None comes back without tz, so fallbacks can be tested."""
    fake.add_user("U3", "noah", tz=None)
    assert "tz" not in client.users_info(user="U3")["user"]


def test_users_list_paginates_with_cursor(fake: FakeSlack, client: WebClient) -> None:
    """users.list pages with limit and response_metadata.next_cursor until the cursor is empty."""
    for n in range(3, 8):
        fake.add_user(f"U{n}", f"user{n}")
    seen, cursor, pages = [], None, 0
    while True:
        answer = client.users_list(limit=3, cursor=cursor)
        seen += [member["id"] for member in answer["members"]]
        pages += 1
        cursor = answer["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == ["UBOT", "U1", "U2", "U3", "U4", "U5", "U6", "U7"]


def test_users_lookup_by_email_finds_user(client: WebClient) -> None:
    """users.lookupByEmail finds a member by email, ignoring case."""
    assert client.users_lookupByEmail(email="MIA@example.com")["user"]["id"] == "U2"


def test_users_lookup_by_unknown_email(client: WebClient) -> None:
    """users.lookupByEmail on an unknown email answers users_not_found."""
    error = slack_error(client.users_lookupByEmail, email="nobody@example.com")
    assert error.response["error"] == "users_not_found"


def test_team_info(client: WebClient) -> None:
    """team.info answers the workspace's id, name and domain."""
    team = client.team_info()["team"]
    assert (team["id"], team["name"], team["domain"]) == ("T0001", "Acme", "acme")


# --------------------------------------------------------------------------- conversations


def test_conversations_open_gives_the_users_stable_dm(fake: FakeSlack, client: WebClient) -> None:
    """conversations.open(users=U1) answers the same D id every time, the one dm_channel() gives."""
    first = client.conversations_open(users="U1")["channel"]["id"]
    second = client.conversations_open(users=["U1"])
    assert first == second["channel"]["id"] == fake.dm_channel("U1")
    assert first.startswith("D")
    assert second["already_open"] is True


def test_conversations_open_several_users_gives_a_stable_group_dm(client: WebClient) -> None:
    """Several users open one G id, whatever their order."""
    first = client.conversations_open(users="U1,U2")["channel"]["id"]
    assert first.startswith("G")
    assert client.conversations_open(users="U2,U1")["channel"]["id"] == first


def test_conversations_open_return_im_gives_the_full_channel(client: WebClient) -> None:
    """return_im expands the answer to the DM's channel object."""
    channel = client.conversations_open(users="U1", return_im=True)["channel"]
    assert channel["is_im"] is True
    assert channel["user"] == "U1"


def test_conversations_open_deactivated_user_is_user_disabled(fake: FakeSlack, client: WebClient) -> None:
    """Opening a DM with a deactivated member answers user_disabled."""
    fake.add_user("U9", "gone", deleted=True)
    assert slack_error(client.conversations_open, users="U9").response["error"] == "user_disabled"


def test_conversations_info_describes_a_channel(client: WebClient) -> None:
    """conversations.info answers the channel's name and kind."""
    channel = client.conversations_info(channel="C1")["channel"]
    assert (channel["name"], channel["is_channel"], channel["is_member"]) == ("general", True, True)


def test_conversations_info_unknown_channel(client: WebClient) -> None:
    """An unknown channel answers channel_not_found."""
    assert slack_error(client.conversations_info, channel="C404").response["error"] == "channel_not_found"


def test_conversations_history_is_newest_first_without_replies(client: WebClient) -> None:
    """conversations.history lists top-level messages newest first and leaves thread replies out."""
    first = client.chat_postMessage(channel="C1", text="one")["ts"]
    client.chat_postMessage(channel="C1", text="reply", thread_ts=first)
    second = client.chat_postMessage(channel="C1", text="two")["ts"]
    history = client.conversations_history(channel="C1")["messages"]
    assert [message["ts"] for message in history] == [second, first]


def test_conversations_replies_lists_the_thread_oldest_first(client: WebClient) -> None:
    """conversations.replies answers the parent then its replies, even when asked with a reply's ts."""
    parent = client.chat_postMessage(channel="C1", text="objective")["ts"]
    reply = client.chat_postMessage(channel="C1", text="comment", thread_ts=parent)["ts"]
    thread = client.conversations_replies(channel="C1", ts=reply)["messages"]
    assert [message["text"] for message in thread] == ["objective", "comment"]
    assert thread[0]["reply_count"] == 1


def test_conversations_replies_unknown_thread(client: WebClient) -> None:
    """Replies of a ts that is not there answer thread_not_found."""
    error = slack_error(client.conversations_replies, channel="C1", ts="1.000001")
    assert error.response["error"] == "thread_not_found"


# --------------------------------------------------------------------------- chat


def test_post_message_answers_channel_ts_and_message(fake: FakeSlack, client: WebClient) -> None:
    """chat.postMessage answers the channel, a ts and the stored message, and keeps it."""
    answer = client.chat_postMessage(channel="C1", text="hi", blocks=[section("*hi*")])
    assert answer["channel"] == "C1"
    assert answer["message"]["bot_id"] == "BBOT"
    [stored] = fake.messages("C1")
    assert (stored["ts"], stored["text"], stored["user"], stored["edited"]) == (answer["ts"], "hi", "UBOT", False)
    assert stored["blocks"][0]["text"]["text"] == "*hi*"


def test_post_message_to_a_user_id_lands_in_their_dm(fake: FakeSlack, client: WebClient) -> None:
    """A user id as channel posts to that user's DM, and the answer names the D channel."""
    answer = client.chat_postMessage(channel="U1", text="your agenda")
    assert answer["channel"] == fake.dm_channel("U1")
    assert fake.messages(fake.dm_channel("U1"))[0]["text"] == "your agenda"


def test_post_message_by_channel_name(client: WebClient) -> None:
    """A #name finds the channel, as Slack allows."""
    assert client.chat_postMessage(channel="#general", text="hi")["channel"] == "C1"


def test_post_message_without_channel_is_channel_not_found(client: WebClient) -> None:
    """A missing channel answers channel_not_found, as Slack does."""
    error = slack_error(client.api_call, "chat.postMessage", json={"text": "hi"})
    assert error.response["error"] == "channel_not_found"


def test_post_message_to_unknown_channel(client: WebClient) -> None:
    """An unknown channel answers channel_not_found."""
    assert slack_error(client.chat_postMessage, channel="C404", text="x").response["error"] == "channel_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_without_text_or_blocks_is_no_text(client: WebClient) -> None:
    """Neither text nor blocks nor attachments answers no_text."""
    assert slack_error(client.chat_postMessage, channel="C1").response["error"] == "no_text"


def test_post_message_to_archived_channel(fake: FakeSlack, client: WebClient) -> None:
    """Posting in an archived channel answers is_archived."""
    fake.add_channel("C9", "old", is_archived=True)
    assert slack_error(client.chat_postMessage, channel="C9", text="x").response["error"] == "is_archived"


def test_post_message_thread_reply_points_at_the_root(fake: FakeSlack, client: WebClient) -> None:
    """A reply to a reply is threaded under the root, as Slack does."""
    root = client.chat_postMessage(channel="C1", text="root")["ts"]
    reply = client.chat_postMessage(channel="C1", text="a", thread_ts=root)["ts"]
    nested = client.chat_postMessage(channel="C1", text="b", thread_ts=reply)["ts"]
    assert fake.message("C1", nested)["thread_ts"] == root
    assert fake.message("C1", root)["reply_count"] == 2


def test_form_encoded_blocks_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    """Blocks sent as a form-encoded JSON string are recorded and stored as a list."""
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps([section("x")])})
    assert isinstance(fake.calls_to("chat.postMessage")[0].args["blocks"], list)
    assert fake.messages("C1")[0]["blocks"][0]["type"] == "section"


def test_update_edits_the_bots_message(fake: FakeSlack, client: WebClient) -> None:
    """chat.update replaces text and blocks and marks the message edited."""
    ts = client.chat_postMessage(channel="C1", text="old")["ts"]
    answer = client.chat_update(channel="C1", ts=ts, text="new", blocks=[section("new")])
    assert answer["text"] == "new"
    stored = fake.message("C1", ts)
    assert (stored["text"], stored["edited"], stored["blocks"][0]["text"]["text"]) == ("new", True, "new")


def test_update_unknown_ts_is_message_not_found(client: WebClient) -> None:
    """Updating a ts that is not there answers message_not_found."""
    error = slack_error(client.chat_update, channel="C1", ts="1.000001", text="x")
    assert error.response["error"] == "message_not_found"


def test_update_someone_elses_message_is_cant_update(fake: FakeSlack, client: WebClient) -> None:
    """Updating a person's message answers cant_update_message."""
    ts = fake.post_user_message("U1", "C1", "mine")["ts"]
    assert slack_error(client.chat_update, channel="C1", ts=ts, text="x").response["error"] == "cant_update_message"


def test_update_with_a_user_id_as_channel_is_channel_not_found(client: WebClient) -> None:
    """chat.update needs the D id, not a user id, as Slack documents."""
    ts = client.chat_postMessage(channel="U1", text="x")["ts"]
    assert slack_error(client.chat_update, channel="U1", ts=ts, text="y").response["error"] == "channel_not_found"


def test_delete_removes_the_message(fake: FakeSlack, client: WebClient) -> None:
    """chat.delete removes the bot's message."""
    ts = client.chat_postMessage(channel="C1", text="oops")["ts"]
    assert client.chat_delete(channel="C1", ts=ts)["ts"] == ts
    assert fake.messages("C1") == []


def test_post_ephemeral_is_kept_for_the_user(fake: FakeSlack, client: WebClient) -> None:
    """chat.postEphemeral answers message_ts and is listed for that user only."""
    answer = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    [ephemeral] = fake.ephemerals("U1")
    assert (ephemeral["ts"], ephemeral["text"], ephemeral["channel"]) == (answer["message_ts"], "only you", "C1")
    assert fake.ephemerals("U2") == []


def test_post_ephemeral_requires_user(client: WebClient) -> None:
    """chat.postEphemeral without user answers invalid_arguments."""
    error = slack_error(client.api_call, "chat.postEphemeral", json={"channel": "C1", "text": "x"})
    assert error.response["error"] == "invalid_arguments"


def test_post_ephemeral_to_a_non_member(fake: FakeSlack, client: WebClient) -> None:
    """An ephemeral for someone outside the channel answers user_not_in_channel."""
    fake.add_user("U3", "outsider")
    error = slack_error(client.chat_postEphemeral, channel="C1", user="U3", text="x")
    assert error.response["error"] == "user_not_in_channel"


def test_get_permalink_has_slacks_shape(client: WebClient) -> None:
    """chat.getPermalink answers https://<domain>.slack.com/archives/<channel>/p<ts without dot>."""
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://acme.slack.com/archives/C1/p{ts.replace('.', '')}"


def test_get_permalink_of_a_reply_names_the_thread(client: WebClient) -> None:
    """A reply's permalink carries thread_ts and cid."""
    root = client.chat_postMessage(channel="C1", text="x")["ts"]
    reply = client.chat_postMessage(channel="C1", text="y", thread_ts=root)["ts"]
    assert client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"].endswith(
        f"?thread_ts={root}&cid=C1")


def test_ts_is_unique_and_increasing_under_concurrent_posts(fake: FakeSlack) -> None:
    """Eight threads posting at once get distinct ts, increasing in the order the fake served them."""
    def post(n: int) -> None:
        thread_client = WebClient(base_url=fake.base_url, token="xoxb-test")
        for i in range(10):
            thread_client.chat_postMessage(channel="C1", text=f"{n}-{i}")

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    served = [call.response["ts"] for call in fake.calls_to("chat.postMessage")]
    assert len(set(served)) == 80
    assert served == sorted(served, key=lambda ts: tuple(map(int, ts.split("."))))
    assert [m["ts"] for m in fake.messages("C1")] == served


# --------------------------------------------------------------------------- Block Kit limits


def test_fifty_blocks_are_accepted(client: WebClient) -> None:
    """Exactly 50 blocks in a message is within Slack's limit."""
    assert client.chat_postMessage(channel="C1", text="x", blocks=[section(str(n)) for n in range(50)])["ok"]


def test_more_than_fifty_blocks_is_invalid_blocks(client: WebClient) -> None:
    """51 blocks in a message answers invalid_blocks naming /blocks."""
    error = slack_error(client.chat_postMessage, channel="C1", text="x",
                        blocks=[section(str(n)) for n in range(MAX_MESSAGE_BLOCKS + 1)])
    assert error.response["error"] == "invalid_blocks"
    assert "[json-pointer:/blocks]" in error.response["response_metadata"]["messages"][0]


def _option(value: str) -> dict:
    return {"text": {"type": "plain_text", "text": value.upper()}, "value": value}


@pytest.mark.parametrize(("blocks", "pointer"), [
    pytest.param([section("x" * 3001)], "/blocks/0/text/text", id="section text over 3000"),
    pytest.param([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text",
                 id="header over 150"),
    pytest.param([{"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}]}],
        "/blocks/0/elements/0/text/text", id="button text over 75"),
    pytest.param([section("x", block_id="b" * 256)], "/blocks/0/block_id", id="block_id over 255"),
    pytest.param([{"type": "actions", "elements": [
        {"type": "button", "action_id": "a" * 256, "text": {"type": "plain_text", "text": "b"}}]}],
        "/blocks/0/elements/0/action_id", id="action_id over 255"),
    pytest.param([section("x", block_id="same"), section("y", block_id="same")], "/blocks/1/block_id",
                 id="duplicate block_id"),
    pytest.param([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/blocks/0/fields",
                 id="more than 10 fields"),
    pytest.param([{"type": "carousel"}], "/blocks/0/type", id="unknown block type"),
    pytest.param(["not an object"], "/blocks/0", id="block not an object"),
    pytest.param({"type": "section"}, "/blocks", id="blocks not a list"),
    pytest.param([{"type": "actions", "elements": [{"type": "overflow", "action_id": "o", "options": [
        _option("only")]}]}], "/blocks/0/elements/0/options", id="overflow of 1 option"),
    pytest.param([{"type": "actions", "elements": [{"type": "overflow", "action_id": "o", "options": [
        _option(str(n)) for n in range(6)]}]}], "/blocks/0/elements/0/options", id="overflow of 6 options"),
    pytest.param([{"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c", "options": [
        _option(str(n)) for n in range(11)]}]}], "/blocks/0/elements/0/options", id="checkboxes of 11"),
    pytest.param([{"type": "actions", "elements": [{"type": "radio_buttons", "action_id": "r", "options": [
        _option(str(n)) for n in range(11)]}]}], "/blocks/0/elements/0/options", id="radio buttons of 11"),
    pytest.param([{"type": "actions", "elements": [{"type": "static_select", "action_id": "s",
                                                     "placeholder": {"type": "plain_text", "text": "Pick"},
                                                     "options": [_option("a"), _option("b")],
                                                     "initial_option": _option("c")}]}],
                 "/blocks/0/elements/0/initial_option", id="initial_option not an option"),
    pytest.param([{"type": "actions", "elements": [{"type": "static_select", "action_id": "s",
                                                     "placeholder": {"type": "plain_text", "text": "Pick"},
                                                     "options": [_option("a")],
                                                     "initial_option": {**_option("a"), "text": {
                                                         "type": "plain_text", "text": "A (renamed)"}}}]}],
                 "/blocks/0/elements/0/initial_option", id="initial_option with other text"),
    pytest.param([{"type": "actions", "elements": [{"type": "datepicker", "action_id": "d",
                                                     "initial_date": "2026-1-5"}]}],
                 "/blocks/0/elements/0/initial_date", id="datepicker date not YYYY-MM-DD"),
    pytest.param([section("   ")], "/blocks/0/text/text", id="whitespace-only text"),
    pytest.param([{"type": "image", "image_url": "https://example.com/a.png", "alt_text": "a" * 2001}],
                 "/blocks/0", id="slack_sdk: image alt_text over 2000"),
])
def test_block_kit_violation_is_invalid_blocks(client: WebClient, blocks: object, pointer: str) -> None:
    """Each Block Kit violation answers invalid_blocks with a message naming its json-pointer."""
    error = slack_error(client.chat_postMessage, channel="C1", text="x", blocks=blocks)
    assert error.response["error"] == "invalid_blocks"
    assert any(f"[json-pointer:{pointer}]" in m for m in error.response["response_metadata"]["messages"])


@pytest.mark.parametrize("method", ["chat_postMessage", "chat_postEphemeral"])
def test_blocks_without_a_text_fallback_are_refused(client: WebClient, method: str) -> None:
    """A message with blocks and no top-level text is refused: notifications would show nothing."""
    extra = {"user": "U1"} if method == "chat_postEphemeral" else {}
    error = slack_error(getattr(client, method), channel="C1", blocks=[section("x")], **extra)
    assert error.response["error"] == "invalid_arguments"
    assert "fallback" in error.response["response_metadata"]["messages"][0]


def test_overlong_message_text_is_msg_too_long(client: WebClient) -> None:
    """Text over 40,000 characters answers msg_too_long."""
    assert slack_error(client.chat_postMessage, channel="C1", text="x" * 40_001).response["error"] == "msg_too_long"


# --------------------------------------------------------------------------- views


def test_views_open_answers_the_view_and_stacks_it_for_the_user(fake: FakeSlack, client: WebClient) -> None:
    """views.open answers the view with an id and hash and shows it on the acting user's screen."""
    view = client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal(callback_id="checkin"))["view"]
    assert view["id"].startswith("V")
    assert view["hash"]
    [shown] = fake.open_views("U1")
    assert (shown["id"], shown["callback_id"]) == (view["id"], "checkin")


def test_views_open_fills_missing_block_ids(fake: FakeSlack, client: WebClient) -> None:
    """Blocks sent without a block_id come back with one, as Slack gives them."""
    view = client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal())["view"]
    assert view["blocks"][0]["block_id"]


def test_views_open_requires_trigger_id(client: WebClient) -> None:
    """views.open without a trigger_id answers invalid_arguments."""
    error = slack_error(client.api_call, "views.open", json={"view": modal()})
    assert error.response["error"] == "invalid_arguments"


def test_views_open_rejects_a_malformed_trigger(client: WebClient) -> None:
    """A trigger_id not shaped like Slack's answers invalid_trigger_id."""
    assert slack_error(client.views_open, trigger_id="nope", view=modal()).response["error"] == "invalid_trigger_id"


def test_views_open_twice_with_one_trigger_is_exchanged(fake: FakeSlack, client: WebClient) -> None:
    """A trigger opens one view; a second use answers exchanged_trigger_id."""
    trigger = fake.new_trigger_id("U1")
    client.views_open(trigger_id=trigger, view=modal())
    assert slack_error(client.views_open, trigger_id=trigger, view=modal()).response["error"] == "exchanged_trigger_id"


@pytest.mark.parametrize(("view", "pointer"), [
    pytest.param(modal(title="t" * 25), "/view/title/text", id="title over 24"),
    pytest.param({**modal(), "submit": {"type": "plain_text", "text": "s" * 25}}, "/view/submit/text",
                 id="submit over 24"),
    pytest.param({**modal(), "close": {"type": "plain_text", "text": "c" * 25}}, "/view/close/text",
                 id="close over 24"),
    pytest.param(modal(private_metadata="m" * 3001), "/view/private_metadata", id="private_metadata over 3000"),
    pytest.param(modal(blocks=[section(str(n)) for n in range(MAX_VIEW_BLOCKS + 1)]), "/view/blocks",
                 id="more than 100 blocks"),
    pytest.param({"title": {"type": "plain_text", "text": "t"}, "blocks": []}, "/view", id="missing type"),
    pytest.param({"type": "modal", "blocks": []}, "/view", id="missing title"),
    pytest.param({"type": "modal", "title": {"type": "plain_text", "text": "t"}}, "/view", id="missing blocks"),
    pytest.param(modal(blocks=[{"type": "input", "label": {"type": "plain_text", "text": "l"},
                                "element": {"type": "plain_text_input", "action_id": "a"}}]),
                 "/view/submit", id="input without submit"),
])
def test_invalid_modal_is_rejected_with_its_path(fake: FakeSlack, client: WebClient, view: dict,
                                                 pointer: str) -> None:
    """A view Slack would refuse answers invalid_arguments with a message naming its json-pointer."""
    error = slack_error(client.views_open, trigger_id=fake.new_trigger_id("U1"), view=view)
    assert error.response["error"] == "invalid_arguments"
    assert any(f"[json-pointer:{pointer}]" in m for m in error.response["response_metadata"]["messages"])


def test_views_push_stacks_on_top(fake: FakeSlack, client: WebClient) -> None:
    """views.push adds a view above the open one, linked to it."""
    root = client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal("One"))["view"]
    pushed = client.views_push(trigger_id=fake.new_trigger_id("U1"), view=modal("Two"))["view"]
    assert (pushed["previous_view_id"], pushed["root_view_id"]) == (root["id"], root["id"])
    assert [v["title"]["text"] for v in fake.open_views("U1")] == ["One", "Two"]


def test_views_push_beyond_three_is_push_limit_reached(fake: FakeSlack, client: WebClient) -> None:
    """A modal holds at most three views."""
    client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal())
    for _ in range(2):
        client.views_push(trigger_id=fake.new_trigger_id("U1"), view=modal())
    error = slack_error(client.views_push, trigger_id=fake.new_trigger_id("U1"), view=modal())
    assert error.response["error"] == "push_limit_reached"


def test_views_update_by_view_id_replaces_it(fake: FakeSlack, client: WebClient) -> None:
    """views.update by view_id replaces the view in place, keeping its id, with a new hash."""
    opened = client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal("Before"))["view"]
    updated = client.views_update(view_id=opened["id"], view=modal("After"))["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert [v["title"]["text"] for v in fake.open_views("U1")] == ["After"]


def test_views_update_by_external_id(fake: FakeSlack, client: WebClient) -> None:
    """views.update finds a view by its external_id."""
    client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal("Before", external_id="checkin-7"))
    client.views_update(external_id="checkin-7", view=modal("After", external_id="checkin-7"))
    assert fake.open_views("U1")[0]["title"]["text"] == "After"


def test_views_update_with_a_stale_hash_is_hash_conflict(fake: FakeSlack, client: WebClient) -> None:
    """A hash that no longer matches answers hash_conflict."""
    opened = client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal())["view"]
    client.views_update(view_id=opened["id"], view=modal("Second"))
    error = slack_error(client.views_update, view_id=opened["id"], hash=opened["hash"], view=modal("Third"))
    assert error.response["error"] == "hash_conflict"


def test_views_update_unknown_view_is_not_found(client: WebClient) -> None:
    """Updating a view that does not exist answers not_found."""
    assert slack_error(client.views_update, view_id="V404", view=modal()).response["error"] == "not_found"


def test_views_publish_sets_the_home_tab(fake: FakeSlack, client: WebClient) -> None:
    """views.publish stores the user's Home view; a second publish keeps the id."""
    first = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("a")]})["view"]
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("b")]})
    home = fake.home_view("U1")
    assert home["id"] == first["id"]
    assert home["blocks"][0]["text"]["text"] == "b"
    assert fake.home_view("U2") is None


def test_views_publish_requires_user_id(client: WebClient) -> None:
    """views.publish without user_id answers invalid_arguments."""
    error = slack_error(client.api_call, "views.publish", json={"view": {"type": "home", "blocks": []}})
    assert error.response["error"] == "invalid_arguments"


def test_views_publish_rejects_a_modal(client: WebClient) -> None:
    """The Home tab takes only a view of type home."""
    assert slack_error(client.views_publish, user_id="U1", view=modal()).response["error"] == "invalid_arguments"


def test_view_ack_errors_then_close(fake: FakeSlack, client: WebClient) -> None:
    """apply_view_ack keeps the view on errors and closes it on an empty ack."""
    client.views_open(trigger_id=fake.new_trigger_id("U1"), view=modal())
    fake.apply_view_ack("U1", {"response_action": "errors", "errors": {"kr": "Pick a key result"}})
    assert fake.open_views("U1")[0]["errors"] == {"kr": "Pick a key result"}
    fake.apply_view_ack("U1", None)
    assert fake.open_views("U1") == []


# --------------------------------------------------------------------------- reactions


def test_reactions_add_get_remove(fake: FakeSlack, client: WebClient) -> None:
    """The bot's reactions show in reactions.get and in the stored message, and can be removed."""
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name="tada")
    reactions = client.reactions_get(channel="C1", timestamp=ts)["message"]["reactions"]
    assert reactions == [{"name": "tada", "users": ["UBOT"], "count": 1}]
    client.reactions_remove(channel="C1", timestamp=ts, name="tada")
    assert fake.message("C1", ts)["reactions"] == []


def test_reactions_add_twice_is_already_reacted(client: WebClient) -> None:
    """Adding the same reaction twice answers already_reacted."""
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    client.reactions_add(channel="C1", timestamp=ts, name="tada")
    error = slack_error(client.reactions_add, channel="C1", timestamp=ts, name="tada")
    assert error.response["error"] == "already_reacted"


def test_people_react_and_post_in_state_only(fake: FakeSlack) -> None:
    """post_user_message and add_reaction change state without any API call."""
    message = fake.post_user_message("U1", "C1", "shipped the beta")
    fake.add_reaction("U2", "C1", message["ts"], "clap")
    stored = fake.message("C1", message["ts"])
    assert (stored["user"], stored["reactions"]) == ("U1", [{"name": "clap", "users": ["U2"]}])
    assert fake.calls == []


def test_reacting_to_a_missing_message_raises_lookup_error(fake: FakeSlack) -> None:
    """A sandbox reaction on an unknown message fails as a LookupError."""
    with pytest.raises(LookupError):
        fake.add_reaction("U1", "C1", "1.000001", "clap")


# --------------------------------------------------------------------------- failures, latency, transcript


def test_injected_429_reaches_webclient_with_retry_after(fake: FakeSlack, client: WebClient) -> None:
    """An injected 429 is a SlackApiError with status 429 and the Retry-After header."""
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    error = slack_error(client.chat_postMessage, channel="C1", text="x")
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"


def test_rate_limit_retry_handler_recovers(fake: FakeSlack) -> None:
    """slack_sdk's RateLimitErrorRetryHandler honours the Retry-After and then succeeds."""
    client = WebClient(base_url=fake.base_url, token="xoxb-test",
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [call.http_status for call in fake.calls_to("chat.postMessage")] == [429, 200]


def test_injected_500s_count_down(fake: FakeSlack, client: WebClient) -> None:
    """fail_next(times=2, status=500) fails two calls with internal_error, then calls succeed."""
    fake.fail_next("chat.postMessage", times=2, status=500)
    for _ in range(2):
        error = slack_error(client.chat_postMessage, channel="C1", text="x")
        assert (error.response.status_code, error.response["error"]) == (500, "internal_error")
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_failures_are_per_method(fake: FakeSlack, client: WebClient) -> None:
    """An injected failure for one method leaves other methods alone."""
    fake.fail_next("chat.postMessage", status=500)
    assert client.auth_test()["ok"]


def test_non_json_failure_body(fake: FakeSlack, client: WebClient) -> None:
    """A raw body (a proxy's error page) reaches WebClient as a non-JSON SlackApiError."""
    fake.fail_next("chat.postMessage", status=503, body="<html>Service Unavailable</html>")
    error = slack_error(client.chat_postMessage, channel="C1", text="x")
    assert error.response.status_code == 503
    assert "non-JSON" in error.response["error"]


def test_slack_level_failure_with_status_200(fake: FakeSlack, client: WebClient) -> None:
    """status=200 with an error code injects a Slack-level failure."""
    fake.fail_next("chat.postMessage", status=200, error="is_archived")
    error = slack_error(client.chat_postMessage, channel="C1", text="x")
    assert (error.response.status_code, error.response["error"]) == (200, "is_archived")


def test_latency_is_slept_in_every_call(fake: FakeSlack, client: WebClient) -> None:
    """Setting latency makes each call take at least that long."""
    fake.latency = 0.05
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.05


def test_wait_for_returns_a_call_made_later(fake: FakeSlack, client: WebClient) -> None:
    """wait_for blocks until a matching call arrives from another thread."""
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="late"))
    timer.start()
    [call] = fake.wait_for("chat.postMessage", lambda call: call.args["text"] == "late", timeout=5)
    timer.join()
    assert call.ok


def test_wait_for_timeout_shows_the_transcript(fake: FakeSlack, client: WebClient) -> None:
    """On timeout wait_for raises AssertionError listing the calls it did see."""
    client.chat_postMessage(channel="C1", text="something else")
    with pytest.raises(AssertionError) as caught:
        fake.wait_for("views.open", timeout=0.1)
    assert "views.open" in str(caught.value)
    assert "chat.postMessage" in str(caught.value)


def test_frozen_clock_keeps_ts_increasing_and_wait_for_timing_out(fake: FakeSlack, client: WebClient) -> None:
    """Under freezegun ts still increase and wait_for still gives up on time."""
    with freeze_time("2026-12-15 10:00:00"):
        first = client.chat_postMessage(channel="C1", text="a")["ts"]
        second = client.chat_postMessage(channel="C1", text="b")["ts"]
        with pytest.raises(AssertionError):
            fake.wait_for("views.open", timeout=0.1)
    assert first < second


def test_calls_to_and_clear_calls(fake: FakeSlack, client: WebClient) -> None:
    """calls_to filters the transcript by method; clear_calls empties it but keeps state."""
    client.auth_test()
    client.chat_postMessage(channel="C1", text="x")
    assert [call.method for call in fake.calls_to("auth.test")] == ["auth.test"]
    fake.clear_calls()
    assert fake.calls == []
    assert len(fake.messages("C1")) == 1


def test_calls_record_decoded_args_and_answer(fake: FakeSlack, client: WebClient) -> None:
    """A Call holds the decoded args, ok flag, answer and HTTP status."""
    client.chat_postMessage(channel="C1", text="x", blocks=[section("x")])
    call = fake.calls_to("chat.postMessage")[0]
    assert (call.args["channel"], call.ok, call.http_status) == ("C1", True, 200)
    assert call.args["blocks"][0]["type"] == "section"
    assert call.response["ts"]
    json.dumps(call.to_dict())


def test_subscribers_hear_state_changes(fake: FakeSlack, client: WebClient) -> None:
    """subscribe() gets a message event for each post, until unsubscribed."""
    heard: list[str] = []
    unsubscribe = fake.subscribe(lambda kind, payload: heard.append(kind))
    client.chat_postMessage(channel="C1", text="x")
    unsubscribe()
    client.chat_postMessage(channel="C1", text="y")
    assert heard.count("message") == 1
    assert "call" in heard


def test_snapshot_is_json_serialisable(fake: FakeSlack, client: WebClient) -> None:
    """snapshot() gives the whole workspace state as plain JSON."""
    client.chat_postMessage(channel="U1", text="x")
    client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("home")]})
    state = json.loads(json.dumps(fake.snapshot()))
    assert state["homes"]["U1"]["type"] == "home"


def test_restore_brings_back_a_snapshot(fake: FakeSlack, client: WebClient) -> None:
    """A new fake restored from snapshot() has the conversations, Home tabs and modals, and new ids after them."""
    posted = client.chat_postMessage(channel="U1", text="agenda")["ts"]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("home")]})["view"]
    client.views_open(trigger_id=fake.new_trigger_id("U2"), view=modal("Open"))
    state = json.loads(json.dumps(fake.snapshot()))
    with FakeSlack() as restored:
        restored.restore(state)
        restored_client = WebClient(base_url=restored.base_url, token="xoxb-test")
        assert restored.message(restored.dm_channel("U1"), posted)["text"] == "agenda"
        assert restored.home_view("U1")["id"] == home["id"]
        assert restored.open_views("U2")[0]["title"]["text"] == "Open"
        assert restored_client.chat_postMessage(channel="U1", text="next")["ts"] > posted
        republished = restored_client.views_publish(user_id="U2", view={"type": "home", "blocks": [section("home")]})
        assert republished["view"]["id"] not in {home["id"], restored.open_views("U2")[0]["id"]}


# --------------------------------------------------------------------------- response_url


def post_json(url: str, body: dict) -> tuple[int, dict]:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, data=json.dumps(body).encode(),  # noqa: S310 (checked above)
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 (checked above)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_response_url_post_is_recorded_as_ephemeral(fake: FakeSlack) -> None:
    """A post to a response_url is a `response_url` call and, by default, an ephemeral for the user."""
    url = fake.new_response_url(channel="C1", user="U1")
    assert post_json(url, {"text": "Request sent to your manager"}) == (200, {"ok": True})
    [call] = fake.calls_to("response_url")
    assert call.args["text"] == "Request sent to your manager"
    assert fake.ephemerals("U1")[0]["source"] == "response_url"


def test_response_url_in_channel_posts_a_message(fake: FakeSlack) -> None:
    """response_type in_channel posts a visible message from the bot."""
    post_json(fake.new_response_url(channel="C1", user="U1"), {"text": "kudos!", "response_type": "in_channel"})
    assert fake.messages("C1")[0]["user"] == "UBOT"


def test_response_url_replace_original_edits_the_message(fake: FakeSlack, client: WebClient) -> None:
    """replace_original rewrites the message the action came from."""
    ts = client.chat_postMessage(channel="C1", text="Accept?")["ts"]
    post_json(fake.new_response_url(channel="C1", user="U1", message_ts=ts),
              {"text": "Accepted", "replace_original": True})
    assert (fake.message("C1", ts)["text"], fake.message("C1", ts)["edited"]) == ("Accepted", True)


def test_response_url_with_too_many_blocks_is_rejected(fake: FakeSlack) -> None:
    """More than 50 blocks to a response_url answers 400 invalid_blocks."""
    status, body = post_json(fake.new_response_url(channel="C1", user="U1"),
                             {"blocks": [section(str(n)) for n in range(51)]})
    assert (status, body["error"]) == (400, "invalid_blocks")


def test_unknown_response_url_is_404(fake: FakeSlack) -> None:
    """A response_url the fake never issued answers 404."""
    assert post_json(f"{fake.url}/response/nope", {"text": "x"})[0] == 404


# --------------------------------------------------------------------------- files (external upload)


def test_an_external_upload_shares_the_file_in_the_channel(fake: FakeSlack, client: WebClient) -> None:
    """getUploadURLExternal, a POST of the bytes, completeUploadExternal: the file is in the DM with its content."""
    import urllib.request

    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    ticket = client.files_getUploadURLExternal(filename="1on1.ics", length=len(content))
    request = urllib.request.Request(ticket["upload_url"], data=content, method="POST")  # noqa: S310 - the loopback fake
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - the loopback fake
        assert answer.status == 200
    channel = fake.dm_channel("U1")
    done = client.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "1-on-1"}],
                                               channel_id=channel, initial_comment="Add it to your calendar")
    assert done["files"] == [{"id": ticket["file_id"], "title": "1-on-1"}]
    [shared] = fake.files(channel)
    assert shared["content"] == content and shared["name"] == "1on1.ics"
    assert fake.messages(channel)[-1]["files"][0]["id"] == ticket["file_id"]


def test_completing_an_upload_whose_bytes_never_came_is_refused(fake: FakeSlack, client: WebClient) -> None:
    """completeUploadExternal before the bytes were POSTed answers file_upload_incomplete; nothing is shared."""
    ticket = client.files_getUploadURLExternal(filename="x.ics", length=10)
    error = slack_error(client.files_completeUploadExternal, files=[{"id": ticket["file_id"]}],
                        channel_id=fake.dm_channel("U1"))
    assert error.response["error"] == "file_upload_incomplete" and fake.files(fake.dm_channel("U1")) == []
