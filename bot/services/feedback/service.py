"""Feedback: requests (`/feedback request @maria …`), giving it privately, reminders, the Home section, exports.

Privacy: a feedback is readable by its recipient, and by the recipient's manager only when the giver
chose `private+manager`. Every read goes through `storage.privacy.feedback_visible_to`; nobody else,
admins included, reads a feedback text in Slack. Exports leave texts out unless asked explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.blocks import feedback as feedback_blocks
from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.core.parsing import first_word, parse_command_text, parse_id, rest_after_first_word
from bot.services.feedback.export import export_rows
from bot.services.feedback.queries import FeedbackQueries, request_view
from bot.services.kudos.parsing import MAX_TEXT, too_long
from bot.services.okrs.status import quarter_of
from bot.services.people.service import lock_person, valid_tz
from bot.views.feedback import (
    MAX_ASKED,
    VISIBILITIES,
    WITH_MANAGER,
    BlockId,
    FeedbackForm,
    FeedbackGiven,
    FeedbackHomeView,
    FeedbackRequested,
    FeedbackRequestView,
    FeedbackUsage,
    FeedbackView,
)
from bot.views.privacy import ReadItem
from storage.models import Objective, Person
from storage.models_feedback import Feedback, FeedbackRequest

if TYPE_CHECKING:
    from bot.services.people.service import PeopleService
    from bot.services.privacy.service import PrivacyService

REMIND_AFTER = timedelta(days=7)
WORK_HOURS = (9, 18)  # reminders arrive on a weekday, between 9:00 and 18:00 in the giver's timezone
RECEIVER = BlockId.RECEIVER
ABOUT = BlockId.ABOUT
TEXT = BlockId.TEXT
VISIBILITY = BlockId.VISIBILITY


class FeedbackService:
    """Feedback requests and private feedback."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService, privacy: PrivacyService) -> None:
        self._ctx = ctx
        self._people = people
        self._privacy = privacy
        self._queries = FeedbackQueries(ctx)

    # ---- /feedback -------------------------------------------------------------------------------------
    def command(self, *, team_id: str, user_id: str, text: str) -> FeedbackUsage | FeedbackRequested | FeedbackForm:
        """/feedback request @person [about …] | give [@person] [text] | help."""
        word, rest = first_word(text), rest_after_first_word(text)
        if word in ("", "help", "?", "-h", "--help"):
            return FeedbackUsage()
        if word in ("request", "ask"):
            return self.request(team_id=team_id, requester_id=user_id, text=rest)
        if word in ("give", "send"):
            parsed = parse_command_text(rest)
            if len(parsed.users) > 1:
                return FeedbackUsage("Give feedback to one person at a time: `/feedback give @ravi`.")
            return self.form(team_id=team_id, giver_id=user_id, receiver_id=parsed.users[0] if parsed.users else None,
                             text=parsed.text)
        return FeedbackUsage(f"I don't know `{word[:30]}`: use `request` or `give`.")

    def request(self, *, team_id: str, requester_id: str, text: str) -> FeedbackRequested:
        """Ask each mentioned colleague for feedback (a pair with a pending request is not asked twice)."""
        parsed = parse_command_text(text)
        if not parsed.users:
            raise UserFacingError("Mention whom you're asking: `/feedback request @maria about the Q4 launch`.")
        if len(parsed.users) > MAX_ASKED:
            raise UserFacingError(f"You can ask up to {MAX_ASKED} people at once.")
        about = parsed.text
        if first_word(about) in ("about", "on", "for", "regarding"):
            about = rest_after_first_word(about)
        if too_long(about):
            raise UserFacingError(f"That topic is {len(about):,} characters; keep it under {MAX_TEXT:,}.")
        for giver in parsed.users:
            self._people.require_colleague(team_id, giver, actor=requester_id, what="someone to ask")
        requester = self._people.ensure(team_id, requester_id)
        now = self._ctx.clock()
        made, pending = [], []
        with self._ctx.sessions.begin() as session:
            lock_person(session, team_id, requester_id)
            objective = self._objective_for_tags(session, team_id, requester_id, parsed.tags, requester.tz
                                                 if requester else None)
            for giver in parsed.users:
                earlier = session.scalar(select(FeedbackRequest).where(
                    FeedbackRequest.team_id == team_id, FeedbackRequest.requester_id == requester_id,
                    FeedbackRequest.giver_id == giver, FeedbackRequest.state == "pending"))
                if earlier is not None:
                    pending.append(request_view(earlier, self._queries.objective_title(session, earlier.objective_id)))
                    continue
                row = FeedbackRequest(team_id=team_id, requester_id=requester_id, giver_id=giver, about=about,
                                      objective_id=objective.id if objective else None, state="pending",
                                      created_at=now)
                session.add(row)
                session.flush()
                view = request_view(row, objective.title if objective else None)
                self._ctx.outbox.add(session, team_id=team_id, key=f"feedback-request:{row.id}", channel=giver,
                                     text=feedback_blocks.request_text(view), blocks=feedback_blocks.request_dm(view))
                made.append(view)
        return FeedbackRequested(requests=tuple(made), already_pending=tuple(pending))

    def usage(self, problem: str = "") -> FeedbackUsage:
        """What /feedback help shows."""
        return FeedbackUsage(problem)

    # ---- the Give feedback form ---------------------------------------------------------------------------
    def form(self, *, team_id: str, giver_id: str, receiver_id: str | None = None, request_id: int | None = None,
             text: str = "") -> FeedbackForm:
        """The Give feedback form: for a request (its requester fixed), for a person, or to choose one."""
        request: FeedbackRequestView | None = None
        if request_id is not None:
            with self._ctx.sessions() as session:
                row = self._queries.own_request(session, team_id, request_id, giver_id)
                request = request_view(row, self._queries.objective_title(session, row.objective_id))
                receiver_id = row.requester_id
        if receiver_id:
            self._people.require_colleague(team_id, receiver_id, actor=giver_id, field=RECEIVER,
                                           what="the person your feedback is for")
        with self._ctx.sessions() as session:
            receiver = session.get(Person, (team_id, receiver_id)) if receiver_id else None
            manager = session.get(Person, (team_id, receiver.manager_id)) if receiver and receiver.manager_id \
                else None
            choices = self._queries.about_choices(session, team_id, giver_id, receiver_id) if receiver_id else ()
        initial = f"objective:{row.objective_id}" if request and row.objective_id else None
        metadata = json.dumps({"req": request.id if request else None, "to": receiver_id if request else None})
        return FeedbackForm(receiver_id=receiver_id, receiver_name=(receiver.name or receiver_id) if receiver else "",
                            manager_name=(manager.name or manager.user_id) if manager else None, request=request,
                            choices=tuple(choices), initial_about=initial if initial in {c.value for c in choices}
                            else None, text=text[:MAX_TEXT], metadata=metadata)

    def form_for_choice(self, *, team_id: str, giver_id: str, receiver_id: str | None) -> FeedbackForm:
        """The form again after a person was chosen in it: their objectives and 1-on-1s, or why not them."""
        try:
            return self.form(team_id=team_id, giver_id=giver_id, receiver_id=receiver_id)
        except UserFacingError as error:
            return replace(self.form(team_id=team_id, giver_id=giver_id), problem=error.message)

    def give(self, *, team_id: str, giver_id: str, receiver_id: str | None, text: str, about: str | None,
             visibility: str | None, metadata: str, submission_id: str) -> FeedbackGiven:
        """Deliver feedback by DM (once per form submission); errors name the form field they belong to."""
        try:
            meta = json.loads(metadata or "{}")
            request_id = parse_id(meta["req"]) if meta.get("req") is not None else None
            if meta.get("req") is not None and request_id is None:
                raise ValueError("not a request id")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise UserFacingError("This form is out of date; close it and open it again.", field=TEXT) from None
        if request_id is not None:
            receiver_id = str(meta.get("to") or "")
        if not receiver_id:
            raise UserFacingError("Choose whom your feedback is for.", field=RECEIVER)
        text = (text or "").strip()
        if not text:
            raise UserFacingError("Write your feedback.", field=TEXT)
        if too_long(text):
            raise UserFacingError(f"That's {len(text):,} characters; feedback is limited to {MAX_TEXT:,}.", field=TEXT)
        visibility = visibility or "private"
        if visibility not in VISIBILITIES:
            raise UserFacingError("Choose who may read it.", field=VISIBILITY)
        self._people.require_colleague(team_id, receiver_id, actor=giver_id, field=RECEIVER,
                                       what="the person your feedback is for")
        now = self._ctx.clock()
        with self._ctx.sessions.begin() as session:
            objective_id, one_on_one_id, label = self._queries.about(session, team_id, giver_id, receiver_id, about)
            receiver = session.get(Person, (team_id, receiver_id))
            manager_id = receiver.manager_id if receiver and visibility == WITH_MANAGER else None
            view = FeedbackView(id=0, giver_id=giver_id, receiver_id=receiver_id, text=text, visibility=visibility,
                                about=label, created_at=now, manager_id=manager_id)
            # The DM's key is the form submission: a submission delivered twice stores and sends one feedback.
            if not self._ctx.outbox.add(session, team_id=team_id, key=f"feedback-dm:{submission_id}"[:255],
                                        channel=receiver_id, text=feedback_blocks.feedback_text(view),
                                        blocks=feedback_blocks.feedback_dm(view)):
                return FeedbackGiven(receiver_id, visibility, manager_id, label)
            if manager_id and manager_id not in (giver_id, receiver_id):
                # Shared with the manager: one private DM to them too (same submission key: never twice).
                self._ctx.outbox.add(session, team_id=team_id, key=f"feedback-manager-dm:{submission_id}"[:255],
                                     channel=manager_id, text=feedback_blocks.manager_copy_text(view),
                                     blocks=feedback_blocks.manager_copy_dm(view))
            request = self._queries.own_request(session, team_id, request_id, giver_id) if request_id else None
            session.add(Feedback(team_id=team_id, giver_id=giver_id, receiver_id=receiver_id, text=text,
                                 visibility=visibility, objective_id=objective_id, one_on_one_id=one_on_one_id,
                                 request_id=request_id, created_at=now))
            if request is not None:
                self._answer(session, request, now)
            return FeedbackGiven(receiver_id, visibility, manager_id, label)

    def _answer(self, session: Session, request: FeedbackRequest, now: datetime) -> None:
        answered = session.execute(update(FeedbackRequest).where(
            FeedbackRequest.id == request.id, FeedbackRequest.state == "pending")
            .values(state="answered", answered_at=now).execution_options(synchronize_session=False)).rowcount
        if not answered:
            raise UserFacingError("You already answered this request.", field=TEXT)
        view = request_view(request, None)
        done = feedback_blocks.request_answered(view)
        for ref in [f"feedback-request:{request.id}"] + ([f"feedback-request:{request.id}:reminder"]
                                                         if request.reminded_at else []):
            self._ctx.outbox.add(session, team_id=request.team_id, key=f"{ref}:answered", channel=request.giver_id,
                                 text=feedback_blocks.request_answered_text(view), blocks=done, update_of=ref)

    # ---- reading ---------------------------------------------------------------------------------------
    def for_home(self, team_id: str, viewer_id: str, *, limit: int = 3) -> FeedbackHomeView:
        """The App Home's feedback section: requests to answer, feedback received, feedback shared about reports.

        Feedback about the viewer's reports is someone else's text about a person: the read goes in the reading log.
        """
        view = self._queries.home(team_id, viewer_id, limit)
        self._privacy.record_reads(team_id=team_id, via="home", reader_id=viewer_id, items=[
            ReadItem("feedback", f.id, f.receiver_id, f.giver_id) for f in view.about_reports])
        return view

    def pending_for(self, team_id: str, giver_id: str, *, limit: int = 10) -> tuple[FeedbackRequestView, ...]:
        """Requests `giver_id` has not answered yet, oldest first (for their 1-on-1 agenda)."""
        return self._queries.pending_for(team_id, giver_id, limit)

    def export(self, since: date | None = None, include_private_text: bool = False,
               operator: str = "") -> list[dict[str, Any]]:
        """Every feedback (all workspaces) since `since`; texts only with `include_private_text`, and then each
        text read goes in its recipient's reading log under the `operator`'s name."""
        with self._ctx.sessions() as session:
            rows = export_rows(session, since, include_private_text)
        if include_private_text:
            for team_id in sorted({row["team_id"] for row in rows}):
                self._privacy.record_reads(
                    team_id=team_id, via="export", reader_name=operator or "an operator", items=[
                        ReadItem("feedback", r["id"], r["receiver_id"], r["giver_id"])
                        for r in rows if r["team_id"] == team_id])
        return rows

    # ---- reminders -----------------------------------------------------------------------------------------
    def send_reminders(self, *, batch: int = 500) -> int:
        """Remind, once, whoever left a request unanswered for 7 days (on a weekday, in their working hours)."""
        now = self._ctx.clock()
        sent = 0
        with self._ctx.sessions.begin() as session:
            due = session.scalars(select(FeedbackRequest).where(
                FeedbackRequest.state == "pending", FeedbackRequest.reminded_at.is_(None),
                FeedbackRequest.created_at <= now - REMIND_AFTER).order_by(FeedbackRequest.id).limit(batch)).all()
            for request in due:
                giver = session.get(Person, (request.team_id, request.giver_id))
                if giver is None or not giver.is_active:
                    continue
                local = now.astimezone(_zone(giver.tz, self._ctx.settings.default_timezone))
                if local.weekday() >= 5 or not WORK_HOURS[0] <= local.hour < WORK_HOURS[1]:
                    continue
                view = request_view(request, self._queries.objective_title(session, request.objective_id))
                self._ctx.outbox.add(session, team_id=request.team_id, key=f"feedback-request:{request.id}:reminder",
                                     channel=request.giver_id, text=feedback_blocks.request_text(view, reminder=True),
                                     blocks=feedback_blocks.request_dm(view, reminder=True))
                request.reminded_at = now
                sent += 1
        return sent

    # ---- helpers --------------------------------------------------------------------------------------------
    def _objective_for_tags(self, session: Session, team_id: str, requester_id: str, tags: Sequence[str],
                            tz: str | None) -> Objective | None:
        if not tags:
            return None
        if len(tags) > 1:
            raise UserFacingError("Use one objective #tag at a time.")
        quarter = quarter_of(self._ctx.clock().astimezone(_zone(tz, self._ctx.settings.default_timezone)).date())
        found = list(session.scalars(select(Objective).where(
            Objective.team_id == team_id, Objective.quarter == quarter, func.lower(Objective.tag) == tags[0])
            .order_by(Objective.id)))
        own = [o for o in found if o.owner_id == requester_id]
        if own or len(found) == 1:
            return (own or found)[0]
        if found:
            raise UserFacingError(f"Several objectives are tagged #{tags[0]}; describe the topic in words instead.")
        raise UserFacingError(f"No objective of {quarter} has the tag #{tags[0]}. Leave the tag out, or check it "
                              "with `/okr list`.")


def _zone(tz: str | None, default: str) -> ZoneInfo:
    return ZoneInfo(valid_tz(tz, default))
