"""One scan of the mid-month nudge: who is due now, what each of them gets, written once.

The scan runs every few minutes. For every manager/report pair it looks at the pair's period(s) around
now (see bot.services.nudges.cadence) in each person's own timezone:

* the first time either of the two is due, the pair's Nudge row (unique team+manager+report+period) is
  written with the decision: sent, or skipped (1-on-1 already done this month, someone away);
* a recipient who is due and whose DM is still `pending` is *claimed* with a conditional UPDATE
  (pending → queued, RETURNING id), and their DM is written to the outbox in the same transaction.
  A second scan, a restart or a second scheduler finds nothing pending, and the outbox keys
  (`nudge:{period}:{manager}:summary`, `…:{manager}:{report}:agenda`, `…:{manager}:{report}:prepare`)
  are unique too, so every DM exists once;
* a recipient whose catch-up window has passed while still pending is marked `missed` and logged.

Work is done per team and period in chunks of managers, each chunk one transaction with a fixed
number of statements (agenda data is read in batches by bot.services.nudges.agenda). People come in pages of
managers (bot.services.nudges.people) and the report counts what it does not keep, so the memory of a
scan does not grow with the number of pairs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.nudges import Message, manager_messages, report_message
from bot.services.core.outbox import Outbox
from bot.services.nudges.agenda import AgendaReader, AgendaRequest, LinkFor
from bot.services.nudges.cadence import Cadence, Window, parse_period
from bot.services.nudges.people import Someone
from bot.services.nudges.rows import NudgeRow, Pair, claim, day_of, decide_pair, insert_returning
from bot.services.nudges.scan_report import PairOutcome, PlannedDM, ScanReport
from bot.views.nudges import ManagerDigest, ReportDigest, SkippedReport
from storage.models_nudges import Nudge

log = logging.getLogger("okrbot.nudges")
CHUNK_PAIRS = 1000


class Scan:
    """One pass over the pairs of every workspace (build a new one per scan)."""

    def __init__(self, sessions: sessionmaker[Session], outbox: Outbox, cadence: Cadence, now: datetime, *,
                 link_for: LinkFor, dry_run: bool = False, check_missed_after: datetime | None = None,
                 draft_button: bool = False) -> None:
        self._sessions, self._outbox, self._cadence, self._now = sessions, outbox, cadence, now
        self._draft_button = draft_button  # "Draft what to raise" on the report's DM (a model is configured)
        self._link_for, self._dry_run = link_for, dry_run
        self._check_missed_after = check_missed_after
        self._states: dict[tuple[str | None, str], tuple[Window, str]] = {}
        self.report = ScanReport(at=now, dry_run=dry_run)

    # ---- which pairs, which periods ----------------------------------------------------------------
    def window(self, tz: str | None, period: str) -> tuple[Window, str]:
        """(window, state) of `period` for someone in `tz` (memoised for the scan)."""
        found = self._states.get((tz, period))
        if found is None:
            window = self._cadence.window(*parse_period(period), tz)
            found = self._states[(tz, period)] = (window, window.state(self._now))
        return found

    def periods(self, tz: str | None) -> tuple[str, str]:
        """The previous and current period by the local calendar of `tz`."""
        key = (tz, "")
        found = self._states.get(key)
        if found is None:
            previous, current = self._cadence.windows_at(self._now, tz)
            found = self._states[key] = (previous, current.period)  # type: ignore[assignment]
        return found[0].period, found[1]  # type: ignore[return-value]

    def run(self, people: dict[tuple[str, str], Someone], nudging_since: dict[str, datetime], *,
            managers: set[tuple[str, str]] | None = None) -> ScanReport:
        """Decide, claim and write every pair of `people` that needs it now (only the pairs of `managers`: a page
        of bot.services.nudges.people; the scan is called once per page and its report adds up)."""
        work: dict[tuple[str, str], list[Pair]] = defaultdict(list)
        for report in people.values():
            manager = people.get((report.team_id, report.manager_id)) if report.manager_id else None
            if manager is None or manager.user_id == report.user_id:
                continue
            if managers is not None and (manager.team_id, manager.user_id) not in managers:
                continue
            for period in {*self.periods(manager.tz), *self.periods(report.tz)}:
                m_window, m_state = self.window(manager.tz, period)
                r_window, r_state = self.window(report.tz, period)
                if "due" in (m_state, r_state) or self._worth_checking(report.team_id, m_window, r_window,
                                                                       nudging_since):
                    work[(report.team_id, period)].append(Pair(manager, report, m_window, r_window, m_state,
                                                                r_state))
        for (team_id, period), pairs in sorted(work.items()):
            self._team_period(team_id, period, pairs)
        return self.report

    def _worth_checking(self, team_id: str, m_window: Window, r_window: Window,
                        nudging_since: dict[str, datetime]) -> bool:
        """A passed window is looked at (to report it missed) once it ended after the scans began."""
        ended = max(m_window.ends_at, r_window.ends_at)
        if min(m_window.ends_at, r_window.ends_at) > self._now:
            return False
        started = nudging_since.get(team_id)
        if started is None or ended <= started:
            return False  # okrbot was not nudging this workspace yet: nothing was missed
        return self._check_missed_after is None or ended > self._check_missed_after

    # ---- one team and period -------------------------------------------------------------------------
    def _team_period(self, team_id: str, period: str, pairs: list[Pair]) -> None:
        by_manager: dict[str, list[Pair]] = defaultdict(list)
        for pair in sorted(pairs, key=lambda p: (p.manager.user_id, p.report.user_id)):
            by_manager[pair.manager.user_id].append(pair)
        chunk: list[Pair] = []
        for manager_pairs in by_manager.values():
            if chunk and len(chunk) + len(manager_pairs) > CHUNK_PAIRS:
                self._existing_then_chunk(team_id, period, chunk)
                chunk = []
            chunk += manager_pairs
        if chunk:
            self._existing_then_chunk(team_id, period, chunk)

    def _existing_then_chunk(self, team_id: str, period: str, pairs: list[Pair]) -> None:
        """Rows already decided for these pairs (read per chunk, never the whole period), then the chunk's work."""
        with self._sessions() as session:
            existing = {(m, r): NudgeRow(i, s, reason, content, mdm, rdm) for i, m, r, s, reason, content, mdm, rdm in
                        session.execute(select(Nudge.id, Nudge.manager_id, Nudge.report_id, Nudge.status,
                                               Nudge.reason, Nudge.content, Nudge.manager_dm, Nudge.report_dm)
                                        .where(Nudge.team_id == team_id, Nudge.period == period,
                                               Nudge.manager_id.in_({p.manager.user_id for p in pairs})))}
        todo = [p for p in pairs if self._needs_work(p, existing.get((p.manager.user_id, p.report.user_id)))]
        if todo:
            self._chunk(team_id, period, todo, existing)

    @staticmethod
    def _needs_work(pair: Pair, row: NudgeRow | None) -> bool:
        if row is None:
            return True
        return (row.manager_dm == "pending" and pair.m_state != "before") or \
            (row.report_dm == "pending" and pair.r_state != "before")

    def _chunk(self, team_id: str, period: str, pairs: list[Pair], existing: dict[tuple[str, str], NudgeRow]) -> None:
        with self._sessions.begin() as session:
            reader = AgendaReader(session, self._now, self._link_for)
            last_done = reader.last_done(team_id, [(p.manager.user_id, p.report.user_id) for p in pairs])
            rows, fresh = self._decide(session, team_id, period, pairs, existing, last_done)
            self._write(session, reader, team_id, period, pairs, rows, last_done)
            for key in fresh:
                row = rows[key]
                if row.status in ("skipped", "missed"):
                    detail = (row.content or {}).get("done_on") or (row.content or {}).get("away_until") or ""
                    self.report.add_outcome(PairOutcome(team_id, *key, period, row.reason, detail))

    def _decide(self, session: Session, team_id: str, period: str, pairs: list[Pair],
                existing: dict[tuple[str, str], NudgeRow],
                last_done: dict[tuple[str, str], datetime]) -> tuple[dict[tuple[str, str], NudgeRow], list]:
        """Every pair's row: existing ones, and new ones with this scan's decision (the keys it decided)."""
        rows = {}
        new: list[dict[str, Any]] = []
        for pair in pairs:
            key = (pair.manager.user_id, pair.report.user_id)
            if key in existing:
                rows[key] = existing[key]
                continue
            decision = decide_pair(pair, last_done.get(key))
            new.append({"team_id": team_id, "manager_id": key[0], "report_id": key[1], "period": period,
                        "created_at": self._now, "snoozed_until": None, "content": None, **decision})
        if self._dry_run:  # nothing is stored: number the would-be rows -1, -2, … so claims can tell them apart
            rows.update({(v["manager_id"], v["report_id"]): NudgeRow(-n, v["status"], v["reason"], v["content"],
                                                                 v["manager_dm"], v["report_dm"])
                         for n, v in enumerate(new, 1)})
            self.report.decided += len(new)
            return rows, [(v["manager_id"], v["report_id"]) for v in new]
        inserted = insert_returning(session, Nudge, new, Nudge.id, Nudge.manager_id, Nudge.report_id)
        self.report.decided += len(inserted)
        values = {(v["manager_id"], v["report_id"]): v for v in new}
        for row_id, m, r in inserted:
            v = values[(m, r)]
            rows[(m, r)] = NudgeRow(row_id, v["status"], v["reason"], v["content"], v["manager_dm"], v["report_dm"])
        lost = [k for k in values if k not in rows]
        if lost:  # another scanner decided these first: use what it stored
            stmt = select(Nudge.id, Nudge.manager_id, Nudge.report_id, Nudge.status, Nudge.reason, Nudge.content,
                          Nudge.manager_dm, Nudge.report_dm).where(
                Nudge.team_id == team_id, Nudge.period == period,
                Nudge.manager_id.in_({m for m, _ in lost}), Nudge.report_id.in_({r for _, r in lost}))
            for i, m, r, s, reason, content, mdm, rdm in session.execute(stmt):
                if (m, r) in values:
                    rows[(m, r)] = NudgeRow(i, s, reason, content, mdm, rdm)
        return rows, [(m, r) for _, m, r in inserted]

    # ---- claims and DMs --------------------------------------------------------------------------------
    def _write(self, session: Session, reader: AgendaReader, team_id: str, period: str, pairs: list[Pair],
               rows: dict[tuple[str, str], NudgeRow], last_done: dict[tuple[str, str], datetime]) -> None:
        now = self._now
        want_m, want_r, miss_m, miss_r = [], [], [], []
        for pair in pairs:
            row = rows.get((pair.manager.user_id, pair.report.user_id))
            if row is None:
                continue
            if row.manager_dm == "pending":
                (want_m if pair.m_state == "due" else miss_m if pair.m_state == "passed" else []).append(row.id)
            if row.report_dm == "pending":
                (want_r if pair.r_state == "due" else miss_r if pair.r_state == "passed" else []).append(row.id)
        got_m = claim(session, want_m, Nudge.manager_dm, {"manager_dm": "queued", "manager_dm_at": now},
                      dry_run=self._dry_run)
        got_r = claim(session, want_r, Nudge.report_dm, {"report_dm": "queued", "report_dm_at": now},
                      dry_run=self._dry_run)
        lost_m = claim(session, miss_m, Nudge.manager_dm, {"manager_dm": "missed"}, dry_run=self._dry_run)
        lost_r = claim(session, miss_r, Nudge.report_dm, {"report_dm": "missed"}, dry_run=self._dry_run)
        requests = {}
        for pair in pairs:
            key = (pair.manager.user_id, pair.report.user_id)
            row = rows.get(key)
            if row is None:
                continue
            if row.status == "sent" and (row.id in got_m or row.id in got_r):
                requests[key] = AgendaRequest(key[0], pair.manager.name, key[1], pair.report.name, period,
                                              pair.r_window.month_start, row.id if row.id > 0 else None)
            for lost, who in ((lost_m, "missed (manager)"), (lost_r, "missed (report)")):
                if row.id in lost:
                    self.report.add_outcome(PairOutcome(team_id, *key, period, who))
        agendas = reader.agendas(team_id, list(requests.values()), last_done)
        messages: list[tuple[PlannedDM, Message]] = []
        by_manager: dict[str, list[tuple[Pair, NudgeRow]]] = defaultdict(list)
        for pair in pairs:
            key = (pair.manager.user_id, pair.report.user_id)
            row = rows.get(key)
            if row is None:
                continue
            if row.id in got_m:
                by_manager[key[0]].append((pair, row))
            if row.status == "sent" and row.id in got_r:
                digest = ReportDigest(team_id, key[1], key[0], pair.manager.name, period, agendas[key])
                message = report_message(digest, draft=self._draft_button)
                messages.append((PlannedDM(team_id, key[1], f"nudge:{period}:{key[0]}:{key[1]}:prepare", "prepare",
                                           message.text, len(message.blocks), (key[1],)), message))
        for manager_id, items in by_manager.items():
            messages += self._manager_dms(team_id, period, manager_id, items, agendas)
        self._queue(session, team_id, messages)

    def _manager_dms(self, team_id: str, period: str, manager_id: str, items: list[tuple[Pair, NudgeRow]],
                     agendas: dict) -> list[tuple[PlannedDM, Message]]:
        manager = items[0][0].manager
        ready = tuple(agendas[(manager_id, p.report.user_id)] for p, row in items if row.status == "sent")
        skipped = tuple(SkippedReport(p.report.user_id, p.report.name, row.reason,
                                      day_of((row.content or {}).get("done_on")
                                             or (row.content or {}).get("away_until")))
                        for p, row in items if row.status == "skipped")
        digest = ManagerDigest(team_id, manager_id, manager.name, period, ready, skipped)
        out = []
        for message in manager_messages(digest):
            if message.part is None:
                planned = PlannedDM(team_id, manager_id, f"nudge:{period}:{manager_id}:summary", "agendas",
                                    message.text, len(message.blocks), tuple(p.report.user_id for p, _ in items))
            else:
                planned = PlannedDM(team_id, manager_id, f"nudge:{period}:{manager_id}:{message.part}:agenda",
                                    "agenda", message.text, len(message.blocks), (message.part,))
            out.append((planned, message))
        return out

    def _queue(self, session: Session, team_id: str, messages: list[tuple[PlannedDM, Message]]) -> None:
        for planned, _ in messages:
            self.report.add(planned)
        if self._dry_run or not messages:
            return
        rows = [{"team_id": team_id, "key": p.key, "channel": p.channel, "text": m.text, "blocks": m.blocks}
                for p, m in messages]
        new = self._outbox.add_many(session, rows)
        # A manager's first DM of the period is their "summary"; pairs claimed later (a report added
        # mid-window, a second scanner that won other pairs) arrive in a message keyed by one of them.
        late = [(p, m) for p, m in messages if p.kind == "agendas" and p.key not in new]
        if late:
            self._outbox.add_many(session, [
                {"team_id": team_id, "key": p.key.replace(":summary", f":{p.about[0]}:late"), "channel": p.channel,
                 "text": m.text, "blocks": m.blocks} for p, m in late])
