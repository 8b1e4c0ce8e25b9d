"""Kudos by /kudos, by the Give kudos form and message shortcut, and by emoji reaction.

Exactly once by construction: a kudos is unique on (team, giver, receiver, channel, message ts,
reaction) (`uq_kudos_natural`). For a reaction that is the reacted message; for /kudos it is the
command's trigger id; for the shortcut, the message it was used on. A retried event, a reaction added
twice or a form submitted twice therefore counts once. Removing the reaction deletes that row.

The daily allowance counts kudos by the giver's local day (their Slack timezone). Each giver's kudos
are written one transaction at a time (the giver's person row is locked first), so two reactions
arriving together cannot both take the last kudos of the day.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.blocks import kudos as kudos_blocks
from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.core.parsing import parse_id
from bot.services.kudos.notices import KudosNotices
from bot.services.kudos.parsing import check_kudos, parse_kudos_command
from bot.services.kudos.queries import KudosQueries, matches, month_label, period_bounds
from bot.services.okrs.status import quarter_of
from bot.services.people.service import PersonView, lock_person
from bot.views.kudos import (
    BlockId,
    KudosForm,
    KudosHomeView,
    KudosLimit,
    KudosSent,
    KudosUsage,
    KudosView,
    Leaderboard,
)
from storage.db import insert_ignore
from storage.models import Objective
from storage.models_kudos import Kudos

if TYPE_CHECKING:
    from bot.services.people.service import PeopleService

RECEIVERS = BlockId.RECEIVERS
MESSAGE = BlockId.MESSAGE
OBJECTIVE = BlockId.OBJECTIVE


class KudosService:
    """Giving and taking back kudos, the public kudos posts, leaderboards, the Home section, exports."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService) -> None:
        self._ctx = ctx
        self._people = people
        self._queries = KudosQueries(ctx)
        self._notices = KudosNotices(ctx, self._queries)

    # ---- /kudos ------------------------------------------------------------------------------------
    def command(self, *, team_id: str, user_id: str, channel_id: str, text: str,
                trigger_id: str) -> KudosSent | KudosForm | Leaderboard | KudosUsage:
        """/kudos [@person… message [#tag] | top [month|quarter] | help]: give, open the form, or show the board."""
        parsed = parse_kudos_command(text)
        if parsed.kind in ("help", "usage"):
            return self.usage(parsed.problem)
        if parsed.kind == "top":
            return self.leaderboard(team_id, user_id, parsed.period)
        if parsed.kind == "modal":
            return self.form(team_id=team_id, giver_id=user_id, channel_id=channel_id, invocation=trigger_id)
        return self._give(team_id=team_id, giver_id=user_id, receivers=parsed.receivers, message=parsed.message,
                          tags=parsed.tags, objective_id=None, source="command", channel_id=channel_id,
                          message_ts=f"cmd:{trigger_id}", permalink=None)

    def usage(self, problem: str = "") -> KudosUsage:
        """What /kudos help shows (with what was wrong, for a command not understood)."""
        settings = self._ctx.settings
        return KudosUsage(problem=problem, reactions=settings.kudos_reactions, daily_limit=settings.kudos_daily_limit,
                          channel=settings.kudos_channel)

    # ---- the Give kudos form -------------------------------------------------------------------------
    def form(self, *, team_id: str, giver_id: str, channel_id: str = "", invocation: str = "",
             receiver: str | None = None) -> KudosForm:
        """The form opened by /kudos alone or a Give kudos button (`receiver` pre-filled when it is a colleague)."""
        receivers, notes = self._prefill(team_id, giver_id, receiver)
        metadata = {"src": "command", "ch": channel_id, "ts": f"form:{invocation}"}
        return KudosForm(receivers=receivers, objectives=self._queries.objective_choices(team_id, giver_id, receivers),
                         metadata=json.dumps(metadata), notes=notes)

    def form_for_message(self, *, team_id: str, giver_id: str, channel_id: str, message_ts: str,
                         author: str | None) -> KudosForm:
        """The form opened by the Give kudos shortcut: the message's author and a link to it pre-filled."""
        if not channel_id or not message_ts:
            raise UserFacingError("I couldn't tell which message this is; try the shortcut again.")
        receivers, notes = self._prefill(team_id, giver_id, author)
        permalink = self._ctx.directory.permalink(team_id, channel_id, message_ts)
        metadata = {"src": "shortcut", "ch": channel_id, "ts": message_ts, "link": permalink}
        return KudosForm(receivers=receivers, permalink=permalink, metadata=json.dumps(metadata), notes=notes,
                         objectives=self._queries.objective_choices(team_id, giver_id, receivers))

    def give_from_form(self, *, team_id: str, giver_id: str, receivers: Sequence[str], message: str,
                       objective_id: str | None, metadata: str) -> KudosSent:
        """Submit the Give kudos form; errors name the form field they belong to."""
        try:
            meta = json.loads(metadata or "{}")
            source, channel_id, message_ts = str(meta["src"]), str(meta.get("ch") or ""), str(meta["ts"])
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise UserFacingError("This form is out of date; close it and open it again.", field=RECEIVERS) from None
        if source not in ("command", "shortcut"):
            raise UserFacingError("This form is out of date; close it and open it again.", field=RECEIVERS)
        chosen: int | None = None
        if objective_id:
            chosen = parse_id(objective_id)
            if chosen is None:
                raise UserFacingError("Pick an objective from the list.", field=OBJECTIVE)
        return self._give(team_id=team_id, giver_id=giver_id, receivers=tuple(dict.fromkeys(receivers)),
                          message=(message or "").strip(), tags=(), objective_id=chosen, source=source,
                          channel_id=channel_id, message_ts=message_ts, permalink=meta.get("link"))

    # ---- reactions ---------------------------------------------------------------------------------
    def record_reaction(self, *, team_id: str, user_id: str, item_user: str | None, channel: str, ts: str,
                        reaction: str, added: bool) -> bool:
        """A kudos reaction added (kudos to the message's author) or removed (taken back); False when not ours.

        Ignored silently: other reactions, messages without a human author, one's own messages, bots,
        and reactions beyond the daily allowance (the giver gets one DM a day saying when it resets).
        """
        name = reaction.split("::", 1)[0]  # "clap::skin-tone-2" is a clap
        if name not in self._ctx.settings.kudos_reactions or not item_user or not user_id or item_user == user_id \
                or not channel or not ts:
            return False
        natural = {"team_id": team_id, "giver_id": user_id, "receiver_id": item_user, "channel_id": channel,
                   "message_ts": ts, "reaction": name}
        if not added:
            return self._take_back(natural)
        with self._ctx.sessions() as session:
            if session.scalar(select(Kudos.id).where(*matches(natural))) is not None:
                return True  # the same reaction again: already counted
        giver = self._people.ensure(team_id, user_id)
        receiver = self._people.ensure(team_id, item_user)
        if giver is None or receiver is None or giver.is_bot or receiver.is_bot or not receiver.is_active:
            return False
        permalink = self._ctx.directory.permalink(team_id, channel, ts)
        now = self._ctx.clock()
        day = now.astimezone(giver.zone).date()
        limit = self._ctx.settings.kudos_daily_limit
        with self._ctx.sessions.begin() as session:
            lock_person(session, team_id, user_id)
            used = self._queries.used_on(session, team_id, user_id, day)
            if used >= limit:
                if limit:
                    info = KudosLimit(limit=limit, used=used, wanted=1, resets_at=_next_midnight(day, giver.zone),
                                      reaction=name, permalink=permalink)
                    self._ctx.outbox.add(session, team_id=team_id, key=f"kudos-limit:{user_id}:{day.isoformat()}",
                                         channel=user_id, text=kudos_blocks.limit_text(info, now),
                                         blocks=kudos_blocks.limit_reached(info, now))
                return True
            inserted = insert_ignore(session, Kudos, {**natural, "message": "", "source": "reaction",
                                                      "permalink": permalink, "giver_local_day": day,
                                                      "created_at": now})
            if inserted:
                kudos = session.scalars(select(Kudos).where(*matches(natural))).one()
                self._notices.receiver_dm(session, kudos)
                self._notices.refresh_post(session, team_id, channel, ts, create=True)
        return True

    def _take_back(self, natural: dict[str, Any]) -> bool:
        with self._ctx.sessions.begin() as session:
            deleted = session.execute(delete(Kudos).where(*matches(natural))).rowcount or 0
            if deleted:
                self._notices.taken_back_dm(session, natural)
                self._notices.refresh_post(session, natural["team_id"], natural["channel_id"], natural["message_ts"],
                                   create=False)
        return bool(deleted)

    # ---- reading -----------------------------------------------------------------------------------
    def leaderboard(self, team_id: str, viewer_id: str, period: str = "month", *, limit: int = 10) -> Leaderboard:
        """Most kudos received and given this `period` (month or quarter, in the viewer's timezone)."""
        zone = self._zone_of(team_id, viewer_id)
        return self._queries.leaderboard(team_id, viewer_id, period, self._ctx.clock(), zone, limit)

    def for_home(self, team_id: str, viewer_id: str, *, recent: int = 3, board: int = 5) -> KudosHomeView:
        """The App Home's kudos section: kudos the viewer received this month and the month's leaderboard."""
        zone = self._zone_of(team_id, viewer_id)
        now = self._ctx.clock()
        start, end = period_bounds("month", now, zone)
        received = self._queries.received(team_id, viewer_id, start, end, recent)
        with self._ctx.sessions() as session:
            received_count = self._queries.count(session, team_id, start, end, receiver_id=viewer_id)
            given_count = self._queries.count(session, team_id, start, end, giver_id=viewer_id)
        return KudosHomeView(viewer_id=viewer_id, month_label=month_label(now.astimezone(zone).date()),
                             received=received, received_count=received_count, given_count=given_count,
                             board=self._queries.leaderboard(team_id, viewer_id, "month", now, zone, board))

    def for_agenda(self, team_id: str, receiver_id: str, since: datetime, until: datetime, *,
                   limit: int = 10) -> tuple[KudosView, ...]:
        """Kudos `receiver_id` received in [since, until), newest first (for their 1-on-1 agenda)."""
        return self._queries.received(team_id, receiver_id, since, until, limit)

    def export(self, since: date | None = None) -> list[dict[str, Any]]:
        """Every kudos (all workspaces) since `since`, oldest first, as flat rows for `okrbot export kudos`."""
        return self._queries.export(since)

    # ---- giving ------------------------------------------------------------------------------------
    def _give(self, *, team_id: str, giver_id: str, receivers: Sequence[str], message: str, tags: Sequence[str],
              objective_id: int | None, source: str, channel_id: str, message_ts: str,
              permalink: str | None) -> KudosSent:
        message_ts = message_ts[:64]
        check_kudos(giver_id, receivers, message, permalink)
        giver = self._people.ensure(team_id, giver_id)
        if giver is None:
            raise UserFacingError("I couldn't look you up in Slack just now; please try again in a minute.")
        for receiver in receivers:
            self._people.require_colleague(team_id, receiver, actor=giver_id, field=RECEIVERS,
                                           what="someone to thank")
        now = self._ctx.clock()
        day = now.astimezone(giver.zone).date()
        limit = self._ctx.settings.kudos_daily_limit
        with self._ctx.sessions.begin() as session:
            lock_person(session, team_id, giver_id)
            objective = self._objective(session, team_id, giver, receivers, tags, objective_id, day)
            prefix = {"team_id": team_id, "giver_id": giver_id, "channel_id": channel_id, "message_ts": message_ts,
                      "reaction": ""}
            done = set(session.scalars(select(Kudos.receiver_id).where(
                *matches(prefix), Kudos.receiver_id.in_(receivers))))
            new = [r for r in receivers if r not in done]
            used = self._queries.used_on(session, team_id, giver_id, day)
            if new and used + len(new) > limit:
                info = KudosLimit(limit=limit, used=used, wanted=len(new), resets_at=_next_midnight(day, giver.zone))
                raise UserFacingError(kudos_blocks.limit_text(info, now, plain=True), field=RECEIVERS)
            if new:
                insert_ignore(session, Kudos, [{**prefix, "receiver_id": r, "message": message, "source": source,
                                                "permalink": permalink, "objective_id": objective.id if objective
                                                else None, "giver_local_day": day, "created_at": now} for r in new])
                for kudos in session.scalars(select(Kudos).where(*matches(prefix), Kudos.receiver_id.in_(new))
                                             .order_by(Kudos.id)):
                    self._notices.receiver_dm(session, kudos)
                self._notices.refresh_post(session, team_id, channel_id, message_ts, create=True)
            return KudosSent(receivers=tuple(receivers), new_receivers=tuple(new), message=message,
                             objective_title=objective.title if objective else None,
                             posted_in=self._ctx.settings.kudos_channel,
                             left_today=max(0, limit - used - len(new)))

    def _prefill(self, team_id: str, giver_id: str, receiver: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if not receiver:
            return (), ()
        if receiver == giver_id:
            return (), ("That's your own message: choose whom to thank.",)
        person = self._people.ensure(team_id, receiver)
        if person is None or person.is_bot or not person.is_active:
            return (), ("That message wasn't written by an active colleague: choose whom to thank.",)
        return (receiver,), ()

    def _objective(self, session: Session, team_id: str, giver: PersonView, receivers: Sequence[str],
                   tags: Sequence[str], objective_id: int | None, day: date) -> Objective | None:
        if objective_id is not None:
            objective = session.get(Objective, objective_id)
            if objective is None or objective.team_id != team_id:
                raise UserFacingError("That objective no longer exists; pick another one.", field=OBJECTIVE)
            return objective
        if not tags:
            return None
        if len(tags) > 1:
            raise UserFacingError("Tie kudos to one objective at a time: use a single #tag.", field=MESSAGE)
        return self._queries.objective_by_tag(session, team_id, tags[0], quarter_of(day),
                                              (*receivers, giver.user_id))

    def _zone_of(self, team_id: str, user_id: str) -> ZoneInfo:
        with self._ctx.sessions() as session:
            person = self._people.view(session, team_id, user_id)
        if person is None:
            person = self._people.ensure(team_id, user_id)
        return person.zone if person else ZoneInfo(self._ctx.settings.default_timezone)


def _next_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
