"""People: the Slack users okrbot knows, their timezone (cached from users.info) and reporting line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.core.ports import SlackUser
from storage.db import insert_ignore
from storage.models import Person

STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class PersonView:
    """A person as services and block builders see them."""

    team_id: str
    user_id: str
    name: str
    tz: str
    manager_id: str | None
    is_active: bool
    is_bot: bool
    is_admin: bool
    away_until: date | None

    @classmethod
    def of(cls, person: Person, default_tz: str) -> PersonView:
        """The view of a stored person; an unknown or invalid timezone falls back to `default_tz`."""
        return cls(person.team_id, person.user_id, person.name or person.user_id, valid_tz(person.tz, default_tz),
                   person.manager_id, person.is_active, person.is_bot, person.is_admin, person.away_until)

    @property
    def zone(self) -> ZoneInfo:
        """The person's timezone."""
        return ZoneInfo(self.tz)


def valid_tz(tz: str | None, default: str) -> str:
    """`tz` if it is a known IANA zone, else `default`."""
    if tz:
        try:
            ZoneInfo(tz)
            return tz
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return default


def lock_person(session: Session, team_id: str, user_id: str) -> None:
    """Serialise one person's writes: a no-op update that locks their row (PostgreSQL) or the database (SQLite)."""
    session.execute(update(Person).where(Person.team_id == team_id, Person.user_id == user_id)
                    .values(user_id=Person.user_id).execution_options(synchronize_session=False))


class PeopleService:
    """Resolves Slack users into stored people, refreshing them from Slack when stale."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def view(self, session: Session, team_id: str, user_id: str) -> PersonView | None:
        """The stored person, without asking Slack."""
        person = session.get(Person, (team_id, user_id))
        return PersonView.of(person, self._ctx.settings.default_timezone) if person else None

    def ensure(self, team_id: str, user_id: str, *, refresh: bool = False) -> PersonView | None:
        """The person, fetched from Slack when unknown or stale; None when Slack does not know them."""
        now = self._ctx.clock()
        with self._ctx.sessions.begin() as session:
            person = session.get(Person, (team_id, user_id))
            fresh = person is not None and person.synced_at is not None and now - person.synced_at < STALE_AFTER
            if fresh and not refresh:
                return PersonView.of(person, self._ctx.settings.default_timezone)
        slack_user = self._ctx.directory.user(team_id, user_id)
        with self._ctx.sessions.begin() as session:
            person = session.get(Person, (team_id, user_id))
            if slack_user is None:
                return PersonView.of(person, self._ctx.settings.default_timezone) if person else None
            person = self._upsert(session, team_id, slack_user, now)
            return PersonView.of(person, self._ctx.settings.default_timezone)

    def require_colleague(self, team_id: str, user_id: str, *, actor: str, field: str | None = None,
                          what: str = "that person") -> PersonView:
        """A real, active, human colleague other than `actor`, or a clear UserFacingError."""
        if user_id == actor:
            raise UserFacingError(f"You can't pick yourself as {what}.", field=field)
        person = self.ensure(team_id, user_id)
        if person is None:
            raise UserFacingError(f"I don't know <@{user_id}> in this workspace.", field=field)
        if person.is_bot:
            raise UserFacingError(f"<@{user_id}> is a bot, not a person.", field=field)
        if not person.is_active:
            raise UserFacingError(f"<@{user_id}> is deactivated.", field=field)
        return person

    def upsert(self, session: Session, team_id: str, slack_user: SlackUser) -> Person:
        """Store what Slack says of a user (used by imports and the sandbox seed)."""
        return self._upsert(session, team_id, slack_user, self._ctx.clock())

    @staticmethod
    def _upsert(session: Session, team_id: str, slack_user: SlackUser, now: datetime) -> Person:
        # Two requests may meet a new person at once: the primary key decides (insert-or-ignore, then read).
        insert_ignore(session, Person, {"team_id": team_id, "user_id": slack_user.user_id})
        person = session.get(Person, (team_id, slack_user.user_id))
        person.name = slack_user.name
        person.email = slack_user.email
        person.tz = person.tz_override or slack_user.tz
        person.is_bot = slack_user.is_bot
        person.is_active = not slack_user.deleted
        person.is_admin = slack_user.is_admin
        person.synced_at = now
        session.flush()
        return person

    def set_manager(self, team_id: str, user_id: str, manager_id: str | None) -> PersonView:
        """Record `manager_id` as the person's manager (None clears it); refuses cycles and self."""
        if manager_id is not None:
            self.require_colleague(team_id, manager_id, actor=user_id, field="manager", what="your own manager")
        self.ensure(team_id, user_id)
        with self._ctx.sessions.begin() as session:
            person = session.get(Person, (team_id, user_id))
            if person is None:
                person = Person(team_id=team_id, user_id=user_id, name=user_id)
                session.add(person)
            if manager_id is not None and user_id in self.chain_of_managers(session, team_id, manager_id):
                raise UserFacingError(f"<@{manager_id}> reports to you, so they can't be your manager.",
                                      field="manager")
            person.manager_id = manager_id
            session.flush()
            return PersonView.of(person, self._ctx.settings.default_timezone)

    @staticmethod
    def chain_of_managers(session: Session, team_id: str, user_id: str, limit: int = 100) -> list[str]:
        """`user_id`'s manager, their manager, and so on (stops at a cycle)."""
        chain: list[str] = []
        current = session.get(Person, (team_id, user_id))
        while current is not None and current.manager_id and current.manager_id not in chain and len(chain) < limit:
            chain.append(current.manager_id)
            current = session.get(Person, (team_id, current.manager_id))
        return chain

    def reports_of(self, session: Session, team_id: str, manager_id: str) -> list[PersonView]:
        """Active direct reports of a manager, by name."""
        stmt = (select(Person).where(Person.team_id == team_id, Person.manager_id == manager_id,
                                     Person.is_active.is_(True)).order_by(Person.name, Person.user_id))
        return [PersonView.of(p, self._ctx.settings.default_timezone) for p in session.scalars(stmt)]
