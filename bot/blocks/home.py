"""The App Home tab: my OKRs, other features' sections, my settings, and the leader view for managers.

Slack allows 100 blocks in a Home view. Each part has a block budget; long lists are summarised and
paginated with "Show more" buttons whose value is the HomeState of the next page, so the view stays
within 100 blocks for any team size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.blocks import feedback as feedback_blocks
from bot.blocks import kudos as kudos_blocks
from bot.blocks import llm as llm_blocks
from bot.blocks import one_on_ones as one_on_one_blocks
from bot.blocks import privacy as privacy_blocks
from bot.blocks import review as review_blocks
from bot.blocks.kit import (
    STATUS_EMOJI,
    STATUS_LABEL,
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    plain,
    section,
    slack_date,
    truncate,
    user,
    within,
)
from bot.blocks.limits import (
    MAX_VIEW_BLOCKS,
)
from bot.blocks.okrs import last_checkin
from bot.ids import SharedAction
from bot.views.home import (
    ITEMS_IN_A_LIST,
    NAMES_IN_A_LINE,
    OBSTACLES_PAGE,
    PEOPLE_PAGE,
    SCHEDULE_BUTTONS,
    HomeAction,
    HomeView,
    LeaderView,
    Obstacle,
    PersonStatus,
)
from bot.views.okrs import OkrAction

OKRS_PAGE = 5
PEOPLE_PER_BLOCK = 10
# Blocks each other feature may use (their home_section(view, max_blocks) must respect it).
SECTION_BUDGETS = {"review": 12, "one_on_ones": 16, "kudos": 8, "feedback": 8, "privacy": 4}
SECTION_BUILDERS: dict[str, Callable[[Any, int], list[Block]]] = {
    "one_on_ones": one_on_one_blocks.home_section, "kudos": kudos_blocks.home_section,
    "feedback": feedback_blocks.home_section, "privacy": privacy_blocks.home_section,
    "review": review_blocks.home_section}


def home_view(view: HomeView) -> Block:
    """The Home tab view of one person (≤ 100 blocks)."""
    top = _top(view)
    okrs = _my_okrs(view)
    settings = _settings(view) + (llm_blocks.privacy_section(view.llm) if view.llm else [])
    others: list[Block] = []
    for part in view.sections:
        others += _other_section(part.name, part.view, SECTION_BUDGETS.get(part.name, 6))
    used = len(top) + len(okrs) + len(settings) + len(others)
    leader = _leader(view, view.leader, MAX_VIEW_BLOCKS - used) if view.leader else []
    blocks = [*top, *okrs, *leader, *others, *settings]
    return {"type": "home", "blocks": within(blocks, MAX_VIEW_BLOCKS), "private_metadata": view.state.encode()}


def _top(view: HomeView) -> list[Block]:
    blocks: list[Block] = []
    if view.notice:
        blocks.append(section(":warning: " + escape(view.notice)))
    blocks.append(actions(
        button("Check in", SharedAction.CHECK_IN, "", style="primary"),
        button("New objective", OkrAction.NEW_OPEN),
        button("Give kudos", SharedAction.GIVE_KUDOS),
        button("Give feedback", SharedAction.GIVE_FEEDBACK),
        button("Refresh", HomeAction.REFRESH, view.state.encode()),
        block_id="home.actions"))
    return blocks


def _pager(view: HomeView, name: str, total: int, page_size: int) -> list[Block]:
    """"Show more" / "Back to the top" for list `name` when it has more than one page."""
    page = view.state.page(name)
    if total <= page_size:
        return []
    shown_to = min(total, (page + 1) * page_size)
    buttons = []
    if shown_to < total:
        buttons.append(button(f"Show more ({total - shown_to} left)", HomeAction.MORE,
                              view.state.with_page(name, page + 1).encode()))
    if page:
        buttons.append(button("Back to the top", HomeAction.TOP, view.state.with_page(name, 0).encode()))
    return [context(f"{page * page_size + 1}–{shown_to} of {total}"), actions(*buttons, block_id=f"home.pager.{name}")]


def _page(items: tuple[Any, ...], view: HomeView, name: str, size: int) -> tuple[Any, ...]:
    page = view.state.page(name)
    if page * size >= len(items):
        page = max(0, (len(items) - 1) // size)
    return items[page * size:(page + 1) * size]


# --------------------------------------------------------------------------- my OKRs

def _objective_text(objective: Any) -> str:
    lines = [f"*{escape(truncate(objective.title, 200))}*"]
    for kr in objective.key_results:
        lines.append(f"{STATUS_EMOJI[kr.status]} {STATUS_LABEL[kr.status]}: {escape(truncate(kr.title, 120))} — "
                     f"{round(kr.progress * 100)}%")
    if not objective.key_results:
        lines.append("_No key results yet._")
    lines.append(last_checkin(objective))
    return "\n".join(lines)


def _my_okrs(view: HomeView) -> list[Block]:
    blocks: list[Block] = [header(f"Your OKRs · {view.quarter}")]
    if view.away_until:
        blocks.append(context(f":palm_tree: You're away until {view.away_until.isoformat()}."))
    if not view.objectives:
        blocks.append(section(f"You have no objectives for {view.quarter} yet.",
                              accessory=button("New objective", OkrAction.NEW_OPEN, style="primary")))
        return blocks
    for objective in _page(view.objectives, view, "okrs", OKRS_PAGE):
        blocks.append(section(_objective_text(objective),
                              accessory=button("Check in", SharedAction.CHECK_IN, str(objective.id))))
        thread = view.threads.get(objective.id)
        if thread is not None:
            replies = f"{thread.replies} repl{'y' if thread.replies == 1 else 'ies'} in its thread"
            blocks.append(context(f":speech_balloon: {replies}, latest from {user(thread.latest_user)}: "
                                  f"“{escape(truncate(' '.join(thread.latest_text.split()), 200))}”"))
    return blocks + _pager(view, "okrs", len(view.objectives), OKRS_PAGE)


# --------------------------------------------------------------------------- other features

def _other_section(name: str, section_view: Any, budget: int) -> list[Block]:
    build = SECTION_BUILDERS.get(name)
    if build is None or section_view is None:
        return []
    return [divider(), *within(list(build(section_view, budget - 1)), budget - 1)]


# --------------------------------------------------------------------------- me

def _settings(view: HomeView) -> list[Block]:
    if view.manager_id:
        manager = f"*Your manager:* {user(view.manager_id)}"
    elif view.leader is not None:  # reports and no manager: the top of the tree, nothing is missing
        manager = "*Your manager:* none: people report to you. If you report to someone too, choose them here."
    else:
        manager = "*Your manager:* not set yet. Choose who you report to, so 1-on-1s and nudges reach them."
    picker: Block = {"type": "users_select", "action_id": HomeAction.MANAGER,
                     "placeholder": plain("Choose your manager", 150)}
    if view.manager_id:
        picker["initial_user"] = view.manager_id
    if view.away_until:
        away = section(f":palm_tree: *Away until {view.away_until.isoformat()}*: no nudges or reminders about you.",
                       accessory=button("I'm back", HomeAction.BACK), block_id="home.away")
    else:
        away = section("*Going away?* Pick your last day off: nudges and reminders about you pause until then.",
                       accessory={"type": "datepicker", "action_id": HomeAction.AWAY,
                                  "placeholder": plain("Away until…", 150)}, block_id="home.away")
    return [divider(), section(manager, accessory=picker, block_id="home.manager"), away]


# --------------------------------------------------------------------------- the leader view

def _leader(view: HomeView, leader: LeaderView, budget: int) -> list[Block]:
    scope = "your whole reporting tree" if leader.tree else "your direct reports"
    count = f"{len(leader.people)} {'person' if len(leader.people) == 1 else 'people'}"
    intro = section(f"*Your team* — {count} in {scope}",
                    accessory=button("Direct reports only" if leader.tree else "Whole reporting tree",
                                     HomeAction.TREE, view.state.toggled().encode())
                    if leader.tree or leader.has_sub_managers else None, block_id="home.team")
    blocks: list[Block] = [divider(), header("Leader view"), intro]
    blocks += _where_are_we(view, leader)
    blocks += _obstacles(view, leader)
    blocks += _next(view, leader)
    return within(blocks, max(3, budget), context("…more below the limit of the Home tab; use the lists' pages."))


def _krs(count: int) -> str:
    return f"{count} key result{'' if count == 1 else 's'}"


def _person_line(person: PersonStatus, tree: bool) -> str:
    if not person.key_results:
        counts = "_no key results this quarter_"
    else:
        counts = (f"{_krs(person.ahead + person.on_track + person.off_track)}: {STATUS_EMOJI['ahead']} {person.ahead}"
                  f" ahead, {STATUS_EMOJI['on_track']} {person.on_track} on track, {STATUS_EMOJI['off_track']} "
                  f"{person.off_track} off track")
    nested = tree and person.depth > 1 and person.manager_id
    reports_to = f"  _(reports to {user(person.manager_id or '')})_" if nested else ""
    return f"{user(person.user_id)} — {counts}{reports_to}"


def _where_are_we(view: HomeView, leader: LeaderView) -> list[Block]:
    ahead, on_track, off_track = leader.totals
    blocks: list[Block] = [section(
        f"*Where are we?*  {_krs(ahead + on_track + off_track)} this quarter: {STATUS_EMOJI['ahead']} {ahead} ahead"
        f"  ·  {STATUS_EMOJI['on_track']} {on_track} on track  ·  {STATUS_EMOJI['off_track']} {off_track} off track",
        block_id="home.where")]
    page = _page(leader.people, view, "people", PEOPLE_PAGE)
    for start in range(0, len(page), PEOPLE_PER_BLOCK):
        lines = [_person_line(p, leader.tree) for p in page[start:start + PEOPLE_PER_BLOCK]]
        blocks.append(section("\n".join(lines)))
    return blocks + _pager(view, "people", len(leader.people), PEOPLE_PAGE)


def _obstacle_text(obstacle: Obstacle) -> str:
    title = escape(truncate(obstacle.key_result_title, 150))
    text = (f"{STATUS_EMOJI['off_track']} {user(obstacle.owner_id)} · *{title}* ({round(obstacle.progress * 100)}%)"
            f" — _{escape(truncate(obstacle.objective_title, 150))}_")
    if obstacle.obstacle:
        text += "\n> " + escape(truncate(" ".join(obstacle.obstacle.split()), 400))
        text += f"\n_Obstacle reported {slack_date(obstacle.since, '{date_short_pretty}')}_"
    else:
        text += f"\n_No obstacle given · last update {slack_date(obstacle.since, '{date_short_pretty}')}_"
    return text


def _obstacles(view: HomeView, leader: LeaderView) -> list[Block]:
    if not leader.obstacles:
        return [section("*Where are the obstacles?*  None: no key result is off track. :tada:",
                        block_id="home.obstacles")]
    blocks: list[Block] = [section(f"*Where are the obstacles?*  {_krs(len(leader.obstacles))} off track, "
                                   "oldest first", block_id="home.obstacles")]
    blocks += [section(_obstacle_text(o), accessory=llm_blocks.suggest_button(o.key_result_id) if view.llm else None)
               for o in _page(leader.obstacles, view, "obstacles", OBSTACLES_PAGE)]
    return blocks + _pager(view, "obstacles", len(leader.obstacles), OBSTACLES_PAGE)


def _names(user_ids: Sequence[str], limit: int = NAMES_IN_A_LINE) -> str:
    shown = ", ".join(user(u) for u in user_ids[:limit])
    return shown + (f" and {len(user_ids) - limit} more" if len(user_ids) > limit else "")


def _list(title: str, lines: list[str], total: int) -> Block:
    more = total - len(lines)
    return section(f"{title} ({total})\n" + "\n".join(lines) + (f"\n…and {more} more" if more > 0 else ""))


def _last(moment: Any) -> str:
    return "never" if moment is None else "last " + slack_date(moment, "{date_short}")


def _next(view: HomeView, leader: LeaderView) -> list[Block]:
    me = view.viewer.user_id
    blocks: list[Block] = [section("*What should I do next?*", block_id="home.next")]
    if leader.overdue:
        direct = [o for o in leader.overdue if o.manager_id == me][:SCHEDULE_BUTTONS]
        blocks.append(section(f":calendar: *No 1-on-1 in 30 days* ({len(leader.overdue)})"))
        blocks += [section(f"{user(o.user_id)} ({_last(o.last_at)})",
                           accessory=button("Schedule", SharedAction.SCHEDULE_ONE_ON_ONE, o.user_id)) for o in direct]
        rest = [o for o in leader.overdue if o not in direct]
        if rest:
            items = [f"{user(o.user_id)} ({_last(o.last_at)})" for o in rest[:NAMES_IN_A_LINE]]
            more = len(leader.overdue) - len(direct) - len(items)  # the lists may be pages (leader_sql.Page)
            blocks.append(context(("Also: " if direct else "") + ", ".join(items)
                                  + (f" and {more} more" if more > 0 else "")))
    if leader.requests:
        lines = [f"{user(r.requester_id)} asked {'you' if r.manager_id == me else user(r.manager_id)} "
                 f"{slack_date(r.requested_at, '{date_short_pretty}')}" for r in leader.requests[:ITEMS_IN_A_LIST]]
        blocks.append(_list(":hourglass: *Unanswered 1-on-1 requests*", lines, len(leader.requests)))
    if leader.stale_feedback:
        lines = [f"{user(f.giver_id)} owes {user(f.requester_id)} feedback since "
                 f"{slack_date(f.created_at, '{date_short_pretty}')}" for f in leader.stale_feedback[:ITEMS_IN_A_LIST]]
        blocks.append(_list(":speech_balloon: *Feedback requests waiting over 7 days*", lines,
                            len(leader.stale_feedback)))
    if leader.no_kudos:
        blocks.append(section(f":clap: *No kudos in 30 days* ({len(leader.no_kudos)}): {_names(leader.no_kudos)}",
                              accessory=button("Give kudos", SharedAction.GIVE_KUDOS, leader.no_kudos[0])))
    if len(blocks) == 1:
        blocks.append(context(":white_check_mark: Nothing needs you right now."))
    return blocks
