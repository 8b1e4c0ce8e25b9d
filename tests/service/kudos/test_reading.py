"""Leaderboards, the Home section, the 1-on-1 agenda list and exports of kudos."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.models_kudos import Kudos
from tests.service.kudos.support import Env


def give(env: Env, giver: str, receiver: str, message: str = "thanks", *, trigger: str | None = None) -> None:
    """/kudos from giver to receiver (a fresh trigger each time)."""
    env.kudos.command(team_id=env.team, user_id=giver, channel_id="CGENERAL", text=f"<@{receiver}> {message}",
                      trigger_id=trigger or f"{giver}{receiver}{message}{env.clock().isoformat()}")


def arrange_month(env: Env) -> None:
    """October: Lena thanks Ravi once. November: Ravi ×3, Lena ×1; another workspace thanks Tom ×9."""
    env.clock.travel_to(datetime(2026, 10, 20, 9, tzinfo=UTC))
    give(env, "ULENA", "URAVI", "october")
    env.clock.travel_to(datetime(2026, 11, 16, 9, tzinfo=UTC))
    give(env, "UMARIA", "URAVI")
    give(env, "ULENA", "URAVI")
    give(env, "UTOM", "URAVI")
    give(env, "URAVI", "ULENA")
    with env.sessions.begin() as session:
        session.add_all([Kudos(team_id="T9999", giver_id=f"UX{n}", receiver_id="UTOM", source="command",
                               message_ts=f"x{n}", giver_local_day=date(2026, 11, 16),
                               created_at=datetime(2026, 11, 16, tzinfo=UTC)) for n in range(9)])


def test_the_month_leaderboard_counts_this_month_in_this_workspace(env: Env) -> None:
    """Ravi leads November with 3; October's kudos and another team's are not counted."""
    arrange_month(env)
    board = env.kudos.leaderboard(env.team, "UPAT", "month")
    assert [(r.user_id, r.count) for r in board.received] == [("URAVI", 3), ("ULENA", 1)]
    assert [(r.user_id, r.count) for r in board.given] == [("ULENA", 1), ("UMARIA", 1), ("URAVI", 1), ("UTOM", 1)]
    assert board.label == "November 2026"


def test_the_quarter_leaderboard_includes_october(env: Env) -> None:
    """Q4 holds October and November."""
    arrange_month(env)
    board = env.kudos.leaderboard(env.team, "UPAT", "quarter")
    assert board.received[0].user_id == "URAVI" and board.received[0].count == 4
    assert board.viewer_received == 0


def test_the_month_is_the_viewers_month(env: Env) -> None:
    """At 23:30 UTC on 31 October it is November in Berlin (00:30) and still October in New York."""
    env.clock.travel_to(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    give(env, "ULENA", "URAVI")
    assert env.kudos.leaderboard(env.team, "UMARIA", "month").label == "November 2026"
    assert env.kudos.leaderboard(env.team, "ULENA", "month").label == "October 2026"


def test_the_home_section_shows_what_the_viewer_received_this_month(env: Env) -> None:
    """Ravi's Home: 3 kudos this month, the latest first, and the month's board."""
    arrange_month(env)
    home = env.kudos.for_home(env.team, "URAVI")
    assert home.received_count == 3 and home.given_count == 1
    assert {k.giver_id for k in home.received} == {"UMARIA", "ULENA", "UTOM"}
    assert home.board.received[0].user_id == "URAVI"


def test_the_agenda_lists_kudos_received_in_the_period(env: Env) -> None:
    """for_agenda returns the receiver's kudos between two instants, newest first."""
    arrange_month(env)
    found = env.kudos.for_agenda(env.team, "URAVI", datetime(2026, 11, 1, tzinfo=UTC),
                                 datetime(2026, 12, 1, tzinfo=UTC))
    assert len(found) == 3 and all(k.receiver_id == "URAVI" for k in found)


def test_the_export_has_every_kudos_with_names(env: Env) -> None:
    """`okrbot export kudos` rows: giver, receiver (with names), message, source, local day."""
    give(env, "UMARIA", "URAVI", "for the launch")
    [row] = env.kudos.export()
    assert (row["giver_id"], row["giver_name"], row["receiver_id"], row["receiver_name"]) == \
        ("UMARIA", "maria", "URAVI", "ravi")
    assert (row["message"], row["source"], row["giver_local_day"]) == ("for the launch", "command", date(2026, 11, 16))


def test_the_export_since_a_date_leaves_older_kudos_out(env: Env) -> None:
    """--since 2026-11-01 drops October."""
    arrange_month(env)
    rows = [r for r in env.kudos.export(since=date(2026, 11, 1)) if r["team_id"] == env.team]
    assert len(rows) == 4 and {r["message"] for r in rows} == {"thanks"}
