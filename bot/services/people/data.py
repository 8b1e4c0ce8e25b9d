"""Everything okrbot holds about one person: export it (their private texts decrypted for them only) or erase it.

Erasure deletes the person's private notes, the feedback they received, the summaries they wrote, their reading
log and their row; rows other people depend on (kudos counts, the other side of a 1-on-1, shared notes, OKRs,
feedback they gave to someone) stay, with the person replaced by an anonymous id made for this erasure alone.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.privacy.service import PrivacyService
from bot.services.review.privacy import export_reviews, forget_reviews
from bot.views.privacy import ReadItem
from storage import reporting
from storage.models import CheckIn, KeyResult, Objective, OkrComment, Person
from storage.models_delivery import OutboundMessage
from storage.models_feedback import Feedback, FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_llm import LlmExchange
from storage.models_nudges import Nudge
from storage.models_one_on_ones import ConversationMessage, Note, OneOnOne, OneOnOneSeries, TalkingPoint, Task
from storage.models_privacy import ReadingLogEntry

# (model, column) naming a person in rows other people depend on: anonymised on erasure, never deleted.
ANONYMISED = (
    (Objective, "owner_id"), (CheckIn, "author_id"), (OkrComment, "user_id"), (OneOnOne, "requester_id"),
    (OneOnOne, "manager_id"), (Note, "author_id"), (Task, "assignee_id"), (Task, "author_id"),
    (ConversationMessage, "user_id"), (FeedbackRequest, "requester_id"), (FeedbackRequest, "giver_id"),
    (Feedback, "giver_id"), (Kudos, "giver_id"), (Kudos, "receiver_id"), (Nudge, "manager_id"),
    (Nudge, "report_id"), (ReadingLogEntry, "reader_id"), (ReadingLogEntry, "author_id"),
    (OneOnOne, "scheduled_by"), (OneOnOneSeries, "requester_id"), (OneOnOneSeries, "manager_id"),
    (OneOnOneSeries, "created_by"), (TalkingPoint, "author_id"),
)


@dataclass(frozen=True)
class Erasure:
    """What `forget` did (or, in a dry run, would do): rows per action, and the anonymous id used."""

    team_id: str
    user_id: str
    anonymous_id: str
    counts: tuple[tuple[str, int], ...]
    dry_run: bool

    @property
    def total(self) -> int:
        """Rows changed in all."""
        return sum(n for _, n in self.counts)


def anonymous_id() -> str:
    """A fresh id standing for an erased person (random: it links to nobody, not even across erasures)."""
    return "X" + secrets.token_hex(5).upper()


def _rows(session: Session, stmt: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(stmt)]


class PersonDataService:
    """`okrbot people export` and `okrbot people forget`."""

    def __init__(self, ctx: ServiceContext, privacy: PrivacyService) -> None:
        self._ctx = ctx
        self._privacy = privacy

    def resolve(self, who: str, team_id: str | None = None) -> tuple[str, str]:
        """(team_id, user_id) of a Slack user id or email okrbot knows; one clear refusal otherwise."""
        with self._ctx.sessions() as session:
            stmt = select(Person.team_id, Person.user_id).where(
                or_(Person.user_id == who, func.lower(Person.email) == who.lower()))
            if team_id:
                stmt = stmt.where(Person.team_id == team_id)
            found = session.execute(stmt).all()
        if not found:
            raise UserFacingError(f"okrbot knows nobody called {who!r}" + (f" in {team_id}." if team_id else "."))
        if len(found) > 1:
            teams = ", ".join(sorted(t for t, _ in found))
            raise UserFacingError(f"{who!r} is known in several workspaces ({teams}): pass --team.")
        return found[0][0], found[0][1]

    def export(self, team_id: str, user_id: str, *, operator: str, dry_run: bool = False) -> dict[str, Any]:
        """Everything held about the person, as JSON-ready data; texts only where the person may read them.

        Not a dry run: the export goes in the person's reading log under `operator`'s name.
        """
        with self._ctx.sessions() as session:
            data = self._collect(session, team_id, user_id)
        if not dry_run:
            # The person's own log says the operator exported it all; the other people whose shared notes and
            # summaries went with it (the other side of each 1-on-1) see that too.
            others = [ReadItem("note", n["id"], n["author_id"], n["author_id"]) for n in data["notes"]
                      if n["author_id"] != user_id]
            others += [ReadItem("summary", m["id"], m["with"], m["with"]) for m in data["one_on_ones"]
                       if m["their_summary"]]
            self._privacy.record_reads(team_id=team_id, via="people-export", reader_name=operator,
                                       items=[ReadItem("all", 0, user_id), *others])
        data["exported_at"] = self._ctx.clock()
        data["operator"] = operator
        return data

    def _collect(self, session: Session, team_id: str, user_id: str) -> dict[str, Any]:
        me = session.get(Person, (team_id, user_id))
        meetings = select(OneOnOne.id).where(OneOnOne.team_id == team_id, or_(
            OneOnOne.requester_id == user_id, OneOnOne.manager_id == user_id))
        one_on_ones = []
        for row in session.scalars(select(OneOnOne).where(OneOnOne.id.in_(meetings)).order_by(OneOnOne.id)):
            mine = row.requester_id == user_id
            one_on_ones.append({
                "id": row.id, "role": "requester" if mine else "manager",
                "with": row.manager_id if mine else row.requester_id, "topic": row.topic, "state": row.state,
                "requested_at": row.requested_at, "agreed_at": row.agreed_at, "done_at": row.done_at,
                "answer_note": row.answer_note,
                "my_summary": row.requester_summary if mine else row.manager_summary,
                "their_summary": row.manager_summary if mine else row.requester_summary})
        notes = [{"id": n.id, "one_on_one_id": n.one_on_one_id, "author_id": n.author_id, "private": n.private,
                  "text": n.text, "created_at": n.created_at}
                 for n in session.scalars(select(Note).where(
                     Note.team_id == team_id, Note.one_on_one_id.in_(meetings),
                     or_(Note.author_id == user_id, Note.private.is_(False))).order_by(Note.id))]
        received = [{"id": f.id, "giver_id": f.giver_id, "visibility": f.visibility, "text": f.text,
                     "objective_id": f.objective_id, "one_on_one_id": f.one_on_one_id, "created_at": f.created_at}
                    for f in session.scalars(select(Feedback).where(
                        Feedback.team_id == team_id, Feedback.receiver_id == user_id).order_by(Feedback.id))]
        objectives = select(Objective.id).where(Objective.team_id == team_id, Objective.owner_id == user_id)
        return {
            "team_id": team_id, "user_id": user_id,
            "person": None if me is None else {
                "name": me.name, "email": me.email, "tz": me.tz, "tz_override": me.tz_override,
                "manager_id": me.manager_id, "is_active": me.is_active, "is_admin": me.is_admin,
                "away_until": me.away_until, "synced_at": me.synced_at},
            "reports": list(session.scalars(select(Person.user_id).where(
                Person.team_id == team_id, Person.manager_id == user_id).order_by(Person.user_id))),
            "objectives": _rows(session, select(Objective.id, Objective.quarter, Objective.title, Objective.tag,
                                                Objective.created_at).where(Objective.id.in_(objectives))
                                .order_by(Objective.id)),
            "key_results": _rows(session, select(KeyResult.id, KeyResult.objective_id, KeyResult.title,
                                                 KeyResult.start_value, KeyResult.target_value,
                                                 KeyResult.current_value, KeyResult.unit, KeyResult.status)
                                 .where(KeyResult.objective_id.in_(objectives)).order_by(KeyResult.id)),
            "check_ins": _rows(session, select(CheckIn.id, CheckIn.key_result_id, CheckIn.value, CheckIn.status,
                                               CheckIn.obstacles, CheckIn.next_steps, CheckIn.created_at).where(
                CheckIn.team_id == team_id, CheckIn.author_id == user_id).order_by(CheckIn.id)),
            "okr_comments": _rows(session, select(OkrComment.id, OkrComment.objective_id, OkrComment.kind,
                                                  OkrComment.reaction, OkrComment.text, OkrComment.created_at).where(
                OkrComment.team_id == team_id, OkrComment.user_id == user_id).order_by(OkrComment.id)),
            "one_on_ones": one_on_ones,
            "notes": notes,  # their own (private included) and the shared ones of their 1-on-1s, never others' private
            "tasks": _rows(session, select(Task.id, Task.one_on_one_id, Task.assignee_id, Task.author_id, Task.text,
                                           Task.due_on, Task.done, Task.created_at).where(
                Task.team_id == team_id, or_(Task.assignee_id == user_id, Task.author_id == user_id))
                .order_by(Task.id)),
            "conversation_messages": _rows(session, select(
                ConversationMessage.id, ConversationMessage.one_on_one_id, ConversationMessage.text,
                ConversationMessage.created_at).where(ConversationMessage.team_id == team_id,
                                                      ConversationMessage.user_id == user_id)
                .order_by(ConversationMessage.id)),
            "feedback_received": received,
            # Feedback they gave belongs to its recipient: its text is not theirs to export.
            "feedback_given": _rows(session, select(Feedback.id, Feedback.receiver_id, Feedback.visibility,
                                                    Feedback.created_at).where(
                Feedback.team_id == team_id, Feedback.giver_id == user_id).order_by(Feedback.id)),
            "feedback_requests": _rows(session, select(
                FeedbackRequest.id, FeedbackRequest.requester_id, FeedbackRequest.giver_id, FeedbackRequest.about,
                FeedbackRequest.state, FeedbackRequest.created_at).where(
                FeedbackRequest.team_id == team_id, or_(FeedbackRequest.requester_id == user_id,
                                                        FeedbackRequest.giver_id == user_id))
                .order_by(FeedbackRequest.id)),
            "kudos": _rows(session, select(Kudos.id, Kudos.giver_id, Kudos.receiver_id, Kudos.message, Kudos.source,
                                           Kudos.created_at).where(
                Kudos.team_id == team_id, or_(Kudos.giver_id == user_id, Kudos.receiver_id == user_id))
                .order_by(Kudos.id)),
            "nudges": _rows(session, select(Nudge.id, Nudge.manager_id, Nudge.report_id, Nudge.period, Nudge.status,
                                            Nudge.created_at).where(
                Nudge.team_id == team_id, or_(Nudge.manager_id == user_id, Nudge.report_id == user_id))
                .order_by(Nudge.id)),
            "reading_log": _rows(session, select(
                ReadingLogEntry.reader_id, ReadingLogEntry.reader_name, ReadingLogEntry.kind, ReadingLogEntry.item_id,
                ReadingLogEntry.author_id, ReadingLogEntry.via, ReadingLogEntry.read_at).where(
                ReadingLogEntry.team_id == team_id, ReadingLogEntry.subject_id == user_id)
                .order_by(ReadingLogEntry.read_at, ReadingLogEntry.id)),
            **export_reviews(session, team_id, user_id),  # the quarter review (issue 17)
        }

    def forget(self, team_id: str, user_id: str, *, dry_run: bool = False) -> Erasure:
        """Erase the person (see the module docstring); `dry_run` counts the same rows and changes nothing."""
        anonymous = anonymous_id()
        counts: list[tuple[str, int]] = []
        with self._ctx.sessions() as session:
            def run(label: str, stmt: Any) -> None:
                counts.append((label, session.execute(stmt.execution_options(synchronize_session=False))
                               .rowcount or 0))

            in_team = {model: model.team_id == team_id for model in {m for m, _ in ANONYMISED}}
            run("private notes deleted", delete(Note).where(in_team[Note], Note.author_id == user_id,
                                                            Note.private.is_(True)))
            run("feedback received deleted", delete(Feedback).where(in_team[Feedback], Feedback.receiver_id == user_id))
            run("own 1-on-1 summaries erased", update(OneOnOne).where(
                in_team[OneOnOne], OneOnOne.requester_id == user_id, OneOnOne.requester_summary != "")
                .values(requester_summary=""))
            counts[-1] = (counts[-1][0], counts[-1][1] + (session.execute(update(OneOnOne).where(
                in_team[OneOnOne], OneOnOne.manager_id == user_id, OneOnOne.manager_summary != "")
                .values(manager_summary="").execution_options(synchronize_session=False)).rowcount or 0))
            run("their language-model prompts deleted", delete(LlmExchange).where(
                LlmExchange.team_id == team_id, LlmExchange.user_id == user_id))
            forget_reviews(session, team_id, user_id, anonymous, run)  # the quarter review (issue 17)
            run("reading log entries deleted", delete(ReadingLogEntry).where(
                in_team[ReadingLogEntry], ReadingLogEntry.subject_id == user_id))
            run("undelivered messages to them deleted", delete(OutboundMessage).where(
                OutboundMessage.team_id == team_id, OutboundMessage.channel_key == user_id,
                OutboundMessage.status != "sent"))
            run("delivered messages to them anonymised", update(OutboundMessage).where(
                OutboundMessage.team_id == team_id, OutboundMessage.channel_key == user_id)
                .values(channel_key=anonymous))
            run("message keys naming them anonymised", update(OutboundMessage).where(
                OutboundMessage.team_id == team_id, OutboundMessage.dedupe_key.contains(user_id, autoescape=True))
                .values(dedupe_key=func.replace(OutboundMessage.dedupe_key, user_id, anonymous)))
            run("reporting lines to them cleared", update(Person).where(
                Person.team_id == team_id, Person.manager_id == user_id).values(manager_id=None))
            for model, column in ANONYMISED:
                attribute = getattr(model, column)
                run(f"{model.__tablename__}.{column} anonymised",
                    update(model).where(and_(in_team[model], attribute == user_id)).values({column: anonymous}))
            run("person deleted", delete(Person).where(Person.team_id == team_id, Person.user_id == user_id))
            reporting.rebuild(session, team_id)  # the bulk writes above skip the ORM's tree upkeep
            if dry_run:
                session.rollback()
            else:
                session.commit()
        return Erasure(team_id, user_id, anonymous, tuple((k, n) for k, n in counts if n), dry_run)
