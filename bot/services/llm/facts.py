"""What a prompt may contain, read for one acting person: only fields that person may read themselves.

Each reader checks the person's right first (a key result's owner or someone above them; a 1-on-1's two
participants; one's own OKRs), then reads through the privacy rules:

- never a note marked private (not even the actor's own: a private note stays out of every prompt),
- never feedback, feedback requests or kudos (none of them is read here at all),
- never another 1-on-1's summaries or notes, never another pair's tasks,
- replies in an OKR thread that lives in the owner's DM only when the actor is that owner,
- never a row of another workspace (every query is scoped by `team_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.services.core.errors import NotFound, UserFacingError
from bot.services.okrs.status import effective_status, progress, quarter_of
from storage.models import CheckIn, KeyResult, Objective, OkrComment, Person
from storage.models_one_on_ones import ConversationMessage, Note, OneOnOne, Task
from storage.privacy import shared_notes

CHECK_INS = 3
THREAD_REPLIES = 10
MEETING_REPLIES = 30
MEETING_NOTES = 20
TEXT = 600  # characters of one free-text field in a prompt
MAX_CHAIN = 20


@dataclass(frozen=True)
class CheckInFact:
    """One earlier check-in of a key result."""

    day: date
    value: float
    status: str
    obstacles: str
    next_steps: str


@dataclass(frozen=True)
class KeyResultFacts:
    """A key result as a prompt may describe it."""

    key_result_id: int
    objective_id: int
    owner_id: str
    owner_name: str
    objective: str
    title: str
    unit: str
    start: float
    current: float
    target: float
    progress: float
    status: str
    obstacle: str
    obstacle_age_days: int | None
    age_days: int  # days since the key result last changed
    check_ins: tuple[CheckInFact, ...] = ()
    thread: tuple[str, ...] = ()  # "name: text" replies of the OKR thread the actor may read


@dataclass(frozen=True)
class MeetingFacts:
    """A 1-on-1 as a prompt may describe it: shared notes, talking points, tasks and its thread."""

    one_on_one_id: int
    requester_name: str
    manager_name: str
    topic: str
    objectives: tuple[str, ...]
    shared_notes: tuple[str, ...]  # "name: text"
    talking_points: tuple[str, ...]
    tasks: tuple[str, ...]  # "text (assignee, open|done)"
    thread: tuple[str, ...]  # "name: text"


@dataclass(frozen=True)
class PrepareFacts:
    """One's own OKR status before a 1-on-1 with one's manager."""

    person_name: str
    manager_name: str
    quarter: str
    key_results: tuple[KeyResultFacts, ...]
    open_tasks: tuple[str, ...]


def _cut(text: str | None, limit: int = TEXT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _names(session: Session, team_id: str, user_ids: set[str]) -> dict[str, str]:
    rows = session.execute(select(Person.user_id, Person.name).where(Person.team_id == team_id,
                                                                     Person.user_id.in_(user_ids))).all()
    found = {user_id: name for user_id, name in rows if name}
    return {u: found.get(u, "someone") for u in user_ids}


def _manages(session: Session, team_id: str, actor: str, owner: str) -> bool:
    """Whether `actor` is above `owner` in the reporting tree (their manager, or their manager's…)."""
    current, seen = owner, set()
    for _ in range(MAX_CHAIN):
        manager = session.scalar(select(Person.manager_id).where(Person.team_id == team_id, Person.user_id == current))
        if not manager or manager in seen:
            return False
        if manager == actor:
            return True
        seen.add(manager)
        current = manager
    return False


def key_result_facts(session: Session, team_id: str, actor: str, key_result_id: int, now: datetime) -> KeyResultFacts:
    """The key result with its last check-ins and OKR thread, if `actor` owns it or is above its owner."""
    row = session.execute(select(KeyResult, Objective).join(Objective, Objective.id == KeyResult.objective_id)
                          .where(KeyResult.team_id == team_id, Objective.team_id == team_id,
                                 KeyResult.id == key_result_id)).first()
    if row is None:
        raise NotFound("That key result does not exist (any more).")
    kr, objective = row
    if actor != objective.owner_id and not _manages(session, team_id, actor, objective.owner_id):
        raise UserFacingError("Only the owner of this key result and the people they report to can ask for "
                              "suggestions on it.")
    return _kr_facts(session, team_id, actor, kr, objective, now, with_history=True)


def _kr_facts(session: Session, team_id: str, actor: str, kr: KeyResult, objective: Objective, now: datetime, *,
              with_history: bool) -> KeyResultFacts:
    check_ins = list(session.scalars(select(CheckIn).where(CheckIn.team_id == team_id, CheckIn.key_result_id == kr.id)
                                     .order_by(CheckIn.created_at.desc(), CheckIn.id.desc()).limit(CHECK_INS)))
    latest_obstacle = next((c for c in check_ins if c.obstacles.strip()), None)
    thread: tuple[str, ...] = ()
    if with_history:
        replies = select(OkrComment).where(OkrComment.team_id == team_id, OkrComment.objective_id == objective.id,
                                           OkrComment.kind == "reply", OkrComment.deleted_at.is_(None))
        if actor != objective.owner_id:  # a thread in the owner's DM is theirs alone
            replies = replies.where(~OkrComment.channel_id.startswith("D"))
        comments = list(session.scalars(replies.order_by(OkrComment.created_at.desc(), OkrComment.id.desc())
                                        .limit(THREAD_REPLIES)))[::-1]
        names = _names(session, team_id, {c.user_id for c in comments})
        thread = tuple(f"{names[c.user_id]}: {_cut(c.text)}" for c in comments if c.text.strip())
    names = _names(session, team_id, {objective.owner_id})
    return KeyResultFacts(
        key_result_id=kr.id, objective_id=objective.id, owner_id=objective.owner_id,
        owner_name=names[objective.owner_id], objective=_cut(objective.title, 300), title=_cut(kr.title, 300),
        unit=_cut(kr.unit, 32), start=kr.start_value, current=kr.current_value, target=kr.target_value,
        progress=progress(kr.start_value, kr.target_value, kr.current_value),
        status=effective_status(kr.status, kr.start_value, kr.target_value, kr.current_value, objective.quarter, now),
        obstacle=_cut(latest_obstacle.obstacles) if latest_obstacle else "",
        obstacle_age_days=(now - latest_obstacle.created_at).days if latest_obstacle else None,
        age_days=max(0, (now - kr.updated_at).days),
        check_ins=tuple(CheckInFact(c.created_at.date(), c.value, c.status or "", _cut(c.obstacles),
                                    _cut(c.next_steps)) for c in check_ins) if with_history else (),
        thread=thread)


def meeting_facts(session: Session, team_id: str, actor: str, one_on_one_id: int,
                  talking_points: tuple[str, ...] = ()) -> MeetingFacts:
    """A 1-on-1 `actor` took part in: topic, linked objectives, shared notes, tasks and thread replies."""
    row = session.scalar(select(OneOnOne).where(OneOnOne.team_id == team_id, OneOnOne.id == one_on_one_id))
    if row is None:
        raise NotFound("That 1-on-1 does not exist (any more).")
    if actor not in (row.requester_id, row.manager_id):
        raise UserFacingError("Only the two people of this 1-on-1 can draft its summary.")
    notes = list(session.scalars(shared_notes(team_id).where(Note.one_on_one_id == row.id).limit(MEETING_NOTES)))
    tasks = list(session.scalars(select(Task).where(Task.team_id == team_id, Task.one_on_one_id == row.id)
                                 .order_by(Task.created_at, Task.id)))
    replies = list(session.scalars(select(ConversationMessage).where(
        ConversationMessage.team_id == team_id, ConversationMessage.one_on_one_id == row.id,
        ConversationMessage.deleted_at.is_(None)).order_by(ConversationMessage.created_at.desc(),
                                                           ConversationMessage.id.desc()).limit(MEETING_REPLIES)))[::-1]
    people = {row.requester_id, row.manager_id} | {n.author_id for n in notes} | {t.assignee_id for t in tasks}
    people |= {r.user_id for r in replies}
    names = _names(session, team_id, people)
    return MeetingFacts(
        one_on_one_id=row.id, requester_name=names[row.requester_id], manager_name=names[row.manager_id],
        topic=_cut(row.topic), objectives=tuple(_cut(o.title, 300) for o in row.objectives if o.team_id == team_id),
        shared_notes=tuple(f"{names[n.author_id]}: {_cut(n.text)}" for n in notes),
        talking_points=tuple(_cut(p, 300) for p in talking_points),
        tasks=tuple(f"{_cut(t.text, 300)} ({names[t.assignee_id]}, {'done' if t.done else 'open'})" for t in tasks),
        thread=tuple(f"{names[r.user_id]}: {_cut(r.text)}" for r in replies if r.text.strip()))


def prepare_facts(session: Session, team_id: str, actor: str, now: datetime, zone_today: date) -> PrepareFacts:
    """The actor's own key results of the quarter and their open tasks from 1-on-1s with their manager."""
    person = session.scalar(select(Person).where(Person.team_id == team_id, Person.user_id == actor))
    manager_id = person.manager_id if person else None
    quarter = quarter_of(zone_today)
    rows = session.execute(select(KeyResult, Objective).join(Objective, Objective.id == KeyResult.objective_id)
                           .where(Objective.team_id == team_id, Objective.owner_id == actor,
                                  Objective.quarter == quarter).order_by(Objective.id, KeyResult.position)).all()
    krs = tuple(_kr_facts(session, team_id, actor, kr, objective, now, with_history=False) for kr, objective in rows)
    theirs = select(OneOnOne.id).where(OneOnOne.team_id == team_id, or_(OneOnOne.requester_id == actor,
                                                                         OneOnOne.manager_id == actor))
    if manager_id:
        theirs = theirs.where(or_(OneOnOne.requester_id == manager_id, OneOnOne.manager_id == manager_id))
    tasks = list(session.scalars(select(Task).where(Task.team_id == team_id, Task.assignee_id == actor,
                                                    Task.done.is_(False), Task.one_on_one_id.in_(theirs))
                                 .order_by(Task.created_at, Task.id).limit(10)))
    names = _names(session, team_id, {actor} | ({manager_id} if manager_id else set()))
    return PrepareFacts(person_name=names[actor], manager_name=names[manager_id] if manager_id else "your manager",
                        quarter=quarter, key_results=krs, open_tasks=tuple(_cut(t.text, 300) for t in tasks))
