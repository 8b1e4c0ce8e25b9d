"""`okrbot import people|okrs FILE.csv`: validate the whole file, then write it in one transaction.

Every problem is collected with its line and column (`line 4, column manager: …`) and nothing is written
unless the file is clean. Users are Slack ids or emails; emails are resolved with users.lookupByEmail,
once per distinct value, and people okrbot already synced in the last day are not asked about again.
Writing is an upsert by natural key, so importing the same file twice changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.core.context import ServiceContext
from bot.services.imports.csv_file import ImportFailed, ImportProblem, ImportReport, Progress, count_rows
from bot.services.imports.okrs import import_okrs
from bot.services.imports.people import import_people

if TYPE_CHECKING:
    from bot.services.okrs.service import OkrService

__all__ = ["ImportFailed", "ImportProblem", "ImportReport", "ImportService"]


class ImportService:
    """`okrbot import people` and `okrbot import okrs` (given the OKR service that posts objective messages)."""

    def __init__(self, ctx: ServiceContext, *, okrs: OkrService) -> None:
        self._ctx = ctx
        self._okrs = okrs

    @staticmethod
    def count_rows(text: str) -> int:
        """How many records the CSV text has (for a progress bar)."""
        return count_rows(text)

    def people(self, *, team_id: str, text: str, dry_run: bool = False,
               progress: Progress | None = None) -> ImportReport:
        """Import `user,manager[,timezone]` rows: people and their managers (raises ImportFailed)."""
        return import_people(self._ctx, team_id=team_id, text=text, dry_run=dry_run, progress=progress)

    def okrs(self, *, team_id: str, text: str, dry_run: bool = False, post_messages: bool = True,
             progress: Progress | None = None) -> ImportReport:
        """Import `owner,quarter,objective,key_result,start,target,current,unit,status` rows (raises ImportFailed)."""
        return import_okrs(self._ctx, self._okrs, team_id=team_id, text=text, dry_run=dry_run,
                           post_messages=post_messages, progress=progress)
