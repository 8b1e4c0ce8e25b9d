"""Key rotation: re-encrypt every private text that is not under the keyring's first key (plain text included).

Safe while okrbot serves: a batch is read in one short transaction and written in another, each row by
compare-and-swap on its stored ciphertext (`… WHERE id = :id AND col = :old`), so a row changed meanwhile is
left to the writer (who encrypts under its own first key) and looked at again on the next pass. Each batch
commits: a crash loses at most one batch of work, and running it again resumes (done rows are skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, Table, func, not_, select, text, type_coerce
from sqlalchemy.types import Text

from storage.crypto import PREFIX, Keyring, encrypted_columns
from storage.db import Base

MAX_PASSES = 5


@dataclass
class RotationReport:
    """What a rotation did, per `table.column`."""

    rotated: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)  # rows changed by someone else during their batch
    remaining: dict[str, int] = field(default_factory=dict)  # rows still not under the first key afterwards

    @property
    def done(self) -> bool:
        """Whether every private text is now under the first key."""
        return not any(self.remaining.values())


def _stale(column: object, keyring: Keyring) -> object:
    raw = type_coerce(column, Text)
    return raw.is_not(None), raw != "", not_(raw.startswith(f"{PREFIX}{keyring.current_id}:"))


def count_stale(engine: Engine, keyring: Keyring, tables: Iterable[Table] | None = None) -> dict[str, int]:
    """Rows per `table.column` not yet under the first key (plain text or an older key)."""
    counts = {}
    with engine.connect() as connection:
        for table, column in encrypted_columns(tables or Base.metadata.sorted_tables):
            counts[f"{table.name}.{column.name}"] = connection.scalar(
                select(func.count()).select_from(table).where(*_stale(column, keyring))) or 0
    return counts


def rotate(engine: Engine, keyring: Keyring, *, batch: int = 500, tables: Iterable[Table] | None = None,
           progress: Callable[[str, int], None] | None = None) -> RotationReport:
    """Re-encrypt, in batches of `batch` rows, every value not under `keyring`'s first key."""
    report = RotationReport()
    for table, column in encrypted_columns(list(tables or Base.metadata.sorted_tables)):
        name = f"{table.name}.{column.name}"
        purpose = column.type.purpose  # type: ignore[attr-defined]
        raw = type_coerce(column, Text)
        swap = text(f'UPDATE "{table.name}" SET "{column.name}" = :new '  # noqa: S608 - names from the models
                    f'WHERE id = :id AND "{column.name}" = :old')
        report.rotated[name] = report.conflicts[name] = 0
        for _ in range(MAX_PASSES):
            changed_this_pass, last_id = 0, 0
            while True:
                with engine.connect() as connection:
                    rows = connection.execute(select(table.c.id, raw).where(table.c.id > last_id,
                                                                           *_stale(column, keyring))
                                              .order_by(table.c.id).limit(batch)).all()
                if not rows:
                    break
                last_id = rows[-1][0]
                params = [{"id": row_id, "old": old, "new": keyring.encrypt(keyring.decrypt(old, purpose), purpose)}
                          for row_id, old in rows]
                with engine.begin() as connection:
                    swapped = sum(connection.execute(swap, p).rowcount or 0 for p in params)
                report.rotated[name] += swapped
                report.conflicts[name] += len(params) - swapped
                changed_this_pass += len(params)
                if progress:
                    progress(name, swapped)
            if not changed_this_pass:
                break
    report.remaining = count_stale(engine, keyring, tables)
    return report
