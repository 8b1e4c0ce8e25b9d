"""Use-cases: transactions, rules and permissions. Services return frozen view-models, never ORM rows,
and never import a Slack client (they reach Slack through `ports.Directory` and the outbox)."""

from __future__ import annotations

from bot.services.core.context import ServiceContext
from bot.services.core.errors import NotFound, UserFacingError

__all__ = ["NotFound", "ServiceContext", "Services", "UserFacingError"]


class Services:
    """Every use-case of okrbot, built once per process and injected into Bolt listeners as `services`."""

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
        self.okrs = OkrService(ctx, self)
        self.one_on_ones = OneOnOneService(ctx, self)
        self.kudos = KudosService(ctx, self)
        self.feedback = FeedbackService(ctx, self)
        self.nudges = NudgeService(ctx, self)
        self.home = HomeService(ctx, self)
        self.llm = LlmService(ctx, self)
        self.review = ReviewService(ctx, self)  # the quarter review (issue 17)
