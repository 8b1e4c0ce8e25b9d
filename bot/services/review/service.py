"""Use-cases of the quarter review (issue 17): open, drafts, submit, the review 1-on-1, grades, carry-over.

A review (quarter_reviews) is one person's look back at one quarter, with a part per objective (objective_reviews):
drafts until submitted (a second submit changes nothing), editable until the review 1-on-1 is done. "Ask Maria
for a review 1-on-1" makes a 1-on-1 request linked to it, whose card gets the review agenda as the first reply of
its thread (`review:{id}:agenda`, updated in place when grades change). The manager asked grades each objective
beside the report's grade; both see both. Carry-over copies an unmet objective into the next quarter once (its
natural key and a row lock on the part make a double click one objective).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.blocks import review_agenda
from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.okrs.queries import load_objectives, objective_rows
from bot.services.people.service import PersonView
from bot.services.review.agenda import load_review
from bot.services.review.grading import parse_grade
from bot.services.review.home import review_home
from bot.services.review.lookback import export_rows, look_back
from bot.services.review.prompts import PromptScan
from bot.services.review.records import (
    NOT_YOURS,
    carry_objective,
    checked_text,
    claim_asking,
    ensure_review,
    is_closed,
    log_words_read,
    may_grade,
    may_see,
    part_row,
    release_asking,
    review_row,
    typed_quarter,
)
from bot.services.review.thread import post_review_agenda, review_changed
from bot.services.review.window import default_quarter, finished_quarter
from bot.views.review import (
    MAX_COMMENT,
    MAX_WORDS,
    OUTCOMES,
    GradeForm,
    LookBackView,
    ObjectiveForm,
    QuarterReviewView,
    ReviewBlock,
    ReviewHomeView,
)
from storage.models import Objective, Person
from storage.models_one_on_ones import OneOnOne
from storage.models_review import QuarterReview

if TYPE_CHECKING:
    from bot.services.okrs.service import OkrService
    from bot.services.one_on_ones.requests import Requests
    from bot.services.people.service import PeopleService
    from bot.services.privacy.service import PrivacyService

log = logging.getLogger("okrbot.review")


class ReviewService:
    """The quarter review (issue 17)."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService, okrs: OkrService, one_on_ones: Requests,
                 privacy: PrivacyService) -> None:
        self._ctx = ctx
        self._privacy = privacy  # the report's words read by their manager go in the report's reading log
        self._people = people
        self._okrs = okrs
        self._one_on_ones = one_on_ones

    # ---- helpers -----------------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self._ctx.clock()

    def _zone(self, person: PersonView | None) -> Any:
        from bot.services.nudges.cadence import Cadence

        return person.zone if person else Cadence.of(self._ctx.settings).zone(None)

    def _load(self, session: Session, review: QuarterReview, *, details: bool = True) -> QuarterReviewView:
        return load_review(session, review, self._now(), details=details)

    # ---- the report ----------------------------------------------------------------------------------
    def open(self, *, team_id: str, user_id: str, quarter: str | None = None) -> QuarterReviewView:
        """The person's review of `quarter` (default: the one under review now, else this quarter)."""
        person = self._people.ensure(team_id, user_id)
        quarter = typed_quarter(quarter) or default_quarter(self._now(), self._zone(person))
        with self._ctx.sessions.begin() as session:
            review = ensure_review(session, team_id, user_id, quarter, self._now())
            if review is None:
                raise UserFacingError(f"You had no objectives in {quarter}, so there is nothing to review. "
                                      "Try `/okr review 2026-Q3` for another quarter.")
            return self._load(session, review)

    def objective_form(self, *, team_id: str, user_id: str, objective_id: int) -> ObjectiveForm:
        """"Review this objective": its part of the review of its quarter (ends a project early)."""
        with self._ctx.sessions.begin() as session:
            objective = session.get(Objective, objective_id)
            if objective is None or objective.team_id != team_id or objective.owner_id != user_id:
                raise NotFound("Only the owner of an objective can review it.")
            review = ensure_review(session, team_id, user_id, objective.quarter, self._now())
            assert review is not None
            view = self._load(session, review)
        part = next(p for p in view.objectives if p.objective_id == objective_id)
        return ObjectiveForm(view.id, view.quarter, part)

    def part_form(self, *, team_id: str, user_id: str, part_id: int, root_view_id: str = "") -> ObjectiveForm:
        """The form of one objective of the person's own review."""
        with self._ctx.sessions() as session:
            part, review = part_row(session, team_id, part_id)
            if review.owner_id != user_id:
                raise NotFound(NOT_YOURS)
            if is_closed(session, review):
                raise UserFacingError("The review 1-on-1 is done, so this review is closed; it stays in your Home.")
            view = self._load(session, review)
        found = view.objective(part.id)
        assert found is not None
        return ObjectiveForm(view.id, view.quarter, found, root_view_id)

    def save_part(self, *, team_id: str, user_id: str, part_id: int, values: dict[str, Any]) -> QuarterReviewView:
        """Save one objective's draft (grade, outcome, words, obstacles picked); errors name the field."""
        grade = parse_grade(values.get(ReviewBlock.GRADE), field=ReviewBlock.GRADE)
        outcome = str(values.get(ReviewBlock.OUTCOME) or "")
        if outcome not in OUTCOMES:
            raise UserFacingError("Pick met, partly met or not met.", field=ReviewBlock.OUTCOME)
        helped = checked_text(values, ReviewBlock.HELPED, MAX_WORDS)
        in_the_way = checked_text(values, ReviewBlock.IN_THE_WAY, MAX_WORDS)
        carry = checked_text(values, ReviewBlock.CARRY, MAX_WORDS)
        raw_picked = values.get(ReviewBlock.OBSTACLES) or []
        with self._ctx.sessions.begin() as session:
            part, review = part_row(session, team_id, part_id, lock=True)
            if review.owner_id != user_id:
                raise NotFound(NOT_YOURS)
            if is_closed(session, review):
                raise UserFacingError("The review 1-on-1 is done, so this review is closed.", field=ReviewBlock.GRADE)
            offered = {o.check_in_id for p in self._load(session, review).objectives if p.id == part.id
                       for o in p.obstacles}
            picked = sorted({int(v) for v in raw_picked if str(v).isdigit() and int(v) in offered})
            part.grade, part.outcome, part.helped = grade, outcome, helped
            part.in_the_way, part.carry = in_the_way, carry
            part.obstacles = picked
            part.updated_at = self._now()
            review_changed(self._ctx, session, review)
            return self._load(session, review)

    def submit(self, *, team_id: str, user_id: str, review_id: int) -> tuple[QuarterReviewView, bool]:
        """Submit the review (every objective needs a grade and an outcome); (view, False) the second time."""
        with self._ctx.sessions.begin() as session:
            review = review_row(session, team_id, review_id)
            if review.owner_id != user_id:
                raise NotFound(NOT_YOURS)
            view = self._load(session, review, details=False)
            missing = [o.title for o in view.objectives if o.grade is None or not o.outcome]
            if missing:
                raise UserFacingError(f"Review every objective before submitting: “{missing[0][:80]}”"
                                      + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
                                      + " still need a grade and an outcome.")
            changed = session.execute(update(QuarterReview).where(
                QuarterReview.id == review.id, QuarterReview.state == "draft")
                .values(state="submitted", submitted_at=self._now(), updated_at=self._now())
                .execution_options(synchronize_session=False)).rowcount == 1
            session.refresh(review)
            return self._load(session, review), changed

    def ask(self, *, team_id: str, user_id: str, review_id: int) -> QuarterReviewView:
        """"Ask Maria for a review 1-on-1": a 1-on-1 request whose agenda is the review (a second click: no-op)."""
        me = self._people.ensure(team_id, user_id)
        with self._ctx.sessions() as session:
            review = review_row(session, team_id, review_id)
            if review.owner_id != user_id:
                raise NotFound(NOT_YOURS)
            if review.one_on_one_id is not None:
                return self._load(session, review)
            if review.state != "submitted":
                raise UserFacingError("Submit your review first; then ask for the review 1-on-1.")
            view = self._load(session, review, details=False)
        manager = me.manager_id if me else None
        if not manager:
            raise UserFacingError("I don't know who your manager is: set it under *My manager* in your App Home, "
                                  "then ask again.")
        # Claim the request first (a conditional UPDATE): a double click's second request finds it claimed.
        with self._ctx.sessions.begin() as session:
            claimed = claim_asking(session, review_id)
        if not claimed:
            with self._ctx.sessions() as session:
                return self._load(session, review_row(session, team_id, review_id))
        try:
            request = self._one_on_ones.request(
                team_id=team_id, requester=user_id, manager_id=manager, topic=review_agenda.review_topic(view),
                objective_ids=[o.objective_id for o in view.objectives], field=None)
        except BaseException:
            with self._ctx.sessions.begin() as session:
                release_asking(session, review_id)
            raise
        with self._ctx.sessions.begin() as session:
            session.execute(update(QuarterReview).where(QuarterReview.id == review_id)
                            .values(one_on_one_id=request.id, manager_id=manager, updated_at=self._now())
                            .execution_options(synchronize_session=False))
            return self._load(session, review_row(session, team_id, review_id))

    # ---- the review 1-on-1 ---------------------------------------------------------------------------
    def agenda(self, *, team_id: str, viewer: str, review_id: int) -> QuarterReviewView:
        """The review as its agenda shows it, for the report or their reviewing manager only."""
        with self._ctx.sessions() as session:
            review = review_row(session, team_id, review_id)
            may_see(review, viewer)
            view = self._load(session, review)
        log_words_read(self._privacy, view, viewer, "review")
        return view

    def grade_form(self, *, team_id: str, manager: str, part_id: int, root_view_id: str = "") -> GradeForm:
        """The manager's grade form of one objective."""
        with self._ctx.sessions() as session:
            part, review = part_row(session, team_id, part_id)
            may_grade(review, manager)
            view = self._load(session, review)
        log_words_read(self._privacy, view, manager, "review")
        found = view.objective(part.id)
        assert found is not None
        return GradeForm(view.id, view.owner_name, found, root_view_id)

    def grade(self, *, team_id: str, manager: str, part_id: int, values: dict[str, Any]) -> QuarterReviewView:
        """The manager's grade and comment for one objective (both see both)."""
        grade = parse_grade(values.get(ReviewBlock.MANAGER_GRADE), field=ReviewBlock.MANAGER_GRADE)
        comment = checked_text(values, ReviewBlock.MANAGER_COMMENT, MAX_COMMENT)
        with self._ctx.sessions.begin() as session:
            part, review = part_row(session, team_id, part_id, lock=True)
            may_grade(review, manager)
            if part.manager_grade == grade and (part.manager_comment or "") == comment:
                return self._load(session, review)
            part.manager_grade, part.manager_comment, part.updated_at = grade, comment, self._now()
            review_changed(self._ctx, session, review)
            return self._load(session, review)

    def carry(self, *, team_id: str, actor: str, part_id: int) -> tuple[QuarterReviewView, bool]:
        """Carry an unmet objective into the next quarter, once; (view, created)."""
        with self._ctx.sessions.begin() as session:
            part, review = part_row(session, team_id, part_id, lock=True)
            may_see(review, actor)
            if part.carried_to_id is not None:
                return self._load(session, review), False
            if part.outcome == "met":
                raise UserFacingError("This objective was met: there is nothing to carry over.")
            old = session.get(Objective, part.objective_id)
            assert old is not None
            now = self._now()
            new_id, created = carry_objective(session, team_id, old, now)
            if created:
                views = load_objectives(session, objective_rows(team_id).where(Objective.id == new_id), now)
                if views:
                    self._okrs.post_message(session, views[0])
            part.carried_to_id = new_id
            part.updated_at = now
            review_changed(self._ctx, session, review)
            return self._load(session, review), created

    def post_agenda(self, session: Session, one_on_one: OneOnOne) -> None:
        """When a review 1-on-1's message is posted: its first thread reply is the review agenda."""
        view = post_review_agenda(self._ctx, session, one_on_one)
        if view is not None:  # the agenda shows the report's words to the manager
            log_words_read(self._privacy, view, one_on_one.manager_id, "review-1on1", session)

    # ---- the prompt, the Home, the look back, the export ---------------------------------------------
    def scan(self) -> Any:
        """Queue the "Review your quarter" DM of everyone due now (each once); see bot.services.review.prompts."""
        return PromptScan(self._ctx).run()

    def for_home(self, team_id: str, user_id: str) -> ReviewHomeView | None:
        """The Home part: the viewer's review due (or in progress) and, for leaders, the look back."""
        with self._ctx.sessions() as session:
            person = session.get(Person, (team_id, user_id))
            view = PersonView.of(person, self._ctx.settings.default_timezone) if person else None
            return review_home(session, team_id, user_id, view.manager_id if view else None, self._now(),
                               self._zone(view))

    def look_back(self, *, team_id: str, leader: str, quarter: str | None = None) -> LookBackView:
        """`/okr review team [quarter]`: the leader's look back (default: the last finished quarter)."""
        person = self._people.ensure(team_id, leader)
        quarter = typed_quarter(quarter) or finished_quarter(self._now(), self._zone(person))
        with self._ctx.sessions() as session:
            view = look_back(session, team_id, leader, quarter)
        if view is None:
            raise UserFacingError("Nobody reports to you, so there is no team to look back at. "
                                  "Your own review: `/okr review`.")
        return view

    def export(self, *, quarter: str) -> list[dict[str, Any]]:
        """`okrbot export reviews --quarter 2026-Q4`: a row per objective (grades and outcomes, no words)."""
        quarter = typed_quarter(quarter) or ""
        with self._ctx.sessions() as session:
            return export_rows(session, quarter)

