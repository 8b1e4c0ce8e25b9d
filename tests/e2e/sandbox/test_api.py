"""The sandbox page's JSON API: every action reaches okrbot as Slack sends it, and okrbot's answers show up."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sqlalchemy import select

from bot.sandbox import seed
from bot.sandbox.server import Sandbox
from bot.sandbox.slack.payloads import slash_command
from bot.sandbox.slack.sender import SlackSender
from bot.views.okrs import OkrAction, new_field
from storage.models import Objective, OkrComment
from storage.models_kudos import Kudos, KudosPost
from tests.e2e.sandbox.client import PageClient, texts

RAVIS_LAUNCH = "Onboarding v2 is live"


def dm(page: PageClient, user: str) -> str:
    """The person's conversation with okrbot (its Messages tab)."""
    return page.state()["dms"][user]


def general_message(page: PageClient, user: str, starting: str) -> dict[str, Any]:
    """A person's message in #general."""
    return next(m for m in page.state()["messages"][seed.GENERAL]
                if m["user"] == user and m["text"].startswith(starting))


def open_new_objective(page: PageClient, user: str) -> dict[str, Any]:
    """`/okr new` in the person's DM with okrbot; returns the modal okrbot opened."""
    page.ok("command", user=user, channel=dm(page, user), text="/okr new")
    return page.wait_for(lambda s: (s["views"].get(user) or [None])[-1])


# --------------------------------------------------------------------------- the page itself


def test_page_is_served_with_its_scripts(page: PageClient) -> None:
    """GET / is the page, and its CSS and JavaScript are served beside it."""
    status, headers, body = page.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for asset in ("app.css", "blockkit.js", "app.js", "emoji.js"):
        assert f"/sandbox/static/{asset}".encode() in body
        status, _, _ = page.request("GET", f"/sandbox/static/{asset}")
        assert status == 200


def test_static_files_stay_in_their_folder(page: PageClient) -> None:
    """A path leaving the static folder is not served."""
    status, _, _ = page.request("GET", "/sandbox/static/../server.py")
    assert status == 404


def test_slack_endpoint_is_okrbots_own(page: PageClient) -> None:
    """/slack/events beside the page is okrbot's real endpoint: an unsigned request is refused."""
    status, _, _ = page.request("POST", "/slack/events", b"command=/okr&text=help",
                                {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401


def test_request_signed_with_another_secret_is_refused(sandbox: Sandbox) -> None:
    """The signing secret is the sandbox's own (new every run): a request signed with another is refused."""
    response_url = sandbox.slack.new_response_url(channel=seed.GENERAL, user="URAVI")
    answer = SlackSender(sandbox.send.app_url, "not-the-secret").send(
        slash_command(seed.TEAM_ID, "URAVI", "/okr", "help", channel_id=seed.GENERAL, response_url=response_url))
    assert answer.status == 401


def test_state_lists_people_channels_and_commands(page: PageClient) -> None:
    """The state names the people with their roles, the channels, and okrbot's commands from manifest.yml."""
    state = page.state()
    assert [p["name"] for p in state["people"]] == ["Maria", "Ravi", "Lena", "Tom", "Pat", "Ada"]
    assert state["channels_order"] == [seed.GENERAL, seed.KUDOS, seed.OKRS]
    assert {c["command"] for c in state["commands"]} == {"/request-1on1", "/kudos", "/feedback", "/okr"}
    assert [s["callback_id"] for s in state["shortcuts"]] == ["give_kudos"]


def test_long_poll_returns_when_something_changes(page: PageClient) -> None:
    """A state request waiting on the current version returns as soon as someone posts."""
    version = page.state()["version"]
    later = threading.Timer(0.3, lambda: page.ok("message", user="UTOM", channel=seed.GENERAL, text="ping"))
    later.start()
    started = time.monotonic()
    state = page.state(since=version, wait=10)
    later.join()
    assert state["version"] != version
    assert time.monotonic() - started < 9


# --------------------------------------------------------------------------- commands


def test_slash_command_reply_is_ephemeral_for_its_author(page: PageClient) -> None:
    """/okr help reaches okrbot; its reply is visible to Lena only, in the conversation she typed it in."""
    page.ok("command", user="ULENA", channel=seed.GENERAL, text="/okr help")
    reply = page.wait_for(lambda s: [e for e in s["ephemerals"] if e["user"] == "ULENA"])
    assert reply[0]["channel"] == seed.GENERAL
    assert "/okr new" in texts(reply)
    assert not any("/okr new" in m["text"] for m in page.state()["messages"][seed.GENERAL])


def test_command_mentions_are_sent_escaped_like_slack(sandbox: Sandbox, page: PageClient) -> None:
    """`@pat` typed in a command reaches okrbot as `<@UPAT|pat>` (should_escape), like Slack sends it."""
    seen: list[dict[str, Any]] = []
    sandbox.runtime.app.use(lambda body, next: (seen.append(body), next())[-1])
    page.ok("command", user="URAVI", channel=seed.GENERAL, text="/kudos @pat thanks for the illustrations")
    assert any(b.get("text") == "<@UPAT|pat> thanks for the illustrations" for b in seen)


def test_unknown_command_gets_slackbots_answer(page: PageClient) -> None:
    """A command okrbot does not declare is not sent; Slackbot says it is not a valid command."""
    page.ok("command", user="URAVI", channel=seed.GENERAL, text="/weather berlin")
    notices = page.state()["notices"]
    assert notices[-1]["user"] == "URAVI" and "`/weather` is not a valid command" in notices[-1]["text"]


# --------------------------------------------------------------------------- messages and reactions


def test_thread_reply_on_an_objective_becomes_its_conversation(sandbox: Sandbox, page: PageClient) -> None:
    """A reply in an objective's thread in #okrs is sent as a message event and stored as its conversation."""
    with sandbox.runtime.sessions() as session:
        objective = session.scalars(select(Objective).where(Objective.owner_id == "URAVI")
                                    .order_by(Objective.quarter.desc()).limit(1)).one()  # this quarter's
    page.ok("message", user="UMARIA", channel=seed.OKRS, text="Can the data team help?",
            thread_ts=objective.message_ts)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with sandbox.runtime.sessions() as session:
            comment = session.scalars(select(OkrComment).where(OkrComment.objective_id == objective.id)).first()
        if comment:
            break
        time.sleep(0.1)
    assert comment is not None and (comment.user_id, comment.text) == ("UMARIA", "Can the data team help?")


def test_mentions_in_messages_become_user_tokens(page: PageClient) -> None:
    """`@ravi` in a message is stored as `<@URAVI>`, as Slack's client sends it."""
    page.ok("message", user="UTOM", channel=seed.GENERAL, text="thanks @ravi!")
    assert page.state()["messages"][seed.GENERAL][-1]["text"] == "thanks <@URAVI>!"


def test_clap_gives_kudos_and_posts_in_kudos(sandbox: Sandbox, page: PageClient) -> None:
    """Pat's :clap: on Ravi's message is a reaction event: a kudos for Ravi, posted in #kudos."""
    message = general_message(page, "URAVI", RAVIS_LAUNCH)
    page.ok("reaction", user="UPAT", channel=seed.GENERAL, ts=message["ts"], name="clap", add=True)
    post = page.wait_for(lambda s: [m for m in s["messages"].get(seed.KUDOS, []) if m.get("bot_id")])
    assert "<@URAVI>" in texts(post)
    with sandbox.runtime.sessions() as session:
        given = session.scalars(select(Kudos).where(Kudos.source == "reaction")).one()
        kept = session.scalars(select(KudosPost)).one()
    assert (given.giver_id, given.receiver_id) == ("UPAT", "URAVI")
    assert kept.post_channel == seed.KUDOS


def test_reacting_twice_is_a_no_op(page: PageClient) -> None:
    """The same reaction by the same person twice changes nothing the second time."""
    message = general_message(page, "ULENA", "Billing retries")
    assert page.ok("reaction", user="UTOM", channel=seed.GENERAL, ts=message["ts"], name="eyes")["changed"]
    assert not page.ok("reaction", user="UTOM", channel=seed.GENERAL, ts=message["ts"], name="eyes")["changed"]
    reactions = general_message(page, "ULENA", "Billing retries")["reactions"]
    assert reactions == [{"name": "eyes", "users": ["UTOM"]}]


def test_reaction_can_be_taken_back(page: PageClient) -> None:
    """Removing a reaction removes it from the message."""
    message = general_message(page, "ULENA", "Billing retries")
    page.ok("reaction", user="UTOM", channel=seed.GENERAL, ts=message["ts"], name="eyes", add=True)
    page.ok("reaction", user="UTOM", channel=seed.GENERAL, ts=message["ts"], name="eyes", add=False)
    assert general_message(page, "ULENA", "Billing retries")["reactions"] == []


# --------------------------------------------------------------------------- Home, clicks and modals


def test_opening_home_publishes_the_home_tab(page: PageClient) -> None:
    """Opening okrbot's Home tab sends app_home_opened; okrbot publishes Maria's Home with her team."""
    page.ok("open", user="UMARIA", tab="home")
    home = page.wait_for(lambda s: s["homes"].get("UMARIA"))
    assert "Ravi" in texts([{"blocks": home["blocks"]}]) or "<@URAVI>" in texts([{"blocks": home["blocks"]}])


def test_click_in_the_home_tab_opens_a_modal(page: PageClient) -> None:
    """Clicking "New objective" in the Home tab sends block_actions; okrbot opens its modal with the trigger."""
    page.ok("open", user="UPAT", tab="home")
    home = page.wait_for(lambda s: s["homes"].get("UPAT"))
    page.ok("action", user="UPAT", view_id=home["id"], action_id=OkrAction.NEW_OPEN)
    modal = page.wait_for(lambda s: (s["views"].get("UPAT") or [None])[-1])
    assert modal["callback_id"] == "okr.new"


def test_modal_errors_from_okrbot_show_under_the_field(page: PageClient) -> None:
    """A duplicate objective title comes back as response_action errors, kept on the open modal's field."""
    modal = open_new_objective(page, "UPAT")
    answer = page.ok("submit", user="UPAT", view_id=modal["id"], values={
        new_field("title"): "One design system across web and mobile", new_field("title", 1): "Adopted by 3 teams",
        new_field("target", 1): "3"})
    assert answer["response_action"] == "errors"
    [still_open] = page.state()["views"]["UPAT"]
    assert "already have an objective" in still_open["errors"][new_field("title")]


def test_modal_submission_that_works_closes_the_modal(page: PageClient) -> None:
    """A valid new objective turns the modal into its confirmation; Done closes it; okrbot posts it in #okrs."""
    modal = open_new_objective(page, "UPAT")
    page.ok("submit", user="UPAT", view_id=modal["id"], values={
        new_field("title"): "Accessible by default", new_field("title", 1): "WCAG AA on every screen",
        new_field("target", 1): "100", new_field("unit", 1): "%"})
    [saved] = page.state()["views"]["UPAT"]
    assert saved["title"]["text"] == "Objective created"
    page.ok("close", user="UPAT", view_id=saved["id"])
    assert not page.state()["views"].get("UPAT")
    posted = page.wait_for(lambda s: [m for m in s["messages"][seed.OKRS] if "Accessible by default" in m["text"]])
    assert posted


def test_closing_a_modal_removes_it(page: PageClient) -> None:
    """Cancel closes the person's modal."""
    modal = open_new_objective(page, "UPAT")
    page.ok("close", user="UPAT", view_id=modal["id"])
    assert not page.state()["views"].get("UPAT")


def test_ephemeral_reply_buttons_can_be_clicked(page: PageClient) -> None:
    """Buttons in an ephemeral reply (the /okr list) send block_actions with is_ephemeral, like Slack."""
    page.ok("command", user="UPAT", channel=dm(page, "UPAT"), text="/okr")
    reply = page.wait_for(lambda s: [e for e in s["ephemerals"] if e["user"] == "UPAT"])[-1]
    block, button = next((b, e) for b in reply["blocks"] for e in (b.get("elements") or [b.get("accessory") or {}])
                         if e.get("type") == "button")
    page.ok("action", user="UPAT", channel=reply["channel"], ts=reply["ts"], action_id=button["action_id"],
            block_id=block["block_id"])
    assert page.wait_for(lambda s: s["views"].get("UPAT"))


# --------------------------------------------------------------------------- bad input


def test_unknown_person_is_refused(page: PageClient) -> None:
    """Acting as someone who is not a person of the workspace is a 400 with a message."""
    status, answer = page.post("message", user="UOKRBOT", channel=seed.GENERAL, text="hi")
    assert status == 400 and "not a person" in answer["error"]


def test_someone_elses_dm_is_refused(page: PageClient) -> None:
    """Nobody can post in another person's conversation with okrbot."""
    status, answer = page.post("message", user="UTOM", channel=dm(page, "URAVI"), text="hi")
    assert status == 400 and "someone else's" in answer["error"]


def test_click_on_a_vanished_message_is_refused(page: PageClient) -> None:
    """A click on a message that does not exist is a 400, not a stack trace."""
    status, answer = page.post("action", user="UTOM", channel=seed.GENERAL, ts="1.000001", action_id="x")
    assert status == 400 and "gone" in answer["error"]


def test_empty_message_is_refused(page: PageClient) -> None:
    """A blank message is not posted."""
    before = len(page.state()["messages"][seed.GENERAL])
    status, _ = page.post("message", user="UTOM", channel=seed.GENERAL, text="   ")
    assert status == 400 and len(page.state()["messages"][seed.GENERAL]) == before


def test_wrong_field_types_are_refused(page: PageClient) -> None:
    """A non-string text is a 400."""
    status, answer = page.post("message", user="UTOM", channel=seed.GENERAL, text=["no"])
    assert status == 400 and "`text` must be a string" in answer["error"]


def test_non_json_posts_are_refused(page: PageClient) -> None:
    """Only application/json is accepted (a cross-site form post cannot drive the sandbox)."""
    status, _, _ = page.request("POST", "/sandbox/api/message", b"user=UTOM&channel=CGENERAL&text=hi",
                                {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415


def test_other_host_names_are_refused(page: PageClient) -> None:
    """A request for another host name (DNS rebinding) is refused."""
    status, _, _ = page.request("GET", "/sandbox/api/state", headers={"Host": "evil.example:3000"})
    assert status == 403


def test_invalid_json_is_a_400(page: PageClient) -> None:
    """A body that is not JSON is a 400."""
    status, _, body = page.request("POST", "/sandbox/api/message", b"{nope", {"Content-Type": "application/json"})
    assert status == 400 and json.loads(body)["error"] == "invalid JSON"


def test_unknown_api_action_is_a_404(page: PageClient) -> None:
    """An action the API does not have is a 404."""
    status, _ = page.post("teleport", user="UTOM")
    assert status == 404


def test_oversized_body_is_a_413(page: PageClient) -> None:
    """A body over the API's limit is refused before it is read."""
    status, _, _ = page.request("POST", "/sandbox/api/message", b"{" + b" " * 300_000 + b"}",
                                {"Content-Type": "application/json"})
    assert status == 413


def test_thread_ts_of_the_wrong_type_is_refused(page: PageClient) -> None:
    """A thread_ts that is not a string is a 400 with a sentence."""
    status, answer = page.post("message", user="UTOM", channel=seed.GENERAL, text="hi", thread_ts=["1.2"])
    assert status == 400 and "`thread_ts` must be a string" in answer["error"]


def test_choice_of_the_wrong_shape_is_refused(page: PageClient) -> None:
    """A list sent to a single-choice menu (the Home tab's "my manager") is a 400, and okrbot gets nothing."""
    page.ok("open", user="UADA", tab="home")
    home = page.wait_for(lambda s: s["homes"].get("UADA"))
    status, answer = page.post("action", user="UADA", view_id=home["id"], action_id="home.manager",
                               value=["UMARIA", "URAVI"])
    assert status == 400 and "takes one value" in answer["error"]
