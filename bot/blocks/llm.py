"""Block Kit of the optional language-model features: the buttons other builders add, the modals, and the
Home's small "Language model" privacy part.

Model text is never trusted: it is escaped (&, <, >) wherever it is shown as mrkdwn, so an answer cannot
forge a mention, a link or a channel ping; it is only ever shown to the person who asked.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bot.blocks.kit import (
    Block,
    actions,
    button,
    context,
    escape,
    header,
    input_block,
    modal,
    option,
    section,
    slack_date,
    static_select,
    text_input,
    truncate,
    user,
)
from bot.blocks.limits import (
    MAX_OPTION_TEXT,
)
from bot.ids import SharedAction
from bot.views.llm import MAX_ITEMS_TEXT, MAX_SUMMARY, LlmAction, LlmView

if TYPE_CHECKING:
    from bot.views.llm import ExchangeView, LlmNotice, PrepareDraft, Suggestions, SummaryDraft

PROMPT_CHUNK = 2800  # characters of the prompt per section in "What was sent" (Slack: 3000 per section)
PROMPT_BLOCKS = 40
DRAFT_NOTE = "Drafted by a language model from what you can read yourself. Check it before you use it."


# ---------------------------------------------------------------------------- buttons other builders add

def suggest_button(key_result_id: int) -> Block:
    """"Suggest next steps" beside an off-track key result."""
    return button("Suggest next steps", LlmAction.SUGGEST, str(key_result_id))


def draft_summary_button(one_on_one_id: int) -> Block:
    """"Draft summary" on the after-the-1-on-1 DM."""
    return button("Draft summary", LlmAction.DRAFT_SUMMARY, str(one_on_one_id))


def draft_prepare_button() -> Block:
    """"Draft what to raise" on the report's mid-month prepare DM."""
    return button("Draft what to raise", LlmAction.DRAFT_PREPARE)


def _sent_button(exchange_id: int) -> Block:
    return button("What was sent", LlmAction.WHAT_WAS_SENT, str(exchange_id))


# ---------------------------------------------------------------------------- modals

def thinking_modal(title: str, timeout: float) -> Block:
    """Shown at once after the click, while the model thinks (updated in place with the answer)."""
    return modal(title, [section(f":hourglass_flowing_sand: Asking the language model… (at most {timeout:g} s)"),
                         context("Nothing changes until you confirm.")],
                 callback_id=LlmView.INFO, submit=None, close="Close")


def failed_modal(title: str, message: str, exchange_id: int | None) -> Block:
    """The clear message of a timeout, a rate limit, a bad answer or a refusal."""
    blocks = [section(":warning: " + escape(message))]
    if exchange_id is not None:
        blocks.append(actions(_sent_button(exchange_id), block_id="llm.sent"))
    return modal(title, blocks, callback_id=LlmView.INFO, submit=None, close="Close")


def steps_modal(s: Suggestions) -> Block:
    """Three suggested steps; pick one and where it goes (the check-in's next step or a 1-on-1 task)."""
    steps = "\n".join(f"*{n}.* {escape(step)}" for n, step in enumerate(s.steps, start=1))
    blocks: list[Block] = [section(f"*Next steps for* _{escape(truncate(s.title, 200))}_"), section(steps)]
    destinations = []
    if s.can_check_in:
        destinations.append(option("My check-in's next step", "checkin"))
    if s.one_on_one_id is not None:
        destinations.append(option("A task in our next 1-on-1", "task"))
    if destinations:
        picks = [option(truncate(f"{n}. {step}", MAX_OPTION_TEXT), str(n - 1)) for n, step in
                 enumerate(s.steps, start=1)]
        blocks.append(input_block("Pick one", "llm.step", static_select("step", picks, initial="0")))
        blocks.append(input_block("Put it in", "llm.destination",
                                  static_select("destination", destinations, initial=destinations[0]["value"])))
    else:
        blocks.append(context(f"No open 1-on-1 between you and {user(s.owner_id)}: request one to add a step "
                              "as a task."))
    blocks += [context(DRAFT_NOTE), actions(_sent_button(s.exchange_id), block_id="llm.sent")]
    metadata = json.dumps({"kr": s.key_result_id, "o": s.one_on_one_id, "steps": list(s.steps)},
                          separators=(",", ":"))
    return modal("Suggested next steps", blocks, callback_id=LlmView.STEPS, submit="Use it" if destinations else None,
                 close="Close", private_metadata=metadata)


def step_added_modal(owner_id: str) -> Block:
    """After a step became a task."""
    return modal("Suggested next steps", [section(f":white_check_mark: Added as a task for {user(owner_id)} in "
                                                  "your next 1-on-1.")],
                 callback_id=LlmView.INFO, submit=None, close="Close")


def summary_draft_modal(d: SummaryDraft, viewer: str) -> Block:
    """The drafted summary and action items, editable; saved only on submit."""
    other = d.manager_id if viewer == d.requester_id else d.requester_id
    blocks: list[Block] = [
        section(f"A draft of your 1-on-1 with {user(other)}: edit it, then save."),
        input_block("Summary in one line", "summary", text_input("summary", initial=d.summary,
                                                                 max_length=MAX_SUMMARY)),
        input_block("Action items (one per line; each becomes a task)", "action_items",
                    text_input("action_items", multiline=True, initial="\n".join(d.action_items) or None,
                               max_length=MAX_ITEMS_TEXT), optional=True),
        input_block("Tasks go to", "assignee", static_select("assignee", [option("Me", viewer),
                                                                          option("The other participant", other)],
                                                             initial=viewer)),
        context(DRAFT_NOTE),
        actions(_sent_button(d.exchange_id), block_id="llm.sent"),
    ]
    return modal("Draft summary", blocks, callback_id=LlmView.SUMMARY, submit="Save",
                 private_metadata=json.dumps({"id": d.one_on_one_id}))


def summary_saved_modal(tasks: int) -> Block:
    """After the edited draft was saved."""
    added = f" and {tasks} task{'s' if tasks != 1 else ''}" if tasks else ""
    return modal("Draft summary", [section(f":white_check_mark: Summary saved{added}.")],
                 callback_id=LlmView.INFO, submit=None, close="Close")


def prepare_modal(d: PrepareDraft) -> Block:
    """A short draft of what to raise, to read and reword (nothing is stored or sent to anyone)."""
    points = "\n".join(f"• {escape(p)}" for p in d.points)
    blocks: list[Block] = [section("*What you could raise*\n" + points), context(DRAFT_NOTE)]
    buttons = [_sent_button(d.exchange_id)]
    if d.manager_id:
        buttons.insert(0, button("Request 1-on-1", SharedAction.REQUEST_ONE_ON_ONE, d.manager_id, style="primary"))
    blocks.append(actions(*buttons, block_id="llm.sent"))
    return modal("Draft what to raise", blocks, callback_id=LlmView.INFO, submit=None, close="Close")


def escaped_chunks(text: str, limit: int) -> list[str]:
    """`text` escaped and cut into pieces of at most `limit` characters, never inside an entity like &amp;."""
    chunks, current, size = [], [], 0
    for char in text:
        piece = escape(char)
        if size + len(piece) > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += len(piece)
    return [*chunks, "".join(current)] if current or not chunks else chunks


def sent_modal(e: ExchangeView) -> Block:
    """Exactly the prompt that was sent, for the person who asked."""
    chunks = escaped_chunks(e.prompt, PROMPT_CHUNK)
    blocks: list[Block] = [context(f"Sent to `{escape(e.host)}` {slack_date(e.created_at)} · answer: {e.outcome}. "
                                   "Only you can see this.")]
    blocks += [section("```" + chunk + "```") for chunk in chunks[:PROMPT_BLOCKS]]
    if len(chunks) > PROMPT_BLOCKS:
        blocks.append(context(f"…and {len(chunks) - PROMPT_BLOCKS} more parts"))
    return modal("What was sent", blocks, callback_id=LlmView.INFO, submit=None, close="Close")


# ---------------------------------------------------------------------------- the Home

def privacy_section(notice: LlmNotice) -> list[Block]:
    """The Home's "Language model" part: that a model is in use, where it runs, what it gets and never gets."""
    gets = "\n".join(f"• *{name.replace('_', ' ').capitalize()}*: {what}" for name, what in notice.gets)
    return [
        header("Privacy: language model"),
        section(f":robot_face: okrbot uses a language model (`{escape(notice.model)}`) running at "
                f"`{escape(notice.host)}` for *Suggest next steps*, *Draft summary* and *Draft what to raise*, "
                f"only when you click them. It gets only what you could read yourself:\n{gets}"),
        context(f"It never gets {notice.never}. Every answer has a *What was sent* button showing the exact prompt."),
    ]
