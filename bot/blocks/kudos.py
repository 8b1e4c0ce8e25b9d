"""Block Kit for kudos: the Give kudos form, confirmations, DMs, the public post, leaderboards, the Home section."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import TYPE_CHECKING

from bot.blocks.kit import (
    Block,
    context,
    escape,
    header,
    input_block,
    modal,
    option,
    plain,
    section,
    slack_date,
    static_select,
    text_input,
    truncate,
    user,
    within,
)
from bot.blocks.limits import (
    MAX_MESSAGE_BLOCKS,
)
from bot.views.kudos import CALLBACK, MAX_RECEIVERS, BlockId, KudosAction

if TYPE_CHECKING:
    from bot.views.kudos import (
        KudosForm,
        KudosHomeView,
        KudosLimit,
        KudosPostView,
        KudosSent,
        KudosUsage,
        KudosView,
        Leaderboard,
    )

MAX_NOTES = 10
MAX_NAMES = 10
MENTION = re.compile(r"(<@[UW][A-Z0-9]{1,30}>)")


# ---- text helpers ----------------------------------------------------------------------------------------
def rich(text: str) -> str:
    """User text escaped for mrkdwn, keeping `<@U…>` mentions (the only markup a kudos message keeps)."""
    return "".join(part if MENTION.fullmatch(part) else escape(part) for part in MENTION.split(text))


def quote(text: str, limit: int = 1500) -> str:
    """User text as a mrkdwn block quote."""
    return "\n".join("> " + line for line in rich(truncate(text, limit)).splitlines() or [""])


def link(url: str | None, label: str) -> str:
    """A mrkdwn link, or the bare label when there is no usable URL."""
    if not url or any(c in url for c in "<>| "):
        return label
    return f"<{url}|{label}>"


def people(user_ids: tuple[str, ...] | list[str], limit: int = MAX_NAMES) -> str:
    """'<@A>, <@B> and <@C>' (and 'N others' past `limit`)."""
    shown = [user(u) for u in user_ids[:limit]]
    more = len(user_ids) - len(shown)
    if more:
        shown.append(f"{more} other{'s' if more > 1 else ''}")
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def emoji(reaction: str) -> str:
    """`:clap:` for `clap`."""
    return f":{reaction}:" if reaction else ":tada:"


def _wait(resets_at: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((resets_at - now).total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours and rest else f"{hours} h" if hours else f"{rest} min"


# ---- /kudos help ---------------------------------------------------------------------------------------
def usage(view: KudosUsage) -> list[Block]:
    """The short help of /kudos (with what was wrong first, when a command was not understood)."""
    reactions = " ".join(emoji(r) for r in view.reactions) or "none"
    lines = [
        "*Give kudos*",
        "`/kudos @ravi @lena for shipping the onboarding revamp`: kudos to each person mentioned",
        "`/kudos @ravi #hiring for closing three roles`: tied to the objective tagged #hiring",
        "`/kudos`: open the form (people, message, objective)",
        "`/kudos top [month|quarter]`: the leaderboard",
        f"React with {reactions} to someone's message, or use the *Give kudos* message shortcut (it works in "
        "threads, where slash commands don't).",
    ]
    limit = (f"You can give {view.daily_limit} kudos a day (your local day)." if view.daily_limit
             else "Kudos are turned off in this workspace.")
    where = f" Kudos are posted in <#{view.channel}>." if view.channel else ""
    blocks = [section("\n".join(lines)), context(limit + where)]
    if view.problem:
        blocks.insert(0, section(f":warning: {view.problem}"))
    return blocks


def usage_text(view: KudosUsage) -> str:
    """Notification text of the help."""
    return view.problem or "How to give kudos"


# ---- giving --------------------------------------------------------------------------------------------
def sent_text(view: KudosSent) -> str:
    """One line saying what happened to the giver's kudos."""
    if not view.new_receivers:
        return f"You had already given these kudos to {people(list(view.receivers))}; nothing was sent twice."
    text = f":tada: Kudos sent to {people(list(view.new_receivers))}."
    already = [r for r in view.receivers if r not in view.new_receivers]
    if already:
        text += f" ({people(already)} had them already.)"
    if view.posted_in:
        text += f" They're posted in <#{view.posted_in}>."
    return text


def sent(view: KudosSent) -> list[Block]:
    """The ephemeral confirmation of /kudos."""
    blocks = [section(sent_text(view))]
    details = []
    if view.objective_title:
        details.append(f":dart: {escape(view.objective_title)}")
    if view.left_today is not None:
        details.append(f"Kudos left today: {view.left_today}")
    if details:
        blocks.append(context(" · ".join(details)))
    return blocks


def limit_text(info: KudosLimit, now: datetime, *, plain: bool = False) -> str:
    """Why a kudos did not count, and when the allowance resets (`plain`: no date token, for modal errors)."""
    if info.limit == 0:
        return "Kudos are turned off in this workspace."
    when = (f"at midnight your time, in {_wait(info.resets_at, now)}" if plain else
            f"{slack_date(info.resets_at, '{date_short_pretty} at {time}')} (midnight your time)")
    if info.used < info.limit:
        left = info.limit - info.used
        return (f"You can thank {left} more {'person' if left == 1 else 'people'} today and chose {info.wanted}. "
                f"Thank fewer people now, or the others after your allowance resets {when}.")
    if info.reaction and not plain:
        return (f"Your {emoji(info.reaction)} on {link(info.permalink, 'this message')} didn't count: you've given "
                f"your {info.limit} kudos for today. Your allowance resets {when}.")
    return f"You've given your {info.limit} kudos for today. Your allowance resets {when}."


def limit_reached(info: KudosLimit, now: datetime) -> list[Block]:
    """The DM telling a giver, once a day, that their reactions no longer count until their day ends."""
    return [section(limit_text(info, now))]


def received_text(view: KudosView) -> str:
    """Notification text of the kudos DM."""
    return f"{user(view.giver_id)} gave you kudos" + (f": {truncate(view.message, 150)}" if view.message else "")


def received_dm(view: KudosView) -> list[Block]:
    """The DM the receiver gets."""
    what = f" for {link(view.permalink, 'this message')}" if view.permalink else ""
    blocks = [section(f"{emoji(view.reaction)} {user(view.giver_id)} gave you kudos{what}!")]
    if view.message:
        blocks.append(section(quote(view.message)))
    if view.objective_title:
        blocks.append(context(f":dart: {escape(view.objective_title)}"))
    return blocks


def taken_back_text(giver_id: str) -> str:
    """Notification text of the receiver's DM once its kudos was taken back."""
    return f"{user(giver_id)} took back these kudos"


def taken_back_dm(giver_id: str) -> list[Block]:
    """The receiver's DM, in place, once the giver removed their reaction."""
    return [context(f"_{user(giver_id)} took back these kudos._")]


# ---- the public post -------------------------------------------------------------------------------------
def public_post_text(view: KudosPostView) -> str:
    """Notification text of the public post."""
    if not view.count:
        return "These kudos were taken back."
    return f"{people(list(view.receivers))} got kudos from {people(list(view.givers))}"


def public_post(view: KudosPostView) -> list[Block]:
    """The post in the kudos channel for one source: everyone thanked and who thanked them (updated in place)."""
    if not view.count:
        return [context("_These kudos were taken back._")]
    first = view.reactions[0] if view.reactions else ""
    what = f" for {link(view.permalink, 'this message')}" if view.permalink else ""
    blocks = [section(f"{emoji(first)} *{people(list(view.receivers))}* got kudos from "
                      f"{people(list(view.givers))}{what}")]
    single_giver = len(view.givers) == 1
    for giver, message in view.notes[:MAX_NOTES]:
        blocks.append(section(quote(message) + ("" if single_giver else f"\n— {user(giver)}")))
    if len(view.notes) > MAX_NOTES:
        blocks.append(context(f"…and {len(view.notes) - MAX_NOTES} more messages"))
    details = [f":dart: {escape(title)}" for title in view.objective_titles[:3]]
    if view.count > 1 and view.reactions:
        details.append(f"{view.count} kudos " + " ".join(emoji(r) for r in view.reactions[:5]))
    if details:
        blocks.append(context(" · ".join(details)))
    return blocks[:MAX_MESSAGE_BLOCKS]


# ---- leaderboard ---------------------------------------------------------------------------------------
def _board_lines(rows: tuple, empty: str) -> str:
    medals = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")
    lines = []
    for r in rows:
        rank = 1 + sum(1 for other in rows if other.count > r.count)  # ties share a rank (1, 1, 3)
        lines.append(f"{medals[rank - 1] if rank <= 3 else f'{rank}.'} {user(r.user_id)} · {r.count}")
    return "\n".join(lines) or empty


def leaderboard(view: Leaderboard) -> list[Block]:
    """/kudos top: most kudos received and given this month or quarter."""
    if not view.received:
        return [header(f"Kudos · {view.label}"),
                section("No kudos yet this " + view.period + ". Be the first: `/kudos @someone for …`")]
    return [
        header(f"Kudos · {view.label}"),
        section(f"Who received and gave the most kudos in {view.label}:",
                fields=[f"*Most thanked*\n{_board_lines(view.received, '—')}",
                        f"*Most thankful*\n{_board_lines(view.given, '—')}"]),
        context(f"You received {view.viewer_received} and gave {view.viewer_given} kudos this {view.period}. "
                f"{'`/kudos top quarter` for the quarter.' if view.period == 'month' else ''}".strip()),
    ]


# ---- the form ----------------------------------------------------------------------------------------------
def give_modal(form: KudosForm) -> Block:
    """The Give kudos form: people, message (optional when a message link is attached), objective."""
    people_select: Block = {"type": "multi_users_select", "action_id": KudosAction.RECEIVERS,
                            "placeholder": plain("Whom do you want to thank?", 150),
                            "max_selected_items": MAX_RECEIVERS}
    if form.receivers:
        people_select["initial_users"] = list(form.receivers)
    blocks: list[Block] = []
    if form.permalink:
        blocks.append(section(f":link: Kudos for {link(form.permalink, 'this message')}"))
    blocks.append(input_block("People", BlockId.RECEIVERS, people_select))
    blocks.extend(context(escape(note)) for note in form.notes)
    blocks.append(input_block("What for?", BlockId.MESSAGE,
                              text_input(KudosAction.MESSAGE, multiline=True, initial=form.message or None,
                                         placeholder="For shipping the onboarding revamp…"),
                              optional=bool(form.permalink)))
    if form.objectives:
        options = [option(choice.label, str(choice.id)) for choice in form.objectives]
        blocks.append(input_block("Objective", BlockId.OBJECTIVE,
                                  static_select(KudosAction.OBJECTIVE, options, placeholder="None"),
                                  optional=True, hint="Tie these kudos to an objective of this quarter."))
    return modal("Give kudos", blocks, callback_id=CALLBACK, submit="Send kudos", private_metadata=form.metadata)


def notice(message: str, title: str = "Give kudos") -> Block:
    """A modal that only explains why the form could not open (e.g. the shortcut on an unknown message)."""
    return modal(title, [section(rich(message))], callback_id=CALLBACK + ".notice", submit=None, close="OK")


def modal_done(view: KudosSent) -> Block:
    """What the form turns into once sent."""
    return modal("Give kudos", sent(view), callback_id=CALLBACK + ".done", submit=None, close="Done")


# ---- App Home --------------------------------------------------------------------------------------------
def home_section(view: KudosHomeView, max_blocks: int) -> list[Block]:
    """Kudos on the App Home: received this month (the latest few) and the month's leaderboard."""
    if max_blocks <= 0:
        return []
    blocks: list[Block] = [
        header(f"Kudos · {view.month_label}"),
        section(f"You received *{view.received_count}* kudos this month and gave *{view.given_count}*."
                + ("" if view.received_count else " Thank someone with `/kudos @name for …` or a "
                   f"{emoji('clap')} reaction.")),
    ]
    for kudos in view.received:
        what = f" {link(kudos.permalink, 'on this message')}" if kudos.permalink else ""
        message = f": “{rich(truncate(kudos.message, 200))}”" if kudos.message else ""
        blocks.append(context(f"{emoji(kudos.reaction)} from {user(kudos.giver_id)}{what}{message} · "
                              f"{slack_date(kudos.created_at, '{date_short}')}"))
    if view.board.received:
        blocks.append(section("*This month's leaderboard*",
                              fields=[f"*Most thanked*\n{_board_lines(view.board.received, '—')}",
                                      f"*Most thankful*\n{_board_lines(view.board.given, '—')}"]))
    return within(blocks, max_blocks, context("`/kudos top` shows the whole leaderboard."))
