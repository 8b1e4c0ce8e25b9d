"""Kudos by reaction: who gets them, exactly once, taking them back, the allowance, the batched public post."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from tests.service.kudos.support import Env


def react(env: Env, giver: str, ts: str, *, author: str | None = "URAVI", reaction: str = "clap",
          added: bool = True) -> bool:
    """`giver` adds (or removes) `reaction` on the message `ts` in #general written by `author`."""
    return env.kudos.record_reaction(team_id=env.team, user_id=giver, item_user=author, channel="CGENERAL", ts=ts,
                                     reaction=reaction, added=added)


def ravis_message(env: Env) -> str:
    """A message Ravi posted in #general; its ts."""
    return env.slack.post_user_message("URAVI", "CGENERAL", "Shipped the onboarding revamp")["ts"]


def test_a_kudos_reaction_gives_kudos_to_the_author_with_a_link(env: Env) -> None:
    """:clap: on Ravi's message is a kudos to Ravi, with the message's permalink as the reason."""
    ts = ravis_message(env)
    assert react(env, "UMARIA", ts) is True
    [kudos] = env.kudos_rows()
    assert (kudos.giver_id, kudos.receiver_id, kudos.source, kudos.reaction) == ("UMARIA", "URAVI", "reaction", "clap")
    assert kudos.permalink and ts.replace(".", "") in kudos.permalink
    assert [m.channel_key for m in env.outbox("kudos-dm:")] == ["URAVI"]


def test_the_same_reaction_twice_counts_once(env: Env) -> None:
    """A reaction event seen twice (retry, or added twice) stores one kudos and one DM."""
    ts = ravis_message(env)
    react(env, "UMARIA", ts)
    react(env, "UMARIA", ts)
    assert len(env.kudos_rows()) == 1 and len(env.outbox("kudos-dm:")) == 1


def test_a_skin_tone_is_the_same_reaction(env: Env) -> None:
    """:clap::skin-tone-3: counts as :clap:."""
    ts = ravis_message(env)
    react(env, "UMARIA", ts, reaction="clap::skin-tone-3")
    assert env.kudos_rows()[0].reaction == "clap"


def test_removing_the_reaction_takes_the_kudos_back(env: Env) -> None:
    """reaction_removed deletes that kudos."""
    ts = ravis_message(env)
    react(env, "UMARIA", ts)
    assert react(env, "UMARIA", ts, added=False) is True
    assert env.kudos_rows() == []


def test_add_remove_add_counts_once_and_dms_once(env: Env) -> None:
    """Taking a kudos back and giving it again leaves one kudos, and the receiver got one DM (edited in place)."""
    ts = ravis_message(env)
    react(env, "UMARIA", ts)
    react(env, "UMARIA", ts, added=False)
    react(env, "UMARIA", ts)
    posted = [m for m in env.outbox("kudos-dm:") if m.method == "chat.postMessage"]
    assert len(env.kudos_rows()) == 1 and len(posted) == 1


def test_other_reactions_are_not_kudos(env: Env) -> None:
    """:eyes: is not one of OKRBOT_KUDOS_REACTIONS."""
    assert react(env, "UMARIA", ravis_message(env), reaction="eyes") is False
    assert env.kudos_rows() == []


def test_reacting_to_ones_own_message_is_ignored(env: Env) -> None:
    """Ravi clapping on his own message gives nothing, silently."""
    assert react(env, "URAVI", ravis_message(env)) is False
    assert env.kudos_rows() == [] and env.outbox() == []


def test_a_message_without_a_human_author_is_ignored(env: Env) -> None:
    """No item_user (a webhook's message), or a bot's message: nothing."""
    bot_ts = env.slack.post_user_message("UROBOT", "CGENERAL", "Deployed v2")["ts"]
    assert react(env, "UMARIA", bot_ts, author=None) is False
    assert react(env, "UMARIA", bot_ts, author="UROBOT") is False
    assert env.kudos_rows() == [] and env.outbox() == []


def test_a_bot_reacting_gives_nothing(env: Env) -> None:
    """Reactions added by a bot are not kudos."""
    assert react(env, "UROBOT", ravis_message(env)) is False
    assert env.kudos_rows() == []


def test_reactions_beyond_the_allowance_are_not_counted_and_the_giver_is_told_once(env: Env) -> None:
    """After five kudos, more reactions count nothing; one DM (not two) says when the allowance resets."""
    for n in range(7):
        react(env, "UMARIA", env.slack.post_user_message("URAVI", "CGENERAL", f"message {n}")["ts"])
    assert len(env.kudos_rows()) == 5
    [told] = env.outbox("kudos-limit:")
    assert told.channel_key == "UMARIA" and told.dedupe_key == "kudos-limit:UMARIA:2026-11-16"
    assert "resets" in told.payload["text"]


def test_the_allowance_comes_back_after_the_givers_local_midnight(env: Env) -> None:
    """Ravi (Kolkata, UTC+5:30) used his five at 18:00 UTC; at 18:31 UTC it is a new day for him."""
    env.clock.travel_to(datetime(2026, 11, 16, 18, 0, tzinfo=UTC))
    for n in range(6):
        react(env, "URAVI", env.slack.post_user_message("ULENA", "CGENERAL", f"m{n}")["ts"], author="ULENA")
    assert len(env.kudos_rows()) == 5
    env.clock.travel_to(datetime(2026, 11, 16, 18, 31, tzinfo=UTC))
    react(env, "URAVI", env.slack.post_user_message("ULENA", "CGENERAL", "after midnight")["ts"], author="ULENA")
    assert len(env.kudos_rows()) == 6


def test_three_claps_on_one_message_make_one_post_updated_twice(env: Env) -> None:
    """The public post of a message is posted once, then updated (v2, v3) as more people clap."""
    ts = ravis_message(env)
    for giver in ("UMARIA", "ULENA", "UTOM"):
        react(env, giver, ts)
    rows = env.outbox("kudos-post:")
    assert [(m.method, m.dedupe_key.split(":")[-1]) for m in rows] == [
        ("chat.postMessage", rows[0].dedupe_key.split(":")[-1]), ("chat.update", "v2"), ("chat.update", "v3")]
    assert all(m.payload.get("update_of") == rows[0].dedupe_key for m in rows[1:])
    assert "<@UTOM>" in rows[-1].payload["text"]


def test_the_post_is_delivered_then_edited_in_place(env: Env) -> None:
    """In Slack, #kudos holds one message naming all three givers."""
    ts = ravis_message(env)
    for giver in ("UMARIA", "ULENA", "UTOM"):
        react(env, giver, ts)
    env.deliver()
    [post] = env.slack.messages("CKUDOS")
    assert all(f"<@{g}>" in post["text"] for g in ("UMARIA", "ULENA", "UTOM"))


def test_taking_back_the_last_kudos_deletes_the_post_and_a_new_clap_posts_again(env: Env) -> None:
    """When the only clap is removed the public post is deleted (no shaming notice); clapping again posts anew."""
    ts = ravis_message(env)
    react(env, "UMARIA", ts)
    react(env, "UMARIA", ts, added=False)
    react(env, "UMARIA", ts)
    rows = env.outbox("kudos-post:")
    assert [m.method for m in rows] == ["chat.postMessage", "chat.delete", "chat.postMessage"]
    assert rows[1].payload["update_of"] == rows[0].dedupe_key
    assert rows[2].dedupe_key != rows[0].dedupe_key
    assert "<@UMARIA>" in rows[2].payload["text"]
    assert all("taken back" not in m.payload["text"] for m in rows)


def test_taking_back_updates_the_receivers_dm_and_giving_again_restores_it(env: Env) -> None:
    """The receiver's DM says the kudos were taken back, in place; a new clap brings it back, never a second DM."""
    ts = ravis_message(env)
    react(env, "UMARIA", ts)
    react(env, "UMARIA", ts, added=False)
    rows = env.outbox("kudos-dm:")
    assert [m.method for m in rows] == ["chat.postMessage", "chat.update"]
    assert "took back" in rows[1].payload["text"]
    react(env, "UMARIA", ts)
    rows = env.outbox("kudos-dm:")
    assert [m.method for m in rows] == ["chat.postMessage", "chat.update", "chat.update"]
    assert "gave you kudos" in rows[2].payload["text"]


def test_no_post_without_a_kudos_channel(db_url: str) -> None:
    """Without OKRBOT_KUDOS_CHANNEL, kudos are DMed but not posted."""
    from tests.service.kudos.support import running_env

    with running_env(db_url) as env:
        react(env, "UMARIA", ravis_message(env))
        assert env.outbox("kudos-post:") == [] and len(env.outbox("kudos-dm:")) == 1


def test_claps_arriving_together_on_a_newcomers_message_all_count(env: Env) -> None:
    """Four people clap at the same moment on the first message of someone okrbot never saw: four kudos."""
    ts = env.slack.post_user_message("UPAT", "CGENERAL", "Hello, I'm new here")["ts"]
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda giver: react(env, giver, ts, author="UPAT"), ["UMARIA", "ULENA", "UTOM", "URAVI"]))
    assert done == [True] * 4
    assert sorted(k.giver_id for k in env.kudos_rows()) == ["ULENA", "UMARIA", "URAVI", "UTOM"]
    assert len(env.outbox("kudos-post:")) == 4
