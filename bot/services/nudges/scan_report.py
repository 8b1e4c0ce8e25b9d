"""What one nudge scan did, or would do in a dry run: the DMs it queued, the pairs it did not nudge, counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

KEEP = 1000  # DMs and pair outcomes a (not dry) ScanReport keeps; beyond, only counted


@dataclass(frozen=True)
class PlannedDM:
    """A DM the scan wrote (or, in a dry run, would write)."""

    team_id: str
    channel: str
    key: str
    kind: str  # agendas | agenda | prepare | reminder
    text: str
    blocks: int
    about: tuple[str, ...]  # the report(s) it is about


@dataclass(frozen=True)
class PairOutcome:
    """A pair skipped or missed this scan, for logs and the dry run."""

    team_id: str
    manager_id: str
    report_id: str
    period: str
    outcome: str  # done | away | manager_away | missed (manager) | missed (report) | missed
    detail: str = ""


@dataclass
class ScanReport:
    """What one scan did (or would do, in a dry run): counts of everything, and the DMs and pairs themselves
    (every one in a dry run; the first KEEP otherwise, so a scan of 100,000 pairs does not hold them all)."""

    at: datetime
    dry_run: bool = False
    messages: list[PlannedDM] = field(default_factory=list)
    outcomes: list[PairOutcome] = field(default_factory=list)
    decided: int = 0
    kinds: Counter[str] = field(default_factory=Counter)  # DMs per kind
    outcome_counts: Counter[str] = field(default_factory=Counter)  # pairs not nudged, per outcome

    @property
    def total(self) -> int:
        """DMs queued (or that would be)."""
        return sum(self.kinds.values())

    def add(self, message: PlannedDM) -> None:
        """Count a DM (and keep it while under the limit)."""
        self.kinds[message.kind] += 1
        if self.dry_run or len(self.messages) < KEEP:
            self.messages.append(message)

    def add_outcome(self, outcome: PairOutcome) -> None:
        """Count a pair skipped or missed (and keep it while under the limit)."""
        self.outcome_counts[outcome.outcome] += 1
        if self.dry_run or len(self.outcomes) < KEEP:
            self.outcomes.append(outcome)

    def __str__(self) -> str:
        sent = f"{self.total} DMs (" + ", ".join(f"{k}: {n}" for k, n in sorted(self.kinds.items())) + ")" \
            if self.total else "no DM"
        rest = ", ".join(f"{k}: {n}" for k, n in sorted(self.outcome_counts.items()))
        return (f"{'would send' if self.dry_run else 'queued'} {sent}; {self.decided} pairs decided"
                + (f"; pairs not nudged: {rest}" if rest else ""))
