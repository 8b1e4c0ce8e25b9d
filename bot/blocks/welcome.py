"""The one welcome DM each person gets the first time they open okrbot: what it does, three things to try."""

from __future__ import annotations

from bot.blocks.kit import Block, context, section

WELCOME_TEXT = "Hi, I'm okrbot: OKRs, 1-on-1s and kudos, right here in Slack."


def welcome_dm() -> list[Block]:
    """What okrbot does, in three lines, and the three things to try first."""
    return [
        section(":wave: *Hi, I'm okrbot.* I help you and your manager keep your OKRs moving: a short check-in now "
                "and then, a 1-on-1 each month with a ready agenda, and thanks where people can see it."),
        section("*Three things to try*\n"
                "• `/okr checkin`: say where your key results are (a minute, once a week or so).\n"
                "• `/request-1on1 @your-manager a topic`: ask for a 1-on-1; they answer with one click.\n"
                "• React :clap: to a colleague's message (or `/kudos @name for …`): kudos, in public."),
        context("Your Home tab (at the top of this conversation) shows your OKRs, 1-on-1s, kudos and feedback. "
                "`/okr help` lists everything."),
    ]
