"""What the Home service hands to block builders (issue 15): the Home tab's frozen view-models, the leader
view's pages, the state travelling in private_metadata and "Show more" buttons, and the Home tab's actions.

Pure: no SQLAlchemy, no Slack SDK (bot.services.home builds these; bot.blocks.home lays them out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, SupportsIndex, TypeVar

from bot.views.okrs import ObjectiveView

T = TypeVar("T")

MAX_PAGE = 1000
# What one Home page shows of each list (bot.blocks.home lays them out, bot.services.home.leader_sql pages in SQL).
PEOPLE_PAGE = 30
OBSTACLES_PAGE = 6
ITEMS_IN_A_LIST = 8
NAMES_IN_A_LINE = 15
SCHEDULE_BUTTONS = 3


def first_shown(page: int, size: int, total: int) -> int:
    """The position of the first item shown on page `page` of a list (the last page when past the end)."""
    if page * size >= total:
        page = max(0, (total - 1) // size)
    return page * size


class HomeAction(StrEnum):
    """Buttons and selects of the Home tab."""

    MORE = "home.more"  # value: the HomeState to show (next page)
    TOP = "home.top"  # value: the HomeState to show (first page)
    TREE = "home.tree"  # value: the HomeState to show (tree toggled)
    MANAGER = "home.manager"  # users_select: "my manager"
    AWAY = "home.away"  # datepicker: away until
    BACK = "home.back"  # button: not away any more
    REFRESH = "home.refresh"


class Page(tuple[T, ...]):
    """One page of a longer list: the items loaded (a tuple), with `len()` the whole list's length.

    Slicing and indexing use positions in the whole list (`offset` is the first loaded item's), so
    `page[30:60]` of the people list is the loaded page; iterating gives the loaded items only.
    Computed in SQL by bot.services.home.leader_sql, so Python only holds what one Home page shows.
    """

    total: int
    offset: int

    def __new__(cls, items: Any = (), total: int | None = None, offset: int = 0) -> Page[T]:
        page = super().__new__(cls, items)
        page.total = tuple.__len__(page) + offset if total is None else total
        page.offset = offset
        return page

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: SupportsIndex | slice) -> Any:  # type: ignore[override]
        if isinstance(index, slice):
            start, stop, _ = index.indices(self.total)
            return tuple.__getitem__(self, slice(max(0, start - self.offset), max(0, stop - self.offset)))
        position = index.__index__()
        position = position + self.total if position < 0 else position
        if not self.offset <= position < self.offset + tuple.__len__(self):
            raise IndexError("not on this page")
        return tuple.__getitem__(self, position - self.offset)

    def __repr__(self) -> str:
        return f"Page({tuple(self)!r}, total={self.total}, offset={self.offset})"


@dataclass(frozen=True)
class PersonStatus:
    """One team member with the statuses of their key results this quarter."""

    user_id: str
    name: str
    manager_id: str | None
    depth: int
    is_manager: bool
    ahead: int
    on_track: int
    off_track: int

    @property
    def key_results(self) -> int:
        """How many key results they have this quarter."""
        return self.ahead + self.on_track + self.off_track


@dataclass(frozen=True)
class Obstacle:
    """An off-track key result and its latest obstacle (`since`: its latest obstacle or last change)."""

    owner_id: str
    objective_id: int
    objective_title: str
    key_result_id: int
    key_result_title: str
    progress: float
    obstacle: str
    since: datetime


@dataclass(frozen=True)
class OverdueOneOnOne:
    """A team member without a 1-on-1 with their manager in the last 30 days (`last_at` None: never)."""

    user_id: str
    manager_id: str | None
    last_at: datetime | None


@dataclass(frozen=True)
class OpenRequest:
    """A 1-on-1 request nobody answered yet."""

    one_on_one_id: int
    requester_id: str
    manager_id: str
    requested_at: datetime


@dataclass(frozen=True)
class StaleFeedback:
    """A feedback request pending for more than 7 days."""

    request_id: int
    requester_id: str
    giver_id: str
    created_at: datetime


@dataclass(frozen=True)
class LeaderView:
    """Where are we? Where are the obstacles? What should I do next?"""

    tree: bool
    has_sub_managers: bool
    people: tuple[PersonStatus, ...]
    obstacles: tuple[Obstacle, ...]
    overdue: tuple[OverdueOneOnOne, ...]
    requests: tuple[OpenRequest, ...]
    stale_feedback: tuple[StaleFeedback, ...]
    no_kudos: tuple[str, ...]
    counts: tuple[int, int, int] | None = field(default=None, compare=False)  # totals when `people` is a Page

    @property
    def totals(self) -> tuple[int, int, int]:
        """Key results ahead, on track and off track across the team."""
        if self.counts is not None:
            return self.counts
        return (sum(p.ahead for p in self.people), sum(p.on_track for p in self.people),
                sum(p.off_track for p in self.people))


class Viewer(Protocol):
    """Who looks at the Home tab (bot.services.people.service.PersonView)."""

    @property
    def user_id(self) -> str:
        """Their Slack user id."""
        ...

    @property
    def manager_id(self) -> str | None:
        """Their manager."""
        ...

    @property
    def away_until(self) -> date | None:
        """Their away date, if away."""
        ...


@dataclass(frozen=True)
class ThreadLine:
    """The conversation of one objective: replies (not deleted) and the newest one."""

    replies: int
    latest_user: str
    latest_text: str


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

    viewer: Viewer
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
