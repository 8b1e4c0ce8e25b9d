"""Use-cases of the mid-month nudge: the scan (run by the scheduler and `okrbot nudge`), snoozing an
agenda for a week, and opening a pair's full agenda."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.blocks.nudges import manager_messages
from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.core.parsing import parse_id
from bot.services.nudges.agenda import AgendaReader, AgendaRequest
from bot.services.nudges.cadence import Cadence
from bot.services.nudges.people import Override, gone_teams, pages, people_by_key, refresh, stale_soonest
from bot.services.nudges.rows import nudging_since
from bot.services.nudges.scan import Scan
from bot.services.nudges.scan_report import PairOutcome, PlannedDM, ScanReport
from bot.services.people.service import STALE_AFTER
from bot.views.nudges import Agenda, ManagerDigest
from storage.models import Person
from storage.models_nudges import Nudge

if TYPE_CHECKING:
    from bot.services.people.service import PeopleService

log = logging.getLogger("okrbot.nudges")
REFRESH_PER_SCAN = 50  # users.info calls a scan may make to refresh stale timezones (Tier 4: 100+/minute)
LOOKAHEAD = timedelta(hours=36)  # refresh someone's timezone when their nudge is this close
LINK_TTL = timedelta(hours=24)  # how long a workspace's permalink base is reused
LINK_RETRY = timedelta(minutes=10)  # after chat.getPermalink failed, agendas go without links this long


@dataclass(frozen=True)
class Snoozed:
    """A pair's agenda snoozed until `until` (aware UTC)."""

    nudge_id: int
    report_id: str
    until: datetime
    already: bool  # a second click: nothing changed

    @property
    def block_id(self) -> str:
        """The block id of the agenda's buttons in the manager's DM."""
        return f"nudge.actions.{self.nudge_id}"


class NudgeService:
    """The mid-month nudges and agendas."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService) -> None:
        self._ctx = ctx
        self._people = people
        self._checked_until: datetime | None = None  # passed windows ending before this were already looked at
        self._links: dict[str, tuple[str | None, datetime]] = {}
        self._lock = threading.Lock()

    # ---- the scan --------------------------------------------------------------------------------------
    def scan(self, *, dry_run: bool = False) -> ScanReport:
        """Nudge every manager and report who is due now (the scheduler runs this every 5 minutes).

        Exactly once per pair and period, however many scans or schedulers run; a dry run writes nothing.
        """
        now = self._ctx.clock()
        cadence = Cadence.of(self._ctx.settings)
        with self._lock:  # one scan at a time per process; other processes are kept apart by the database
            with self._ctx.sessions() as session:
                gone, first = gone_teams(session), nudging_since(session)
                stale = [] if dry_run else stale_soonest(session, gone, cadence, now, STALE_AFTER, LOOKAHEAD,
                                                         REFRESH_PER_SCAN)
            overrides = refresh(stale, self._people.ensure, _refresh_failed)
            scan = Scan(self._ctx.sessions, self._ctx.outbox, cadence, now, link_for=self.link_for,
                        dry_run=dry_run, check_missed_after=self._checked_until,
                        draft_button=self._ctx.settings.llm_enabled)
            for people, managers in pages(self._ctx.sessions, gone, overrides):  # bounded: decide, write, forget
                scan.run(people, first, managers=managers)
            report = scan.report
            self._remind(report, gone, overrides, cadence, now, dry_run=dry_run)
            if not dry_run:
                self._checked_until = now
        _log(report)
        return report

    def _remind(self, report: ScanReport, gone: set[str], overrides: dict[tuple[str, str], Override],
                cadence: Cadence, now: datetime, *, dry_run: bool) -> None:
        """Send each snoozed agenda whose week is over again, once, up to date."""
        with (self._ctx.sessions() if dry_run else self._ctx.sessions.begin()) as session:
            due = session.execute(select(Nudge.id, Nudge.team_id, Nudge.manager_id, Nudge.report_id, Nudge.period,
                                         Nudge.snoozed_until)
                                  .where(Nudge.status == "snoozed", Nudge.snoozed_until <= now)).all()
            if not due:
                return
            ids = [row[0] for row in due]
            won = set(ids) if dry_run else set(session.scalars(
                update(Nudge).where(Nudge.id.in_(ids), Nudge.status == "snoozed", Nudge.snoozed_until <= now)
                .values(status="sent").returning(Nudge.id).execution_options(synchronize_session=False)))
            people = people_by_key(session, {(r[1], r[2]) for r in due} | {(r[1], r[3]) for r in due}, gone,
                                   overrides)
            by_team: dict[str, list] = defaultdict(list)
            for row in due:
                manager, person = people.get((row[1], row[2])), people.get((row[1], row[3]))
                if row[0] in won and manager and person and person.manager_id == manager.user_id:
                    by_team[row[1]].append((row, manager, person))
            reader = AgendaReader(session, now, self.link_for)
            for team_id, items in by_team.items():
                requests = [AgendaRequest(m.user_id, m.name, p.user_id, p.name,
                                          cadence.windows_at(now, m.tz)[1].period,
                                          cadence.windows_at(now, p.tz)[1].month_start, row[0])
                            for row, m, p in items]
                agendas = reader.agendas(team_id, requests)
                queued = []
                for (_, _, manager_id, report_id, period, until), manager, _person in items:
                    digest = ManagerDigest(team_id, manager_id, manager.name, period,
                                           (agendas[(manager_id, report_id)],), reminder=True)
                    [message] = manager_messages(digest)
                    key = f"nudge:{period}:{manager_id}:{report_id}:reminder:{until:%Y%m%dT%H%M}"
                    report.add(PlannedDM(team_id, manager_id, key, "reminder", message.text, len(message.blocks),
                                         (report_id,)))
                    queued.append({"team_id": team_id, "key": key, "channel": manager_id, "text": message.text,
                                   "blocks": message.blocks})
                if not dry_run:
                    self._ctx.outbox.add_many(session, queued)

    # ---- buttons ---------------------------------------------------------------------------------------
    def snooze(self, *, team_id: str, nudge_id: str | int, actor: str) -> Snoozed:
        """Snooze one pair's agenda for a week (it comes back once, at the manager's nudge hour)."""
        now = self._ctx.clock()
        with self._ctx.sessions.begin() as session:
            row = self._nudge(session, team_id, nudge_id)
            if row.manager_id != actor:
                raise UserFacingError(f"Only <@{row.manager_id}> can snooze this agenda.")
            if row.status == "snoozed" and row.snoozed_until and row.snoozed_until > now:
                return Snoozed(row.id, row.report_id, row.snoozed_until, already=True)
            if row.status not in ("sent", "snoozed"):
                raise UserFacingError("There is no agenda to snooze for this pair this month.")
            manager = session.get(Person, (team_id, actor))
            until = Cadence.of(self._ctx.settings).snooze_until(now, manager.tz if manager else None)
            row.status, row.snoozed_until = "snoozed", until
            return Snoozed(row.id, row.report_id, until, already=False)

    def agenda(self, *, team_id: str, actor: str, value: str) -> Agenda:
        """The full, current agenda behind an "Open agenda" button (value: nudge id or "report:<user id>")."""
        now = self._ctx.clock()
        cadence = Cadence.of(self._ctx.settings)
        with self._ctx.sessions() as session:
            nudge_id = None
            if value.startswith("report:"):
                report_id = value.removeprefix("report:")
            else:
                row = self._nudge(session, team_id, value)
                nudge_id, report_id = row.id, row.report_id
            report = session.get(Person, (team_id, report_id))
            if report is None:
                raise NotFound("I don't know that person in this workspace.")
            if report.manager_id != actor:
                raise UserFacingError(f"<@{report_id}> does not report to you, so their agenda is not yours to see.")
            manager = session.get(Person, (team_id, actor))
            window = cadence.windows_at(now, manager.tz if manager else None)[1]
            request = AgendaRequest(actor, manager.name if manager else actor, report_id, report.name or report_id,
                                    window.period, cadence.windows_at(now, report.tz)[1].month_start, nudge_id)
            return AgendaReader(session, now, self.link_for).agendas(team_id, [request])[(actor, report_id)]

    @staticmethod
    def _nudge(session: Session, team_id: str, nudge_id: str | int) -> Nudge:
        row_id = parse_id(nudge_id)
        row = session.get(Nudge, row_id) if row_id is not None else None
        if row is None or row.team_id != team_id:
            raise NotFound("That agenda is no longer available.")
        return row

    # ---- links to OKR-thread replies -----------------------------------------------------------------------
    def link_for(self, team_id: str, channel: str, ts: str, thread_ts: str | None) -> str | None:
        """A permalink to a reply, built from the workspace's permalink base (one chat.getPermalink a day)."""
        now = self._ctx.clock()
        cached = self._links.get(team_id)
        if cached is None or now - cached[1] > (LINK_TTL if cached[0] else LINK_RETRY):
            base = None
            try:
                permalink = self._ctx.directory.permalink(team_id, channel, thread_ts or ts)
                if permalink and "/archives/" in permalink:
                    base = permalink.split("/archives/")[0]
            except Exception:  # no link is better than no agenda; logged
                log.warning("chat.getPermalink failed for %s; agendas go without links", team_id, exc_info=True)
            cached = self._links[team_id] = (base, now)
        if cached[0] is None:
            return None
        link = f"{cached[0]}/archives/{channel}/p{ts.replace('.', '')}"
        return link + (f"?thread_ts={thread_ts}&cid={channel}" if thread_ts and thread_ts != ts else "")


def _refresh_failed(key: tuple[str, str]) -> None:
    log.warning("could not refresh %s from Slack; using the cached timezone", key[1], exc_info=True)


def _log(report: ScanReport) -> None:
    missed: dict[tuple[str, str], list[PairOutcome]] = defaultdict(list)
    for outcome in report.outcomes:
        if outcome.outcome.startswith("missed"):
            missed[(outcome.team_id, outcome.period)].append(outcome)
    for (team_id, period), outcomes in missed.items():
        shown = ", ".join(f"{o.manager_id}/{o.report_id} {o.outcome}" for o in outcomes[:20])
        log.warning("%d nudges of %s in %s were missed: the scheduler was not running in their catch-up window, "
                    "so they are not sent late (%s%s)", len(outcomes), period, team_id, shown,
                    ", …" if len(outcomes) > 20 else "")
    log.info("nudge scan at %s: %s", report.at.isoformat(timespec="minutes"), report)
