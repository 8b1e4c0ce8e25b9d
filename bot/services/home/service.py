"""Use-cases for the App Home and the leader view (issue 4).

`build` returns one frozen HomeView made with a fixed number of SQL statements whatever the team size
(see bot.services.home.leader_sql: counts and
pages computed in SQL); sections of other features come from their `for_home(team_id, viewer_id)`.
Paging and the whole-tree toggle travel in a HomeState kept in the Home view's private_metadata and in
the "Show more" buttons' values.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from bot.services.home.leader import LeaderView
from bot.services.home.leader_sql import leader_page
from bot.services.okrs.thread_lines import ThreadLine, thread_lines
from bot.services.people.service import PersonView
from bot.views.okrs import ObjectiveView

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from bot.services.llm.service import LlmService
    from bot.services.okrs.service import OkrService
    from bot.services.people.service import PeopleService

log = logging.getLogger("okrbot.home")
SECTIONS = ("review", "one_on_ones", "kudos", "feedback", "privacy")  # other features' Home sections, in this order
MAX_PAGE = 1000


@dataclass(frozen=True)
class HomeState:
    """What the viewer chose on their Home tab: whole tree or direct reports, and the page of each list."""

    tree: bool = False
    pages: tuple[tuple[str, int], ...] = ()

    def page(self, name: str) -> int:
        """The page (0-based) shown of list `name`."""
        return dict(self.pages).get(name, 0)

    def with_page(self, name: str, page: int) -> HomeState:
        """The same state showing page `page` of list `name`."""
        pages = {**dict(self.pages), name: max(0, min(MAX_PAGE, page))}
        return replace(self, pages=tuple(sorted((k, v) for k, v in pages.items() if v)))

    def toggled(self) -> HomeState:
        """Whole tree ⇄ direct reports (back to the first pages)."""
        return HomeState(tree=not self.tree)

    def encode(self) -> str:
        """Compact JSON for private_metadata and button values."""
        return json.dumps({"t": int(self.tree), "p": dict(self.pages)}, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str | None) -> HomeState:
        """The state in `text`; anything unreadable is the default state."""
        try:
            data = json.loads(text or "{}")
            pages = tuple(sorted((str(k), max(0, min(MAX_PAGE, int(v)))) for k, v in dict(data.get("p", {})).items()
                                 if int(v)))
            return cls(tree=bool(data.get("t")), pages=pages)
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
            return cls()


@dataclass(frozen=True)
class HomeSection:
    """Another feature's part of the Home tab: its name and the view its `for_home` returned."""

    name: str
    view: Any


@dataclass(frozen=True)
class HomeView:
    """Everything the Home tab shows one person."""

    viewer: PersonView
    quarter: str
    now: datetime
    objectives: tuple[ObjectiveView, ...]
    leader: LeaderView | None
    sections: tuple[HomeSection, ...]
    state: HomeState = field(default_factory=HomeState)
    notice: str | None = None
    threads: dict[int, ThreadLine] = field(default_factory=dict)  # objective id → its OKR conversation
    llm: Any = None  # LlmNotice when a language model is configured (its buttons and Privacy part show)

    @property
    def manager_id(self) -> str | None:
        """The viewer's manager."""
        return self.viewer.manager_id

    @property
    def away_until(self) -> date | None:
        """The viewer's away date, if away."""
        return self.viewer.away_until


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
        """The Home tab of `user_id`: their OKRs, other features' sections, and the leader view if they manage."""
        state = state or HomeState()
        viewer = self._people.ensure(team_id, user_id)
        now = self._ctx.clock()
        okrs = self._okrs
        with self._ctx.sessions() as session:
            if viewer is None:
                viewer = self._people.view(session, team_id, user_id) or PersonView(
                    team_id, user_id, user_id, self._ctx.settings.default_timezone, None, True, False, False, None)
            quarter = okrs.current_quarter(team_id, user_id, session)
            objectives = tuple(okrs.objectives_of(session, team_id, user_id, quarter, now))
            leader = leader_page(session, team_id, user_id, quarter, now, tree=state.tree, pages=dict(state.pages))
            threads = thread_lines(session, team_id, [o.id for o in objectives])
        return HomeView(viewer=viewer, quarter=quarter, now=now, objectives=objectives, leader=leader,
                        sections=self._sections(team_id, user_id), state=state, notice=notice, threads=threads,
                        llm=self._llm.notice())

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
