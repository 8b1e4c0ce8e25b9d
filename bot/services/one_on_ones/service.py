"""The 1-on-1 feature (issues 3 and 14), one object per job, each built with the collaborators it uses.

    requests      /request-1on1, the request modal, accept / another time / decline, the new time (requests.py)
    scheduling    a manager schedules with a report (scheduling.py)
    meetings      set or move the time, cancel, make it a series (meetings.py)
    points        talking points (points.py)
    module        notes, tasks, Mark done, summaries on the pair's card (module.py)
    edits         editing and deleting your own notes and tasks (edits.py)
    conversation  replies in the card's thread (conversation.py)
    reminders     the scheduled reminders and follow-ups (reminders.py)
    exports       `okrbot export` (exports.py)
    home          the App Home section (home.py)

They share `rows` (loading, the state transition, outbox keys, `Views`), `messages` (the request DM, the
pair's card, the calendar invite) and `carry` (what moves on to the pair's next 1-on-1).
"""

from __future__ import annotations

from bot.services.core.context import ServiceContext
from bot.services.one_on_ones.conversation import Conversation
from bot.services.one_on_ones.edits import Edits
from bot.services.one_on_ones.exports import Exports
from bot.services.one_on_ones.home import Home
from bot.services.one_on_ones.meetings import Meetings
from bot.services.one_on_ones.messages import Messages, ReviewAgenda
from bot.services.one_on_ones.module import Module
from bot.services.one_on_ones.points import TalkingPoints
from bot.services.one_on_ones.reminders import Reminders
from bot.services.one_on_ones.requests import Requests
from bot.services.one_on_ones.rows import Views
from bot.services.one_on_ones.scheduling import Scheduling
from bot.services.people.service import PeopleService


class OneOnOneService:
    """The 1-on-1 use-cases, by job: `services.one_on_ones.requests.accept(...)`, `....meetings.move(...)`."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService, review_agenda: ReviewAgenda) -> None:
        sessions, clock, settings, outbox = ctx.sessions, ctx.clock, ctx.settings, ctx.outbox
        views = Views(clock, settings.default_timezone)
        messages = Messages(views, outbox, settings, review_agenda)
        self.requests = Requests(sessions, clock, settings, outbox, people, views, messages)
        self.scheduling = Scheduling(sessions, clock, settings, outbox, people, views, messages)
        self.meetings = Meetings(sessions, clock, outbox, views, messages)
        self.points = TalkingPoints(sessions, clock, messages)
        self.module = Module(sessions, clock, settings, outbox, views, messages)
        self.edits = Edits(sessions, messages)
        self.conversation = Conversation(sessions, clock)
        self.reminders = Reminders(sessions, clock, settings, outbox, views)
        self.exports = Exports(sessions)
        self.home = Home(sessions, clock, settings.default_timezone)
