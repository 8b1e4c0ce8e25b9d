"""`okrbot export kudos|feedback`: the command against the database filled through Slack."""

from __future__ import annotations

import csv
import io
import json

from tests.support.cli import cli_variables, invoke
from tests.support.reading import listeners_done
from tests.support.stack import Stack

TEXT = "Great demo; slow down on slide 3."


def okrbot(stack: Stack, *args: str) -> tuple[int, str, str]:
    """Run `okrbot args…` in-process on the stack's database; (exit code, stdout, stderr)."""
    result = invoke(cli_variables(stack.runtime), *args)
    return result.exit_code, result.stdout, result.stderr


def arrange(stack: Stack) -> None:
    """Maria thanks Ravi with /kudos; Pat sends Ravi feedback shared with his manager."""
    stack.send.command(stack.team_id, "UMARIA", "/kudos", "<@URAVI|ravi> for the launch", channel_id="CGENERAL",
                       response_url=stack.slack.new_response_url(channel="CGENERAL", user="UMARIA"))
    stack.send.command(stack.team_id, "UPAT", "/feedback", "give <@URAVI|ravi>", channel_id="CGENERAL",
                       response_url=stack.slack.new_response_url(channel="CGENERAL", user="UPAT"))
    stack.slack.wait_for("views.open")
    stack.send.submit(stack.team_id, "UPAT", stack.slack.open_views("UPAT")[-1],
                      {"feedback.text": TEXT, "feedback.visibility": "private+manager"})
    listeners_done(stack)


def test_feedback_export_leaves_texts_out_and_says_so(stack: Stack) -> None:
    """Without --include-private-text: a warning on stderr and rows without any text."""
    arrange(stack)
    code, out, err = okrbot(stack, "export", "feedback")
    assert code == 0 and "--include-private-text" in err
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert "text" not in row and TEXT not in out
    assert (row["giver_id"], row["receiver_id"], row["visibility"]) == ("UPAT", "URAVI", "private+manager")


def test_feedback_export_with_private_text_includes_it(stack: Stack) -> None:
    """--include-private-text puts the texts in, and the warning is gone."""
    arrange(stack)
    code, out, err = okrbot(stack, "export", "feedback", "--format", "json", "--include-private-text")
    assert code == 0 and "left out" not in err
    assert json.loads(out)[0]["text"] == TEXT


def test_kudos_export_as_csv(stack: Stack) -> None:
    """`okrbot export kudos`: one row per kudos with giver, receiver and message."""
    arrange(stack)
    code, out, _ = okrbot(stack, "export", "kudos")
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and (row["giver_id"], row["receiver_id"], row["message"]) == ("UMARIA", "URAVI", "for the launch")
