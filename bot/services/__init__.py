"""Use-cases: transactions, rules and permissions. Services return frozen view-models, never ORM rows,
and never import a Slack client (they reach Slack through `ports.Directory` and the outbox)."""

from __future__ import annotations

from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError
from bot.services.core.outbox import Hook

__all__ = ["NotFound", "ServiceContext", "Services", "UserFacingError", "outbox_hooks"]


def outbox_hooks() -> dict[str, Hook]:
    """The one table of outbox hooks: `on_sent="name:arg"` runs `table[name]` once Slack has the message.

    Built at start-up and given to the Outbox (which refuses an unknown name when a row is written) and to the
    sender (bot.slack_port.OutboxSender, which runs them).
    """
    from bot.services.kudos.notices import remember_post
    from bot.services.okrs.service import remember_message
    from bot.services.one_on_ones.hooks import HOOKS as ONE_ON_ONE_HOOKS

    return {"okr.message": remember_message, "kudos.post": remember_post, **ONE_ON_ONE_HOOKS}


class Services:
    """Every use-case of okrbot, built once per process and injected into Bolt listeners as `services`.

    Each service is given the other services it calls, so the order below is the dependency order.
    """

    def __init__(self, ctx: ServiceContext) -> None:
        from bot.services.feedback.service import FeedbackService
        from bot.services.home.service import HomeService
        from bot.services.kudos.service import KudosService
        from bot.services.llm.service import LlmService
        from bot.services.nudges.service import NudgeService
        from bot.services.okrs.service import OkrService
        from bot.services.one_on_ones.service import OneOnOneService
        from bot.services.people.data import PersonDataService
        from bot.services.people.service import PeopleService
        from bot.services.people.workspaces import WorkspaceService
        from bot.services.privacy.service import PrivacyService
        from bot.services.review import ReviewService

        self.ctx = ctx
        self.people = PeopleService(ctx)
        self.workspaces = WorkspaceService(ctx)
        self.privacy = PrivacyService(ctx)
        self.person_data = PersonDataService(ctx, self.privacy)
        self.okrs = OkrService(ctx, people=self.people)
        # The one cycle: a review asks for a 1-on-1 (review → requests), and a review 1-on-1's card gets the
        # review agenda in its thread (1-on-1 → review). The second is bound late, to the review built below.
        self.one_on_ones = OneOnOneService(ctx, people=self.people,
                                           review_agenda=lambda session, row: self.review.post_agenda(session, row))
        self.kudos = KudosService(ctx, people=self.people)
        self.feedback = FeedbackService(ctx, people=self.people, privacy=self.privacy)
        self.nudges = NudgeService(ctx, people=self.people)
        self.llm = LlmService(ctx, people=self.people, okrs=self.okrs, one_on_ones=self.one_on_ones.module)
        self.review = ReviewService(ctx, people=self.people, okrs=self.okrs,  # the quarter review (issue 17)
                                    one_on_ones=self.one_on_ones.requests, privacy=self.privacy)
        self.home = HomeService(ctx, people=self.people, okrs=self.okrs, llm=self.llm, sections={
            "review": self.review.for_home, "one_on_ones": self.one_on_ones.home.for_home,
            "kudos": self.kudos.for_home, "feedback": self.feedback.for_home, "privacy": self.privacy.for_home})
