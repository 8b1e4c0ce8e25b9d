"""The review agenda in the review 1-on-1's thread: posted as the first reply once the 1-on-1's message is, then
updated in place after every change to the review (each revision one outbox message)."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.blocks import review_agenda
from bot.services.core.context import ServiceContext
from bot.services.review.agenda import load_review
from bot.services.review.records import agenda_key
from bot.views.review import QuarterReviewView
from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import OneOnOne
from storage.models_review import QuarterReview


def review_changed(ctx: ServiceContext, session: Session, review: QuarterReview) -> None:
    """After a change: bump the revision and update the agenda in the 1-on-1's thread if it was posted."""
    review.revision = (review.revision or 0) + 1
    review.updated_at = ctx.clock()
    session.flush()
    posted = session.scalar(select(exists().where(OutboundMessage.team_id == review.team_id,
                                                  OutboundMessage.dedupe_key == agenda_key(review.id))))
    if posted:
        view = load_review(session, review, ctx.clock())
        ctx.outbox.add(session, team_id=review.team_id, key=f"{agenda_key(review.id)}:r{review.revision}",
                       channel=review.owner_id, text=review_agenda.agenda_text(view),
                       blocks=review_agenda.agenda_message(view), update_of=agenda_key(review.id))


def post_review_agenda(ctx: ServiceContext, session: Session, one_on_one: OneOnOne) -> QuarterReviewView | None:
    """When a review 1-on-1's message is posted: its first thread reply is the review agenda (returned)."""
    review = session.scalar(select(QuarterReview).where(QuarterReview.one_on_one_id == one_on_one.id))
    if review is None:
        return None
    view = load_review(session, review, ctx.clock())
    from bot.services.one_on_ones.rows import pair_key

    ctx.outbox.add(session, team_id=review.team_id, key=agenda_key(review.id), channel=one_on_one.manager_id,
                   text=review_agenda.agenda_text(view), blocks=review_agenda.agenda_message(view),
                   thread_of=pair_key(one_on_one.id))
    return view
