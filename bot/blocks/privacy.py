"""Block Kit for the Home's "Privacy" section: who can read what of yours, and who read what about you."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.kit import Block, context, escape, header, section, user, within

if TYPE_CHECKING:
    from bot.views.privacy import PrivacyHomeView, ReadingEntryView

KIND_WORDS = {"feedback": "feedback", "note": "shared note", "summary": "1-on-1 summary", "review": "quarter review"}
VIA_WORDS = {"home": "in their Home", "export": "in an export", "people-export": "in an export of your data",
             "review": "opening your review", "review-1on1": "in the review 1-on-1's agenda"}


def home_section(view: PrivacyHomeView, max_blocks: int) -> list[Block]:
    """The Privacy section (at most 4 blocks): the reading rules, then the newest reads of texts about the viewer."""
    if max_blocks <= 0:
        return []
    rules = "\n".join(f"• *{what}*: {who}" for what, who in view.who_reads)
    if view.retention_months:
        rules += f"\n_Private notes are deleted {view.retention_months} months after they were written._"
    blocks = [header("Privacy"), section("*Who can read what of yours*\n" + rules)]
    if view.entries:
        more = view.total - len(view.entries)
        blocks.append(section("*Who read what about you*\n" + "\n".join(f"• {reading_line(e)}" for e in view.entries)
                              + (f"\n_…and {more} earlier._" if more > 0 else "")))
    else:
        blocks.append(context("Nobody else has read feedback or notes about you through okrbot."))
    return within(blocks, max_blocks)


def reading_line(entry: ReadingEntryView) -> str:
    """"<@Maria> read <@Lena>'s feedback about you on Dec 3 (in their Home)"."""
    reader = user(entry.reader_id) if entry.reader_id else f"{escape(entry.reader_name)} (an operator)"
    day = f"{entry.read_on:%b} {entry.read_on.day}"
    if entry.kind == "all":
        return f"{reader} exported everything okrbot holds about you on {day}"
    verb = "exported" if entry.via in ("export", "people-export") else "read"
    kind = KIND_WORDS.get(entry.kind, entry.kind)
    what = f"your {kind}" if entry.author_id in ("", entry.subject_id) else \
        f"{user(entry.author_id)}'s {kind} about you"
    return f"{reader} {verb} {what} on {day} ({VIA_WORDS.get(entry.via, entry.via)})"
