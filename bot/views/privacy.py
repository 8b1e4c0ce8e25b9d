"""What the privacy service hands to the block builders (frozen): who read a private text, and the Home section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReadItem:
    """A text someone read: its kind (feedback | note | summary | all), id, whom it is about, who wrote it."""

    kind: str
    item_id: int
    subject_id: str
    author_id: str = ""


@dataclass(frozen=True)
class ReadingEntryView:
    """One line of a person's reading log."""

    reader_id: str  # "" for an operator
    reader_name: str
    kind: str
    author_id: str
    via: str
    read_on: date
    subject_id: str = ""


@dataclass(frozen=True)
class PrivacyHomeView:
    """The Home's Privacy section: who can read what, and the newest reads of texts about the viewer."""

    viewer_id: str
    who_reads: tuple[tuple[str, str], ...]
    entries: tuple[ReadingEntryView, ...]
    total: int
    retention_months: int
