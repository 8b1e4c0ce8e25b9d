"""Use-cases for the App Home and the leader view (issue 4).

`build` returns one frozen HomeView made with a fixed number of SQL statements whatever the team size
(see bot.services.home.leader_sql: counts and
pages computed in SQL); sections of other features come from their `for_home(team_id, viewer_id)`.
Paging and the whole-tree toggle travel in a HomeState kept in the Home view's private_metadata and in
the "Show more" buttons' values.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.home.beside import beside, can_run_beside
from bot.services.home.leader_sql import LeaderLists, leader_lists, leader_page
from bot.services.okrs.thread_lines import thread_lines
from bot.services.people.service import PersonView
from bot.views.home import HomeSection, HomeState, HomeView

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from bot.services.llm.service import LlmService
    from bot.services.okrs.service import OkrService
    from bot.services.people.service import PeopleService

log = logging.getLogger("okrbot.home")
SECTIONS = ("review", "one_on_ones", "kudos", "feedback", "privacy")  # other features' Home sections, in this order


class HomeService:
    """The App Home and the leader view (issue 4)."""

    def __init__(self, ctx: ServiceContext, *, people: PeopleService, okrs: OkrService, llm: LlmService,
                 sections: Mapping[str, Callable[[str, str], object]]) -> None:
        """`sections`: each feature's `for_home(team_id, user_id)` by name (shown in the order of SECTIONS)."""
        self._ctx = ctx
        self._people = people
        self._okrs = okrs
        self._llm = llm
        self._section_sources = sections

    def build(self, *, team_id: str, user_id: str, state: HomeState | None = None,
              notice: str | None = None) -> HomeView:
        """The Home tab of `user_id`: their OKRs, other features' sections, and the leader view if they manage.

        The other features' sections and the leader view's short lists are read beside the rest
        (bot.services.home.beside).
        """
        state = state or HomeState()
        parallel = can_run_beside(self._ctx.sessions)
        viewer = self._people.ensure(team_id, user_id)  # first: the sections read the viewer's row
        sections = beside(parallel, lambda: self._sections(team_id, user_id))
        now = self._ctx.clock()
        okrs = self._okrs
        with self._ctx.sessions() as session:
            if viewer is None:
                viewer = self._people.view(session, team_id, user_id) or PersonView(
                    team_id, user_id, user_id, self._ctx.settings.default_timezone, None, True, False, False, None)
            quarter = okrs.current_quarter(team_id, user_id, session)
            lists = beside(parallel, lambda: self._leader_lists(team_id, user_id, quarter, now, state.tree))
            objectives = tuple(okrs.objectives_of(session, team_id, user_id, quarter, now))
            leader = leader_page(session, team_id, user_id, quarter, now, tree=state.tree, pages=dict(state.pages),
                                 lists=lists)
            threads = thread_lines(session, team_id, [o.id for o in objectives])
        return HomeView(viewer=viewer, quarter=quarter, now=now, objectives=objectives, leader=leader,
                        sections=sections(), state=state, notice=notice, threads=threads, llm=self._llm.notice())

    def _leader_lists(self, team_id: str, user_id: str, quarter: str, now: datetime, tree: bool) -> LeaderLists:
        with self._ctx.sessions() as session:
            return leader_lists(session, team_id, user_id, quarter, now, tree=tree)

    def _sections(self, team_id: str, user_id: str) -> tuple[HomeSection, ...]:
        sections = []
        for name in SECTIONS:
            for_home = self._section_sources.get(name)
            if for_home is not None:
                sections.append(HomeSection(name, for_home(team_id, user_id)))
        return tuple(sections)

    def set_manager(self, *, team_id: str, user_id: str, manager_id: str | None,
                    state: HomeState | None = None) -> HomeView:
        """"My manager" from the Home tab; a refusal (self, bot, cycle…) is shown at the top of the tab."""
        try:
            self._people.set_manager(team_id, user_id, manager_id or None)
        except UserFacingError as error:
            return self.build(team_id=team_id, user_id=user_id, state=state, notice=error.message)
        return self.build(team_id=team_id, user_id=user_id, state=state)

    def set_away(self, *, team_id: str, user_id: str, until: str | None,
                 state: HomeState | None = None) -> HomeView:
        """The away date from the Home tab (`YYYY-MM-DD`, or None when back); refusals shown on the tab."""
        try:
            day = date.fromisoformat(until) if until else None
            self._okrs.set_away(team_id=team_id, user_id=user_id, until=day)
        except ValueError:
            return self.build(team_id=team_id, user_id=user_id, state=state, notice="Pick a date.")
        except UserFacingError as error:
            return self.build(team_id=team_id, user_id=user_id, state=state, notice=error.message)
        return self.build(team_id=team_id, user_id=user_id, state=state)
