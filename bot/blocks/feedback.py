"""Block Kit for feedback: requests, the Give feedback form, the feedback DM, the Home section."""

from __future__ import annotations

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
    plain,
    section,
    slack_date,
    static_select,
    text_input,
    truncate,
    user,
    within,
)
from bot.blocks.kudos import people, quote, rich
from bot.ids import SharedAction
from bot.views.feedback import CALLBACK, PRIVATE, WITH_MANAGER, BlockId, FeedbackAction

if TYPE_CHECKING:
    from bot.views.feedback import (
        FeedbackForm,
        FeedbackGiven,
        FeedbackHomeView,
        FeedbackRequested,
        FeedbackRequestView,
        FeedbackUsage,
        FeedbackView,
    )


def _when(view: FeedbackRequestView) -> str:
    return slack_date(view.created_at, "{date_short_pretty}")


def _about(about: str, objective_title: str | None) -> str:
    parts = []
    if about:
        parts.append(f"about “{escape(truncate(about, 300))}”")
    if objective_title:
        parts.append(f"(objective :dart: {escape(objective_title)})")
    return (" " + " ".join(parts)) if parts else ""


# ---- /feedback help ----------------------------------------------------------------------------------------
def usage(view: FeedbackUsage) -> list[Block]:
    """The short help of /feedback."""
    lines = [
        "*Feedback*",
        "`/feedback request @maria about the Q4 launch`: ask for feedback (add `#tag` to name your objective)",
        "`/feedback give @ravi`: write feedback (or press *Give feedback* on a request)",
    ]
    blocks = [section("\n".join(lines)),
              context("Feedback is private: only its recipient reads it, and their manager only if you choose so. "
                      "Nobody else, admins included. Unanswered requests are reminded once after 7 days.")]
    if view.problem:
        blocks.insert(0, section(f":warning: {view.problem}"))
    return blocks


def usage_text(view: FeedbackUsage) -> str:
    """Notification text of the help."""
    return view.problem or "How to request and give feedback"


# ---- requests ----------------------------------------------------------------------------------------------
def request_sent_text(view: FeedbackRequested) -> str:
    """What the requester reads after /feedback request."""
    lines = []
    if view.requests:
        first = view.requests[0]
        lines.append(f":white_check_mark: Asked {people([r.giver_id for r in view.requests])} for feedback"
                     f"{_about(first.about, first.objective_title)}. They get a DM with a *Give feedback* button; "
                     "if they haven't answered in 7 days, I'll remind them once.")
    for earlier in view.already_pending:
        lines.append(f"You already asked {user(earlier.giver_id)} on {_when(earlier)}; still waiting for their "
                     "answer.")
    return "\n".join(lines)


def request_sent(view: FeedbackRequested) -> list[Block]:
    """The ephemeral confirmation of /feedback request."""
    return [section(request_sent_text(view))]


def request_text(view: FeedbackRequestView, *, reminder: bool = False) -> str:
    """Notification text of a request (or its reminder)."""
    return f"{'Reminder: ' if reminder else ''}{user(view.requester_id)} asked you for feedback"


def request_dm(view: FeedbackRequestView, *, reminder: bool = False) -> list[Block]:
    """The DM asking someone for feedback, with its Give feedback button."""
    lead = (f":alarm_clock: Reminder: {user(view.requester_id)} asked you for feedback on {_when(view)}"
            if reminder else f":wave: {user(view.requester_id)} asked you for feedback")
    return [
        section(lead + _about(view.about, view.objective_title) + "."),
        actions(button("Give feedback", SharedAction.GIVE_FEEDBACK, str(view.id), style="primary")),
        context(f"Only {user(view.requester_id)} will read it (and their manager, if you choose so)."),
    ]


def request_answered_text(view: FeedbackRequestView) -> str:
    """Notification text of an answered request."""
    return f"You gave {user(view.requester_id)} feedback"


def request_answered(view: FeedbackRequestView) -> list[Block]:
    """The request DM once answered (its button gone)."""
    return [section(f":white_check_mark: You gave {user(view.requester_id)} the feedback they asked for"
                    f"{_about(view.about, view.objective_title)}. Thank you!")]


# ---- the form ----------------------------------------------------------------------------------------------
def give_modal(form: FeedbackForm) -> Block:
    """The Give feedback form: for whom (fixed for a request), about what, the text, and who may read it."""
    blocks: list[Block] = [section(f":warning: {rich(form.problem)}")] if form.problem else []
    if form.request is not None:
        blocks.append(section(f"{user(form.request.requester_id)} asked you for feedback"
                              f"{_about(form.request.about, form.request.objective_title)}."))
    else:
        picker: Block = {"type": "users_select", "action_id": FeedbackAction.RECEIVER,
                         "placeholder": plain("Whom is it for?", 150)}
        if form.receiver_id:
            picker["initial_user"] = form.receiver_id
        blocks.append(input_block("For", BlockId.RECEIVER, picker, dispatch_action=True))
    if form.choices:
        options = [option(choice.label, choice.value) for choice in form.choices]
        blocks.append(input_block("About", BlockId.ABOUT, static_select(FeedbackAction.ABOUT, options,
                                                                        initial=form.initial_about,
                                                                        placeholder="An objective or a 1-on-1"),
                                  optional=True))
    blocks.append(input_block("Feedback", BlockId.TEXT,
                              text_input(FeedbackAction.TEXT, multiline=True, initial=form.text or None,
                                         placeholder="What went well, what could be better…")))
    name = form.receiver_name or "them"
    manager = f" ({form.manager_name})" if form.manager_name else (" (none set yet)" if form.receiver_id else "")
    choices = [option(f"Only {name}", PRIVATE), option(f"{name[:1].upper()}{name[1:]} and their manager{manager}",
                                                       WITH_MANAGER)]
    blocks.append(input_block("Who may read it", BlockId.VISIBILITY,
                              {"type": "radio_buttons", "action_id": FeedbackAction.VISIBILITY, "options": choices,
                               "initial_option": choices[0]}))
    blocks.append(context("Nobody else, admins included, can read it in Slack."))
    return modal("Give feedback", blocks, callback_id=CALLBACK, submit="Send", private_metadata=form.metadata)


def notice(message: str) -> Block:
    """A modal that only explains why the form could not open (e.g. a request already answered)."""
    return modal("Give feedback", [section(rich(message))], callback_id=CALLBACK + ".notice", submit=None,
                 close="OK")


def given_text(view: FeedbackGiven) -> str:
    """What the giver reads once feedback is sent."""
    readers = (f"{user(view.receiver_id)} and their manager {user(view.manager_id)} can read it"
               if view.manager_id else f"Only {user(view.receiver_id)} can read it"
               if view.visibility == PRIVATE else f"{user(view.receiver_id)} and their manager can read it")
    return f":white_check_mark: Feedback sent to {user(view.receiver_id)}. {readers}."


def given_done(view: FeedbackGiven) -> Block:
    """What the form turns into once sent."""
    return modal("Give feedback", [section(given_text(view))], callback_id=CALLBACK + ".done", submit=None,
                 close="Done")


# ---- the feedback itself -----------------------------------------------------------------------------------
def feedback_text(view: FeedbackView) -> str:
    """Notification text of a feedback DM (no text: it may show on a lock screen)."""
    return f"{user(view.giver_id)} sent you feedback"


def _readers(view: FeedbackView) -> str:
    if view.visibility == WITH_MANAGER:
        return (f"You and your manager {user(view.manager_id)} can read this." if view.manager_id else
                "You and your manager (once one is set) can read this.")
    return "Only you can read this: not your manager, not admins."


def feedback_dm(view: FeedbackView) -> list[Block]:
    """The DM delivering feedback to its recipient."""
    about = f" about *{escape(view.about)}*" if view.about else ""
    return [section(f":speech_balloon: {user(view.giver_id)} sent you feedback{about}"),
            section(quote(view.text, 2900)),
            context(_readers(view))]


def manager_copy_text(view: FeedbackView) -> str:
    """Notification text of the manager's copy (no text: it may show on a lock screen)."""
    return f"{user(view.giver_id)} shared feedback for {user(view.receiver_id)} with you"


def manager_copy_dm(view: FeedbackView) -> list[Block]:
    """The DM to the recipient's manager when the giver chose "… and their manager"."""
    about = f" about *{escape(view.about)}*" if view.about else ""
    return [section(f":speech_balloon: {user(view.giver_id)} sent {user(view.receiver_id)} feedback{about} and "
                    "shared it with you, their manager:"),
            section(quote(view.text, 2900)),
            context(f"Only {user(view.receiver_id)} and you can read this: not admins, not anyone else.")]


# ---- App Home ------------------------------------------------------------------------------------------------
MAX_HOME_REQUESTS = 3


def _feedback_lines(items: tuple[FeedbackView, ...], *, for_whom: bool) -> str:
    parts = []
    for item in items:
        who = f"For {user(item.receiver_id)}, from " if for_whom else "from "
        about = f" · {escape(truncate(item.about, 80))}" if item.about else ""
        parts.append(f"{quote(item.text, 400)}\n— {who}{user(item.giver_id)}{about} · "
                     f"{slack_date(item.created_at, '{date_short}')}")
    return "\n\n".join(parts)


def home_section(view: FeedbackHomeView, max_blocks: int) -> list[Block]:
    """Feedback on the App Home: requests to answer, feedback received, feedback shared about one's reports.

    Requests to answer get the room the other parts leave (at most three, each with its button).
    """
    if max_blocks <= 0:
        return []
    tail: list[Block] = []
    if view.received:
        more = view.received_count - len(view.received)
        tail.append(section(f"*Feedback for you* ({view.received_count})\n"
                            + _feedback_lines(view.received, for_whom=False)
                            + (f"\n_…and {more} earlier._" if more > 0 else "")))
    if view.about_reports:
        tail.append(section("*About your reports* (shared with you by whoever wrote it)\n"
                            + _feedback_lines(view.about_reports, for_whom=True)))
    if view.waiting_on:
        tail.append(context(f"You asked {people([r.giver_id for r in view.waiting_on])} for feedback; "
                            "waiting for their answer."))
    waiting = f" · {view.to_answer_count} asked of you" if view.to_answer_count else ""
    room = max(1, min(MAX_HOME_REQUESTS, max_blocks - 1 - len(tail)))
    requests = [section(f"{user(r.requester_id)} asked you for feedback on {_when(r)}"
                        f"{_about(r.about, r.objective_title)}",
                        accessory=button("Give feedback", SharedAction.GIVE_FEEDBACK, str(r.id), style="primary"))
                for r in view.to_answer[:room]]
    blocks = [header(f"Feedback{waiting}"), *requests, *tail]
    if len(blocks) == 1:
        blocks.append(context("No feedback yet. Ask a colleague with `/feedback request @name`."))
    return within(blocks, max_blocks, context("…and more."))
