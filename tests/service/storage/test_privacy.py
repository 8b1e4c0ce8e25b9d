"""The privacy queries: private notes for their author only; feedback for its recipient (and manager if chosen)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from storage.crypto import Keyring, attach
from storage.db import make_engine, make_sessions
from storage.models import Person
from storage.models_feedback import Feedback
from storage.models_one_on_ones import Note, OneOnOne
from storage.privacy import feedback_visible_to, notes_visible_to, shared_notes
from tests.support.stack import SECRET_KEY

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def arrange(session: Session) -> int:
    """Maria manages Ravi; one 1-on-1 with a shared note and one private note from each; another team's note."""
    session.add_all([Person(team_id="T1", user_id="URAVI", manager_id="UMARIA"),
                     Person(team_id="T1", user_id="UMARIA")])
    meeting = OneOnOne(team_id="T1", requester_id="URAVI", manager_id="UMARIA", requested_at=NOW, state="accepted")
    other = OneOnOne(team_id="T2", requester_id="URAVI", manager_id="UMARIA", requested_at=NOW)
    session.add_all([meeting, other])
    session.flush()
    session.add_all([
        Note(team_id="T1", one_on_one_id=meeting.id, author_id="UMARIA", text="shared by maria", created_at=NOW),
        Note(team_id="T1", one_on_one_id=meeting.id, author_id="UMARIA", text="maria only", private=True,
             created_at=NOW),
        Note(team_id="T1", one_on_one_id=meeting.id, author_id="URAVI", text="ravi only", private=True,
             created_at=NOW),
        Note(team_id="T2", one_on_one_id=other.id, author_id="UMARIA", text="other team", created_at=NOW),
    ])
    return meeting.id


def texts(session: Session, stmt) -> set[str]:  # noqa: ANN001
    return {row.text for row in session.scalars(stmt)}


def test_each_participant_reads_shared_notes_and_only_their_own_private_ones(db_url: str) -> None:
    """Maria never sees Ravi's private note, Ravi never sees Maria's."""
    sessions = make_sessions(attach(make_engine(db_url), Keyring([SECRET_KEY])))
    with sessions.begin() as session:
        meeting = arrange(session)
        assert texts(session, notes_visible_to("T1", "UMARIA", [meeting])) == {"shared by maria", "maria only"}
        assert texts(session, notes_visible_to("T1", "URAVI", [meeting])) == {"shared by maria", "ravi only"}


def test_outsiders_and_admins_read_no_note(db_url: str) -> None:
    """Someone who is not a participant (an admin included) reads nothing, not even shared notes."""
    sessions = make_sessions(attach(make_engine(db_url), Keyring([SECRET_KEY])))
    with sessions.begin() as session:
        meeting = arrange(session)
        assert texts(session, notes_visible_to("T1", "UADMIN", [meeting])) == set()


def test_exports_contain_no_private_note_and_stay_in_their_team(db_url: str) -> None:
    """shared_notes is what exports may contain."""
    sessions = make_sessions(attach(make_engine(db_url), Keyring([SECRET_KEY])))
    with sessions.begin() as session:
        arrange(session)
        assert texts(session, shared_notes("T1")) == {"shared by maria"}


def test_feedback_manager_visibility_both_ways(db_url: str) -> None:
    """The manager reads feedback about their report only when the giver chose private+manager."""
    sessions = make_sessions(attach(make_engine(db_url), Keyring([SECRET_KEY])))
    with sessions.begin() as session:
        arrange(session)
        session.add_all([
            Feedback(team_id="T1", giver_id="UPAT", receiver_id="URAVI", text="for ravi only", created_at=NOW),
            Feedback(team_id="T1", giver_id="UPAT", receiver_id="URAVI", text="ravi and maria",
                     visibility="private+manager", created_at=NOW),
        ])
        session.flush()
        assert texts(session, feedback_visible_to("T1", "URAVI")) == {"for ravi only", "ravi and maria"}
        assert texts(session, feedback_visible_to("T1", "UMARIA")) == {"ravi and maria"}
        assert texts(session, feedback_visible_to("T1", "UPAT")) == set()
        assert texts(session, feedback_visible_to("T1", "UADMIN")) == set()
        assert texts(session, feedback_visible_to("T2", "URAVI")) == set()
