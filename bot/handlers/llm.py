"""Slack listeners of the language-model features: Suggest next steps, Draft summary, Draft what to raise,
What was sent, and the two modals' submissions.

The model is never called on the ack path: each listener acks, opens (or pushes) a "thinking" modal with the
click's trigger_id at once, then hands the model call to the LLM service's own small pool (Bolt's listener
pool stays free for acks) which replaces that modal with views.update, guarded by the view's hash (a person
who moved on in the meantime is left alone).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import llm as blocks
from bot.blocks.okrs import checkin_form
from bot.handlers.reading import (
    form_values,
    id_in,
    id_in_metadata,
    in_modal,
    list_of,
    metadata_of,
    optional_id_in,
    team_of,
    text_of,
    trigger_of,
    user_of,
)
from bot.services import Services, UserFacingError
from bot.services.llm.service import BUSY, LlmFailed
from bot.views.llm import LlmAction, LlmView

log = logging.getLogger("okrbot.llm")


def _open_thinking(client: WebClient, body: dict[str, Any], title: str, timeout: float) -> tuple[str, str] | None:
    """Open the thinking modal (pushed when the click came from a modal); its (view id, hash)."""
    view = blocks.thinking_modal(title, timeout)
    if in_modal(body):
        answer = client.views_push(trigger_id=trigger_of(body), view=view)
    else:
        answer = client.views_open(trigger_id=trigger_of(body), view=view)
    opened = answer.get("view") or {}
    return (opened["id"], opened.get("hash", "")) if opened.get("id") else None


def _answer(client: WebClient, opened: tuple[str, str] | None, view: dict[str, Any]) -> None:
    """Replace the thinking modal with the answer, unless the person closed or changed it meanwhile."""
    if opened is None:
        return
    view_id, view_hash = opened
    try:
        client.views_update(view_id=view_id, hash=view_hash or None, view=view)
    except SlackApiError as error:
        log.info("llm answer not shown: views.update said %s", error.response.get("error"))
    except OSError as error:  # Slack unreachable: the person sees the thinking modal and may try again
        log.warning("llm answer not shown: Slack unreachable (%s)", type(error).__name__)


def _ask_and_show(client: WebClient, body: dict[str, Any], services: Services, title: str, ask: Any,
                  render: Any) -> None:
    """The shared shape: thinking modal now, then the model on the LLM pool (never Bolt's), then the answer."""
    opened = _open_thinking(client, body, title, services.ctx.settings.llm_timeout)

    def finish() -> None:
        try:
            view = render(ask())
        except LlmFailed as error:
            view = blocks.failed_modal(title, error.message, error.exchange_id)
        except UserFacingError as error:
            view = blocks.failed_modal(title, error.message, None)
        except Exception:
            reference = uuid.uuid4().hex[:8]
            log.exception("unhandled error (ref %s) in %s", reference, title)
            view = blocks.failed_modal(title, f"Sorry, something went wrong on our side (reference `{reference}`).",
                                       None)
        _answer(client, opened, view)

    if not services.llm.run_later(finish):
        _answer(client, opened, blocks.failed_modal(title, BUSY, None))


def handle_suggest(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                   services: Services) -> None:
    """Suggest next steps (value: key result id): three steps from the model, in a modal."""
    ack()
    team_id, actor, kr_id = team_of(body), user_of(body), id_in(text_of(action, "value"))
    _ask_and_show(client, body, services, "Suggested next steps",
                  lambda: services.llm.suggest_steps(team_id=team_id, actor=actor, key_result_id=kr_id),
                  blocks.steps_modal)


def handle_steps_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """Use it: the picked step becomes a 1-on-1 task, or fills the check-in form (saved when that is submitted)."""
    team_id, actor = team_of(body), user_of(body)
    metadata, values = metadata_of(view), form_values(view)
    kr_id = id_in_metadata(view, "kr")
    steps = [step for step in list_of(metadata, "steps") if isinstance(step, str)]
    index = str(values.get("llm.step") or "")
    if not index.isdigit() or int(index) >= len(steps):
        raise UserFacingError("Pick one of the steps first.", field="llm.step")
    step, destination = steps[int(index)], str(values.get("llm.destination") or "")
    try:
        result = services.llm.use_step(team_id=team_id, actor=actor, key_result_id=kr_id,
                                       step=step, destination=destination,
                                       one_on_one_id=optional_id_in(metadata.get("o")))
    except UserFacingError as error:
        raise UserFacingError(error.message, field="llm.destination") from None
    if destination == "checkin":
        objective = result.objectives[0]  # type: ignore[attr-defined]
        ack(response_action="update", view=checkin_form(objective, suggest=services.llm.enabled,
                                                        next_steps={kr_id: step}))
    else:
        ack(response_action="update", view=blocks.step_added_modal(result.assignee_id))  # type: ignore[attr-defined]


def handle_draft_summary(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """Draft summary (value: 1-on-1 id): a proposed summary and action items, to edit before saving."""
    ack()
    team_id, actor, one_on_one_id = team_of(body), user_of(body), id_in(text_of(action, "value"))
    _ask_and_show(client, body, services, "Draft summary",
                  lambda: services.llm.draft_summary(team_id=team_id, actor=actor, one_on_one_id=one_on_one_id),
                  lambda draft: blocks.summary_draft_modal(draft, actor))


def handle_summary_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """Save the edited draft: the author's summary, then one task per action item."""
    team_id, actor = team_of(body), user_of(body)
    values = form_values(view)
    items = str(values.get("action_items") or "").splitlines()
    added = services.llm.save_summary(team_id=team_id, actor=actor, one_on_one_id=id_in_metadata(view, "id"),
                                      summary=str(values.get("summary") or ""), action_items=items,
                                      assignee=values.get("assignee"))
    ack(response_action="update", view=blocks.summary_saved_modal(added))


def handle_draft_prepare(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """Draft what to raise: a few points from one's own OKR status, to read before the 1-on-1."""
    ack()
    team_id, actor = team_of(body), user_of(body)
    _ask_and_show(client, body, services, "Draft what to raise",
                  lambda: services.llm.draft_prepare(team_id=team_id, actor=actor), blocks.prepare_modal)


def handle_what_was_sent(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """What was sent (value: exchange id): the exact prompt, pushed over the answer; only for who asked."""
    ack()
    exchange = services.llm.exchange(team_id=team_of(body), actor=user_of(body),
                                     exchange_id=id_in(text_of(action, "value")))
    client.views_push(trigger_id=trigger_of(body), view=blocks.sent_modal(exchange))


def handle_info_closed(ack: Ack) -> None:
    """Informational modals have nothing to submit."""
    ack()


def register(app: App) -> None:
    """Bind the language-model listeners (the buttons only ever show when a model is configured)."""
    app.action(LlmAction.SUGGEST.value)(handle_suggest)
    app.action(LlmAction.DRAFT_SUMMARY.value)(handle_draft_summary)
    app.action(LlmAction.DRAFT_PREPARE.value)(handle_draft_prepare)
    app.action(LlmAction.WHAT_WAS_SENT.value)(handle_what_was_sent)
    app.view(LlmView.STEPS.value)(handle_steps_submitted)
    app.view(LlmView.SUMMARY.value)(handle_summary_submitted)
    app.view(LlmView.INFO.value)(handle_info_closed)
