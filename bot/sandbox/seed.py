"""The sandbox's demo workspace: people and channels in the Slack stand-in, a believable history in the database.

Maria (Europe/Berlin) manages Ravi (Asia/Kolkata), Lena (America/New_York) and Tom (America/Los_Angeles);
Pat (Europe/London) is a peer on another team and Ada the workspace admin. The database gets, in one
transaction, this quarter's OKRs in all three statuses with check-ins and obstacles (Ravi's activation
key result is off track, blocked on analytics), some kudos, feedback, and Maria and Ravi's last 1-on-1
with notes and an open task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import utcnow
from bot.runtime import Runtime
from bot.sandbox.seed_review import seed_finished_quarter
from bot.sandbox.slack.fake import FakeSlack
from bot.services.core.ports import SlackUser
from bot.services.nudges.cadence import Cadence
from bot.services.nudges.scan_report import PairOutcome, PlannedDM
from bot.services.nudges.service import NudgeService
from bot.services.okrs.queries import load_objectives, objective_rows
from bot.services.okrs.status import quarter_bounds, quarter_of
from storage.models import CheckIn, KeyResult, Objective, Person, Workspace
from storage.models_feedback import Feedback
from storage.models_kudos import Kudos
from storage.models_one_on_ones import Note, OneOnOne, TalkingPoint, Task

log = logging.getLogger("okrbot.sandbox")

TEAM_ID = "T0DEMO"
TEAM_NAME = "Acme (sandbox)"
BOT_USER_ID = "UOKRBOT"
GENERAL, KUDOS, OKRS = "CGENERAL", "CKUDOS", "COKRS"
CHANNEL_ORDER = (GENERAL, KUDOS, OKRS)
# What the sandbox sets for okrbot, on top of the environment: kudos are posted in #kudos, OKR threads live in #okrs.
SETTINGS = {"OKRBOT_KUDOS_CHANNEL": KUDOS, "OKRBOT_OKR_CHANNEL": OKRS}


@dataclass(frozen=True)
class DemoPerson:
    """One member of the demo workspace."""

    user_id: str
    handle: str
    real_name: str
    tz: str
    role: str
    manager: str | None = None
    is_admin: bool = False

    @property
    def first_name(self) -> str:
        """How the page and messages call them."""
        return self.real_name.split()[0]


PEOPLE = (
    DemoPerson("UMARIA", "maria", "Maria Schmidt", "Europe/Berlin", "Engineering manager"),
    DemoPerson("URAVI", "ravi", "Ravi Iyer", "Asia/Kolkata", "Engineer, reports to Maria", manager="UMARIA"),
    DemoPerson("ULENA", "lena", "Lena Novak", "America/New_York", "Engineer, reports to Maria", manager="UMARIA"),
    DemoPerson("UTOM", "tom", "Tom Becker", "America/Los_Angeles", "Engineer, reports to Maria", manager="UMARIA"),
    DemoPerson("UPAT", "pat", "Pat Okafor", "Europe/London", "Designer, a peer on another team"),
    DemoPerson("UADA", "ada", "Ada Lindqvist", "UTC", "Workspace admin", is_admin=True),
)
BY_ID = {p.user_id: p for p in PEOPLE}

CHANNEL_MESSAGES = (
    (GENERAL, "UMARIA", "Morning all :wave: Reminder: OKR check-ins this week, a line on each key result is plenty."),
    (GENERAL, "URAVI", "Onboarding v2 is live for 50% of new sign-ups :rocket: First activation numbers next week."),
    (GENERAL, "ULENA", "Billing retries are idempotent now: zero duplicate charges since Monday :tada:"),
    (GENERAL, "UTOM", "Anyone up for pairing on the mobile release checklist this afternoon?"),
    (OKRS, "UMARIA", "This channel holds a thread per objective: reply there to discuss an OKR."),
)


def populate_slack(fake: FakeSlack) -> None:
    """Add the demo people and channels to the stand-in (it forgets them when the process stops)."""
    for person in PEOPLE:
        fake.add_user(person.user_id, person.handle, real_name=person.real_name, display_name=person.first_name,
                      email=f"{person.handle}@acme.example", tz=person.tz, is_admin=person.is_admin)
    members = [p.user_id for p in PEOPLE] + [BOT_USER_ID]
    fake.add_channel(GENERAL, "general", members=members, purpose="Company-wide news and chatter")
    fake.add_channel(KUDOS, "kudos", members=members, purpose="Thanks, in public (okrbot posts kudos here)")
    fake.add_channel(OKRS, "okrs", members=members, purpose="One thread per objective")


def page_people(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The "You are" choices: the demo people with their role, in the order above."""
    known = {u["id"]: u for u in users}
    return [{"id": p.user_id, "name": p.first_name, "real_name": p.real_name, "handle": p.handle, "tz": p.tz,
             "role": p.role} for p in PEOPLE if p.user_id in known]


# --------------------------------------------------------------------------- the database


def is_seeded(runtime: Runtime) -> bool:
    """Whether the database already holds the demo workspace (seeding happens once, in one transaction)."""
    with runtime.sessions() as session:
        return session.get(Workspace, TEAM_ID) is not None


def seed_database(runtime: Runtime, fake: FakeSlack) -> None:
    """Write the demo history in one transaction, and post the people's first messages in the stand-in."""
    services = runtime.services
    now = services.ctx.clock()
    quarter = quarter_of(now.date())
    start, _ = quarter_bounds(quarter)
    began = datetime(start.year, start.month, start.day, 9, tzinfo=UTC)
    # The history happens before this month's nudge, so "Jump to this month's nudge" finds all of it.
    anchor = min(now, nudge_moment(runtime) - timedelta(hours=2))

    def ago(days: float) -> datetime:
        """`days` before the anchor, but never before the quarter began."""
        return max(anchor - timedelta(days=days), began + timedelta(hours=days % 7))

    with runtime.sessions.begin() as session:
        session.add(Workspace(team_id=TEAM_ID, name=TEAM_NAME, bot_user_id=BOT_USER_ID, installed_at=now))
        for p in PEOPLE:
            services.people.upsert(session, TEAM_ID, SlackUser(user_id=p.user_id, name=p.first_name, tz=p.tz,
                                                               email=f"{p.handle}@acme.example",
                                                               is_admin=p.is_admin))
        session.flush()
        for p in PEOPLE:
            if p.manager:
                session.get(Person, (TEAM_ID, p.user_id)).manager_id = p.manager  # type: ignore[union-attr]
        objectives = _okrs(session, quarter, now, ago)
        seed_finished_quarter(session, quarter)  # last quarter, to review (issue 17)
        _kudos(session, now, ago)
        _one_on_one(session, anchor, objectives["URAVI"])
        session.add(Feedback(team_id=TEAM_ID, giver_id="UPAT", receiver_id="URAVI", visibility="private",
                             text="Your onboarding demo was the clearest walkthrough I've seen this quarter. "
                                  "Next time, show the funnel numbers first: people asked for them straight away.",
                             created_at=ago(9)))
        # Each objective's message in #okrs, queued in the outbox as okrbot does for a new objective.
        for view in load_objectives(session, objective_rows(TEAM_ID).order_by(Objective.id, KeyResult.position), now):
            services.okrs.post_message(session, view)
    for channel, user, text in CHANNEL_MESSAGES:
        fake.post_user_message(user, channel, text)
    _next_meeting(runtime)
    log.info("sandbox: demo workspace %s seeded (%s)", TEAM_NAME, quarter)


def _objective(session: Any, owner: str, quarter: str, title: str, tag: str, now: datetime) -> Objective:
    objective = Objective(team_id=TEAM_ID, owner_id=owner, quarter=quarter, title=title, tag=tag,
                          created_at=now, updated_at=now)
    session.add(objective)
    session.flush()
    return objective


def _key_result(session: Any, objective: Objective, position: int, title: str, start: float, target: float,
                current: float, unit: str, status: str | None, now: datetime) -> KeyResult:
    kr = KeyResult(team_id=TEAM_ID, objective_id=objective.id, position=position, title=title, start_value=start,
                   target_value=target, current_value=current, unit=unit, status=status, updated_at=now)
    session.add(kr)
    session.flush()
    return kr


def _check_in(session: Any, kr: KeyResult, author: str, value: float, status: str | None, when: datetime,
              obstacles: str = "", next_steps: str = "") -> None:
    session.add(CheckIn(team_id=TEAM_ID, key_result_id=kr.id, author_id=author, value=value, status=status,
                        obstacles=obstacles, next_steps=next_steps, created_at=when))


def _okrs(session: Any, quarter: str, now: datetime, ago: Any) -> dict[str, Objective]:
    """This quarter's OKRs: Lena ahead, Tom on track, Ravi's activation off track with an obstacle."""
    ravi = _objective(session, "URAVI", quarter, "Make onboarding effortless for new teams", "onboarding", ago(40))
    activation = _key_result(session, ravi, 0, "Raise week-1 activation from 30% to 45%", 30, 45, 31, "%",
                             "off_track", ago(3))
    _check_in(session, activation, "URAVI", 30.5, "on_track", ago(24), next_steps="Ship onboarding v2 to 50%.")
    _check_in(session, activation, "URAVI", 31, "off_track", ago(3),
              obstacles="Blocked on the analytics events from the data team: we can't measure the new funnel yet.",
              next_steps="Agree an event schema with the data team this week.")
    ttv = _key_result(session, ravi, 1, "Cut time to first dashboard from 5 days to 2", 5, 2, 3.5, "days",
                      None, ago(6))
    _check_in(session, ttv, "URAVI", 3.5, "on_track", ago(6), next_steps="Template gallery in the empty state.")

    lena = _objective(session, "ULENA", quarter, "Make billing boringly reliable", "billing", ago(41))
    failures = _key_result(session, lena, 0, "Failed renewals below 0.5% of charges", 2.0, 0.5, 0.4, "%",
                           "ahead", ago(4))
    _check_in(session, failures, "ULENA", 0.9, "on_track", ago(20))
    _check_in(session, failures, "ULENA", 0.4, "ahead", ago(4), next_steps="Write the retry runbook.")
    refunds = _key_result(session, lena, 1, "Automate 90% of refunds", 20, 90, 75, "%", "ahead", ago(5))
    _check_in(session, refunds, "ULENA", 75, "ahead", ago(5))

    tom = _objective(session, "UTOM", quarter, "Ship the mobile app to both stores", "mobile", ago(39))
    release = _key_result(session, tom, 0, "Release 1.0 on iOS and Android", 0, 2, 1, "stores", "on_track", ago(7))
    _check_in(session, release, "UTOM", 1, "on_track", ago(7), obstacles="Android review takes about a week.",
              next_steps="Submit the Android build on Monday.")
    crash = _key_result(session, tom, 1, "Crash-free sessions at 99.5%", 97, 99.5, 99.0, "%", "on_track", ago(8))
    _check_in(session, crash, "UTOM", 99.0, "on_track", ago(8))

    maria = _objective(session, "UMARIA", quarter, "Grow a team people want to join", "team", ago(42))
    monthly = _key_result(session, maria, 0, "A 1-on-1 with every report every month", 0, 3, 2, "months",
                          "on_track", ago(10))
    _check_in(session, monthly, "UMARIA", 2, "on_track", ago(10))
    _key_result(session, maria, 1, "Hire two engineers", 0, 2, 1, "hires", "on_track", ago(12))

    pat = _objective(session, "UPAT", quarter, "One design system across web and mobile", "design-system", ago(38))
    components = _key_result(session, pat, 0, "Move 40 components to the shared library", 0, 40, 22, "components",
                             None, ago(5))
    _check_in(session, components, "UPAT", 22, None, ago(5))
    return {"URAVI": ravi, "ULENA": lena, "UTOM": tom, "UMARIA": maria, "UPAT": pat}


def _kudos(session: Any, now: datetime, ago: Any) -> None:
    given = (
        ("ULENA", "URAVI", "for the onboarding v2 demo, super clear", 6, "onboarding"),
        ("UMARIA", "UTOM", "for staying late to get the iOS build through review", 12, None),
        ("UPAT", "ULENA", "for untangling the refund edge cases with me", 15, None),
        ("URAVI", "UPAT", "for the new empty-state illustrations :art:", 20, None),
    )
    for index, (giver, receiver, message, days, _tag) in enumerate(given):
        when = ago(days)
        local_day = when.astimezone(ZoneInfo(BY_ID[giver].tz)).date()
        session.add(Kudos(team_id=TEAM_ID, giver_id=giver, receiver_id=receiver, message=message, source="command",
                          channel_id=GENERAL, message_ts=f"seed-{index}", giver_local_day=local_day, created_at=when))


def _one_on_one(session: Any, now: datetime, objective: Objective) -> None:
    """Maria and Ravi's last 1-on-1, four weeks ago: notes (one private to Maria) and an open task."""
    held = now - timedelta(days=28)
    meeting = OneOnOne(team_id=TEAM_ID, requester_id="URAVI", manager_id="UMARIA", state="done",
                       topic="Onboarding OKR and the analytics dependency", urgency="this_month",
                       requested_at=held - timedelta(days=4), answered_at=held - timedelta(days=3),
                       proposed_at=held, agreed_at=held, done_at=held + timedelta(hours=1),
                       requester_summary="Talked through the activation goal; I own the funnel spec.",
                       manager_summary="Good progress on v2. Analytics dependency is the risk.")
    meeting.objectives.append(objective)
    session.add(meeting)
    session.flush()
    session.add_all([
        Note(team_id=TEAM_ID, one_on_one_id=meeting.id, author_id="UMARIA", private=False, created_at=held,
             text="Agreed: Ravi raises the analytics dependency with the data team; Maria escalates if no answer "
                  "in a week."),
        Note(team_id=TEAM_ID, one_on_one_id=meeting.id, author_id="UMARIA", private=True, created_at=held,
             text="Ravi seems stretched between v2 and support rotation. Check workload next time."),
        Note(team_id=TEAM_ID, one_on_one_id=meeting.id, author_id="URAVI", private=False, created_at=held,
             text="I'd like to present the onboarding results at the all-hands."),
        Task(team_id=TEAM_ID, one_on_one_id=meeting.id, assignee_id="URAVI", author_id="UMARIA",
             text="Write the onboarding funnel spec for the data team", due_on=(now + timedelta(days=5)).date(),
             created_at=held),
        TalkingPoint(team_id=TEAM_ID, one_on_one_id=meeting.id, author_id="URAVI", discussed=False, created_at=held,
                     carried_count=0, text="Presenting the onboarding results at the all-hands"),
        TalkingPoint(team_id=TEAM_ID, one_on_one_id=meeting.id, author_id="UMARIA", discussed=True, created_at=held,
                     carried_count=0, text="Activation goal for v2"),
        Task(team_id=TEAM_ID, one_on_one_id=meeting.id, assignee_id="UMARIA", author_id="UMARIA", done=True,
             text="Ask the data team lead for an owner of the events schema", due_on=(held + timedelta(days=7)).date(),
             done_at=held + timedelta(days=2), created_at=held),
    ])


def _next_meeting(runtime: Runtime) -> None:
    """Maria and Ravi's next 1-on-1 in two working days, a monthly series: it carries the open task and the
    undiscussed talking point of the last one, Ravi adds a point, and both get the reminder with the agenda
    (sent as of three hours before the meeting, like `okrbot tick --at`)."""
    from bot.services.one_on_ones.service import OneOnOneService

    one_on_ones = runtime.services.one_on_ones
    zone = ZoneInfo(BY_ID["UMARIA"].tz)
    day = runtime.services.ctx.clock().astimezone(zone).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    view = one_on_ones.scheduling.schedule(team_id=TEAM_ID, manager="UMARIA", report="URAVI", day=day.isoformat(),
                                           clock="10:00", topic="Monthly OKR check-in")
    one_on_ones.meetings.repeat(team_id=TEAM_ID, one_on_one_id=view.id, actor="UMARIA", frequency="monthly")
    one_on_ones.points.add_talking_point(team_id=TEAM_ID, one_on_one_id=view.id, actor="URAVI",
                                         text="Support rotation vs. the v2 launch: what gives?")
    moment, started = view.agreed_at - timedelta(hours=3), utcnow()
    ctx = replace(runtime.services.ctx, clock=lambda: moment + (utcnow() - started))
    OneOnOneService(ctx, people=runtime.services.people,
                    review_agenda=runtime.services.review.post_agenda).reminders.send_meeting_reminders()


# --------------------------------------------------------------------------- the clock control


def nudge_moment(runtime: Runtime, manager: str = "UMARIA", *, person: str | None = None) -> datetime:
    """This month's nudge time for the demo manager (aware UTC), by okrbot's own nudge date rules.

    With `person`: that person's own local nudge time in the manager's month (a report far east may already
    be in the next month)."""
    cadence = Cadence.of(runtime.settings)
    today = runtime.services.ctx.clock().astimezone(cadence.zone(BY_ID[manager].tz)).date()
    return cadence.window(today.year, today.month, BY_ID[person or manager].tz).due_at


def nudge_label(runtime: Runtime) -> str:
    """What the clock control says, e.g. "Mon 16 Nov 10:00 (Maria, Europe/Berlin)"."""
    moment = nudge_moment(runtime).astimezone(ZoneInfo(BY_ID["UMARIA"].tz))
    return f"{moment:%a %d %b %H:%M} ({BY_ID['UMARIA'].first_name}, {BY_ID['UMARIA'].tz})"


def nudge_moments(runtime: Runtime) -> list[datetime]:
    """This month's nudge time of every demo manager and report, earliest first (each in their own timezone)."""
    managers = {p.manager for p in PEOPLE if p.manager}
    in_pairs = [p.user_id for p in PEOPLE if p.manager or p.user_id in managers]
    return sorted({nudge_moment(runtime, person=user_id) for user_id in in_pairs})


def run_nudge(runtime: Runtime) -> str:
    """Run this month's nudge scan as if each person's nudge time had come; a sentence saying what happened.

    Like `okrbot nudge --at`: okrbot's own NudgeService over a clock that starts at a nudge time and runs on,
    once per distinct local nudge time of the demo's managers and reports (earliest first), so managers get
    their agendas AND reports their "prepare" DMs. Everything else (the outbox, the sender, the other
    services) keeps the real clock, so the DMs the scans queue are delivered at once.
    """
    messages: list[PlannedDM] = []
    outcomes: dict[tuple[str, str], PairOutcome] = {}
    for moment in nudge_moments(runtime):
        started = utcnow()
        ctx = replace(runtime.services.ctx, clock=lambda moment=moment, started=started: moment + (utcnow() - started))
        report = NudgeService(ctx, people=runtime.services.people).scan()
        messages += report.messages
        for outcome in report.outcomes:
            outcomes[(outcome.manager_id, outcome.report_id)] = outcome
    nudged = {user for m in messages for user in (m.channel, *m.about)}
    skipped = [o for key, o in sorted(outcomes.items()) if not {*key} <= nudged]
    return nudge_sentence(messages, skipped)


def _name(user_id: str) -> str:
    person = BY_ID.get(user_id)
    return person.first_name if person else user_id


def _names(user_ids: list[str]) -> str:
    names = [_name(u) for u in sorted(set(user_ids), key=_name)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


_SKIPPED = {
    "done": "{manager} and {report} already had their 1-on-1 this month",
    "away": "{report} is away",
    "manager_away": "{manager} is away",
}


def nudge_sentence(messages: list[PlannedDM], skipped: list[PairOutcome]) -> str:
    """What the jump did, as a person would say it: who got what, and who was left out and why."""
    parts = []
    agendas: dict[str, list[str]] = {}
    for m in messages:
        if m.kind in ("agendas", "agenda", "reminder"):
            agendas.setdefault(m.channel, []).extend(m.about)
    for manager, about in sorted(agendas.items(), key=lambda item: _name(item[0])):
        parts.append(f"{_name(manager)} got 1-on-1 agendas for {_names(about)}")
    prepared = [m.channel for m in messages if m.kind == "prepare"]
    if prepared:
        each = " each" if len(set(prepared)) > 1 else ""
        parts.append(f"{_names(prepared)}{each} got a note to prepare")
    if parts:
        said = "It's nudge time: " + "; ".join(parts) + ". Switch person to read them."
    else:
        said = ("Nothing new to send: this month's nudges already went out (once a month per pair). "
                "`okrbot sandbox --reset` starts the demo afresh.")
    reasons = [_SKIPPED.get(o.outcome, "{manager} and {report}'s nudge time has passed").format(
        manager=_name(o.manager_id), report=_name(o.report_id)) for o in skipped]
    if reasons:
        said += " No nudge where " + "; ".join(reasons) + "."
    return said
