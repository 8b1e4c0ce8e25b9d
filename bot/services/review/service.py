"""Use-cases of the quarter review (issue 17): open, drafts, submit, the review 1-on-1, grades, carry-over.

* A review (quarter_reviews) is one person's look back at one quarter; it has a part per objective
  (objective_reviews), made when the review is opened. Parts are drafts until the review is submitted, and
  stay editable until the review 1-on-1 is done.
* Submitting twice changes nothing the second time. "Ask Maria for a review 1-on-1" makes a 1-on-1 request
  (bot/services/one_on_ones.py) whose topic lists the review, linked to it: once accepted, the 1-on-1's
  message gets the review agenda as the first reply of its thread (`review:{id}:agenda`), updated in place
  when grades change.
* The manager who was asked grades each objective beside the report's grade; both see both.
* Carry over copies an unmet objective into the next quarter (its key results start where they ended),
  once: the objective's natural key and a row lock on the part make a double click one objective.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from bot.blocks import review as review_blocks
from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.okrs.queries import load_objectives, objective_rows
from bot.services.okrs.status import QUARTER, next_quarter
from bot.services.people.service import PersonView
from bot.services.review.agenda import load_review
from bot.services.review.grading import format_grade, parse_grade
from bot.services.review.lookback import export_rows, look_back
from bot.services.review.prompts import PromptScan
from bot.services.review.window import default_quarter, finished_quarter, reviewing_quarter
from bot.views.review import (
    MAX_COMMENT,
    MAX_WORDS,
    OUTCOME_LABEL,
    OUTCOMES,
    GradeForm,
    LookBackView,
    ObjectiveForm,
    QuarterReviewView,
    ReviewBlock,
    ReviewHomeView,
)
from storage.db import insert_ignore
from storage.models import KeyResult, Objective, OneOnOne, OutboundMessage, Person
from storage.models_review import ObjectiveReview, QuarterReview

if TYPE_CHECKING:
    from bot.services.okrs.service import OkrService
    from bot.services.one_on_ones.requests import Requests
    from bot.services.people.service import PeopleService

log = logging.getLogger("okrbot.review")
NOT_YOURS = "That review does not exist, or it is not yours to open."
ASKING = "~asking"  # manager_id while the review 1-on-1 is being requested (claims it against a double click)


def agenda_key(review_id: int) -> str:
    """Outbox key of the review agenda in the review 1-on-1's thread."""
    return f"review:{review_id}:agenda"


def _text(values: dict[str, Any], block: str, limit: int) -> str:
    text = str(values.get(block) or "").strip()
    if len(text) > limit:
        raise UserFacingError(f"Please keep this under {limit:,} characters (it is {len(text):,}).", field=block)
    return text


class ReviewService:
    """The quarter review (issue 17)."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService, okrs: OkrService, one_on_ones: Requests) -> None:
        self._ctx = ctx
        self._people = people
        self._okrs = okrs
        self._one_on_ones = one_on_ones

    # ---- helpers -----------------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self._ctx.clock()

    def _person(self, team_id: str, user_id: str) -> PersonView | None:
        return self._people.ensure(team_id, user_id)

    def _zone(self, person: PersonView | None) -> Any:
        from bot.services.nudges.cadence import Cadence

        return person.zone if person else Cadence.of(self._ctx.settings).zone(None)

    @staticmethod
    def _quarter(text: str | None) -> str | None:
        raw = (text or "").strip().upper()
        if not raw:
            return None
        if not QUARTER.match(raw):
            raise UserFacingError(f"`{raw[:20]}` is not a quarter: type it like `2026-Q4`.")
        return raw

    def _ensure(self, session: Session, team_id: str, owner_id: str, quarter: str) -> QuarterReview | None:
        """The person's review of `quarter` with a part per objective (None when they had no objective)."""
        objective_ids = list(session.scalars(select(Objective.id).where(
            Objective.team_id == team_id, Objective.owner_id == owner_id, Objective.quarter == quarter)))
        review = session.scalar(select(QuarterReview).where(
            QuarterReview.team_id == team_id, QuarterReview.owner_id == owner_id, QuarterReview.quarter == quarter))
        if not objective_ids and review is None:
            return None
        now = self._now()
        if review is None:
            insert_ignore(session, QuarterReview, {"team_id": team_id, "owner_id": owner_id, "quarter": quarter,
                                                   "state": "draft", "revision": 0, "created_at": now,
                                                   "updated_at": now})
            review = session.scalars(select(QuarterReview).where(
                QuarterReview.team_id == team_id, QuarterReview.owner_id == owner_id,
                QuarterReview.quarter == quarter)).one()
        if objective_ids:
            insert_ignore(session, ObjectiveReview, [
                {"team_id": team_id, "review_id": review.id, "objective_id": i, "helped": "", "in_the_way": "",
                 "carry": "", "obstacles": [], "manager_comment": "", "updated_at": now} for i in objective_ids])
        return review

    def _review(self, session: Session, team_id: str, review_id: int, *, lock: bool = False) -> QuarterReview:
        stmt = select(QuarterReview).where(QuarterReview.team_id == team_id, QuarterReview.id == review_id)
        review = session.scalar(stmt.with_for_update() if lock else stmt)
        if review is None:
            raise NotFound(NOT_YOURS)
        return review

    def _part(self, session: Session, team_id: str, part_id: int, *, lock: bool = False
              ) -> tuple[ObjectiveReview, QuarterReview]:
        stmt = select(ObjectiveReview).where(ObjectiveReview.team_id == team_id, ObjectiveReview.id == part_id)
        part = session.scalar(stmt.with_for_update() if lock else stmt)
        if part is None:
            raise NotFound(NOT_YOURS)
        return part, self._review(session, team_id, part.review_id)

    def _load(self, session: Session, review: QuarterReview, *, details: bool = True) -> QuarterReviewView:
        return load_review(session, review, self._now(), details=details)

    @staticmethod
    def _may_see(review: QuarterReview, viewer: str) -> None:
        if viewer not in (review.owner_id, review.manager_id):
            raise NotFound(NOT_YOURS)

    def _closed(self, session: Session, review: QuarterReview) -> bool:
        return review.one_on_one_id is not None and bool(session.scalar(select(exists().where(
            OneOnOne.id == review.one_on_one_id, OneOnOne.state == "done"))))

    def _changed(self, session: Session, review: QuarterReview) -> None:
        """After a change: bump the revision and update the agenda in the 1-on-1's thread if it was posted."""
        review.revision = (review.revision or 0) + 1
        review.updated_at = self._now()
        session.flush()
        posted = session.scalar(select(exists().where(OutboundMessage.team_id == review.team_id,
                                                      OutboundMessage.dedupe_key == agenda_key(review.id))))
        if posted:
            view = self._load(session, review)
            self._ctx.outbox.add(session, team_id=review.team_id, key=f"{agenda_key(review.id)}:r{review.revision}",
                                 channel=review.owner_id, text=review_blocks.agenda_text(view),
                                 blocks=review_blocks.agenda_message(view), update_of=agenda_key(review.id))

    # ---- the report ----------------------------------------------------------------------------------
    def open(self, *, team_id: str, user_id: str, quarter: str | None = None) -> QuarterReviewView:
        """The person's review of `quarter` (default: the one under review now, else this quarter)."""
        person = self._person(team_id, user_id)
        quarter = self._quarter(quarter) or default_quarter(self._now(), self._zone(person))
        with self._ctx.sessions.begin() as session:
            review = self._ensure(session, team_id, user_id, quarter)
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
            review = self._ensure(session, team_id, user_id, objective.quarter)
            assert review is not None
            view = self._load(session, review)
        part = next(p for p in view.objectives if p.objective_id == objective_id)
        return ObjectiveForm(view.id, view.quarter, part)

    def part_form(self, *, team_id: str, user_id: str, part_id: int, root_view_id: str = "") -> ObjectiveForm:
        """The form of one objective of the person's own review."""
        with self._ctx.sessions() as session:
            part, review = self._part(session, team_id, part_id)
            if review.owner_id != user_id:
                raise NotFound(NOT_YOURS)
            if self._closed(session, review):
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
        helped = _text(values, ReviewBlock.HELPED, MAX_WORDS)
        in_the_way = _text(values, ReviewBlock.IN_THE_WAY, MAX_WORDS)
        carry = _text(values, ReviewBlock.CARRY, MAX_WORDS)
        raw_picked = values.get(ReviewBlock.OBSTACLES) or []
        with self._ctx.sessions.begin() as session:
            part, review = self._part(session, team_id, part_id, lock=True)
            if review.owner_id != user_id:
                raise NotFound(NOT_YOURS)
            if self._closed(session, review):
                raise UserFacingError("The review 1-on-1 is done, so this review is closed.", field=ReviewBlock.GRADE)
            offered = {o.check_in_id for p in self._load(session, review).objectives if p.id == part.id
                       for o in p.obstacles}
            picked = sorted({int(v) for v in raw_picked if str(v).isdigit() and int(v) in offered})
            part.grade, part.outcome, part.helped = grade, outcome, helped
            part.in_the_way, part.carry = in_the_way, carry
            part.obstacles = picked
            part.updated_at = self._now()
            self._changed(session, review)
            return self._load(session, review)

    def submit(self, *, team_id: str, user_id: str, review_id: int) -> tuple[QuarterReviewView, bool]:
        """Submit the review (every objective needs a grade and an outcome); (view, False) the second time."""
        with self._ctx.sessions.begin() as session:
            review = self._review(session, team_id, review_id)
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
        me = self._person(team_id, user_id)
        with self._ctx.sessions() as session:
            review = self._review(session, team_id, review_id)
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
            claimed = session.execute(update(QuarterReview).where(
                QuarterReview.id == review_id, QuarterReview.one_on_one_id.is_(None),
                QuarterReview.state == "submitted", QuarterReview.manager_id.is_distinct_from(ASKING))
                .values(manager_id=ASKING).execution_options(synchronize_session=False)).rowcount == 1
        if not claimed:
            with self._ctx.sessions() as session:
                return self._load(session, self._review(session, team_id, review_id))
        try:
            request = self._one_on_ones.request(
                team_id=team_id, requester=user_id, manager_id=manager, topic=review_blocks.review_topic(view),
                objective_ids=[o.objective_id for o in view.objectives], field=None)
        except BaseException:
            with self._ctx.sessions.begin() as session:
                session.execute(update(QuarterReview).where(QuarterReview.id == review_id,
                                                            QuarterReview.manager_id == ASKING)
                                .values(manager_id=None).execution_options(synchronize_session=False))
            raise
        with self._ctx.sessions.begin() as session:
            session.execute(update(QuarterReview).where(QuarterReview.id == review_id)
                            .values(one_on_one_id=request.id, manager_id=manager, updated_at=self._now())
                            .execution_options(synchronize_session=False))
            return self._load(session, self._review(session, team_id, review_id))

    # ---- the review 1-on-1 ---------------------------------------------------------------------------
    def agenda(self, *, team_id: str, viewer: str, review_id: int) -> QuarterReviewView:
        """The review as its agenda shows it, for the report or their reviewing manager only."""
        with self._ctx.sessions() as session:
            review = self._review(session, team_id, review_id)
            self._may_see(review, viewer)
            return self._load(session, review)

    def grade_form(self, *, team_id: str, manager: str, part_id: int, root_view_id: str = "") -> GradeForm:
        """The manager's grade form of one objective."""
        with self._ctx.sessions() as session:
            part, review = self._part(session, team_id, part_id)
            self._may_grade(review, manager)
            view = self._load(session, review)
        found = view.objective(part.id)
        assert found is not None
        return GradeForm(view.id, view.owner_name, found, root_view_id)

    @staticmethod
    def _may_grade(review: QuarterReview, actor: str) -> None:
        if review.manager_id != actor:
            if actor == review.owner_id:
                raise UserFacingError("Your manager adds their grade here in the review 1-on-1; yours is in your "
                                      "own review.")
            raise NotFound(NOT_YOURS)

    def grade(self, *, team_id: str, manager: str, part_id: int, values: dict[str, Any]) -> QuarterReviewView:
        """The manager's grade and comment for one objective (both see both)."""
        grade = parse_grade(values.get(ReviewBlock.MANAGER_GRADE), field=ReviewBlock.MANAGER_GRADE)
        comment = _text(values, ReviewBlock.MANAGER_COMMENT, MAX_COMMENT)
        with self._ctx.sessions.begin() as session:
            part, review = self._part(session, team_id, part_id, lock=True)
            self._may_grade(review, manager)
            if part.manager_grade == grade and (part.manager_comment or "") == comment:
                return self._load(session, review)
            part.manager_grade, part.manager_comment, part.updated_at = grade, comment, self._now()
            self._changed(session, review)
            return self._load(session, review)

    def carry(self, *, team_id: str, actor: str, part_id: int) -> tuple[QuarterReviewView, bool]:
        """Carry an unmet objective into the next quarter, once; (view, created)."""
        with self._ctx.sessions.begin() as session:
            part, review = self._part(session, team_id, part_id, lock=True)
            self._may_see(review, actor)
            if part.carried_to_id is not None:
                return self._load(session, review), False
            if part.outcome == "met":
                raise UserFacingError("This objective was met: there is nothing to carry over.")
            old = session.get(Objective, part.objective_id)
            assert old is not None
            quarter, now = next_quarter(old.quarter), self._now()
            created = bool(insert_ignore(session, Objective, {
                "team_id": team_id, "owner_id": old.owner_id, "quarter": quarter, "title": old.title,
                "tag": old.tag, "created_at": now, "updated_at": now}))
            new_id = session.scalar(select(Objective.id).where(
                Objective.team_id == team_id, Objective.owner_id == old.owner_id, Objective.quarter == quarter,
                Objective.title == old.title))
            if created:
                for kr in session.scalars(select(KeyResult).where(KeyResult.objective_id == old.id)
                                          .order_by(KeyResult.position, KeyResult.id)):
                    session.add(KeyResult(team_id=team_id, objective_id=new_id, title=kr.title, position=kr.position,
                                          start_value=kr.current_value, target_value=kr.target_value,
                                          current_value=kr.current_value, unit=kr.unit, status=None,
                                          updated_at=now))
                session.flush()
                views = load_objectives(session, objective_rows(team_id).where(Objective.id == new_id), now)
                if views:
                    self._okrs.post_message(session, views[0])
            part.carried_to_id = new_id
            part.updated_at = now
            self._changed(session, review)
            return self._load(session, review), created

    def post_agenda(self, session: Session, one_on_one: OneOnOne) -> None:
        """When a review 1-on-1's message is posted: its first thread reply is the review agenda."""
        review = session.scalar(select(QuarterReview).where(QuarterReview.one_on_one_id == one_on_one.id))
        if review is None:
            return
        view = self._load(session, review)
        from bot.services.one_on_ones.rows import pair_key

        self._ctx.outbox.add(session, team_id=review.team_id, key=agenda_key(review.id), channel=one_on_one.manager_id,
                             text=review_blocks.agenda_text(view), blocks=review_blocks.agenda_message(view),
                             thread_of=pair_key(one_on_one.id))

    # ---- the prompt, the Home, the look back, the export ---------------------------------------------
    def scan(self) -> Any:
        """Queue the "Review your quarter" DM of everyone due now (each once); see bot.services.review.prompts."""
        return PromptScan(self._ctx).run()

    def for_home(self, team_id: str, user_id: str) -> ReviewHomeView | None:
        """The Home part: the viewer's review due (or in progress) and, for leaders, the look back."""
        now = self._now()
        with self._ctx.sessions() as session:
            person = session.get(Person, (team_id, user_id))
            view = PersonView.of(person, self._ctx.settings.default_timezone) if person else None
            zone = self._zone(view)
            quarter = reviewing_quarter(now, zone)
            review = None
            count = 0
            if quarter is None:  # out of the window: a review of the last quarter still in progress stays
                late = session.scalar(select(QuarterReview).where(
                    QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id,
                    QuarterReview.quarter == finished_quarter(now, zone)))
                if late is not None and not self._closed(session, late) and late.one_on_one_id is None:
                    quarter = late.quarter
            if quarter:
                review = session.scalar(select(QuarterReview).where(
                    QuarterReview.team_id == team_id, QuarterReview.owner_id == user_id,
                    QuarterReview.quarter == quarter))
                count = len(session.scalars(select(Objective.id).where(
                    Objective.team_id == team_id, Objective.owner_id == user_id, Objective.quarter == quarter)).all())
                if not count:
                    quarter = None
            back = look_back(session, team_id, user_id, finished_quarter(now, zone))
            if back is not None and not back.people:
                back = None  # nobody in the tree had objectives that quarter: nothing to look back at
            manager_name = ""
            if view and view.manager_id:
                manager = session.get(Person, (team_id, view.manager_id))
                manager_name = (manager.name if manager else "") or ""
        if quarter is None and back is None:
            return None
        return ReviewHomeView(quarter, review.state if review else None, count,
                              review.one_on_one_id if review else None, review.id if review else None,
                              manager_name, back)

    def look_back(self, *, team_id: str, leader: str, quarter: str | None = None) -> LookBackView:
        """`/okr review team [quarter]`: the leader's look back (default: the last finished quarter)."""
        person = self._person(team_id, leader)
        quarter = self._quarter(quarter) or finished_quarter(self._now(), self._zone(person))
        with self._ctx.sessions() as session:
            view = look_back(session, team_id, leader, quarter)
        if view is None:
            raise UserFacingError("Nobody reports to you, so there is no team to look back at. "
                                  "Your own review: `/okr review`.")
        return view

    def export(self, *, quarter: str) -> list[dict[str, Any]]:
        """`okrbot export reviews --quarter 2026-Q4`: a row per objective (grades and outcomes, no words)."""
        quarter = self._quarter(quarter) or ""
        with self._ctx.sessions() as session:
            return export_rows(session, quarter)


def describe_outcome(outcome: str | None, grade: float | None) -> str:
    """"0.6, partly met" for a topic line."""
    return f"{format_grade(grade)}, {OUTCOME_LABEL.get(outcome or '', 'not graded').lower()}"
