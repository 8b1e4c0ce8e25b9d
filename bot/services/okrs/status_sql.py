"""The status rule of bot.services.okrs.status (`effective_status`) as a SQL expression, for views that count
statuses in the database (the leader view, bot.services.home.leader_sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, literal

from bot.services.okrs.status import AHEAD_MARGIN, BEHIND_MARGIN, STATUSES, _grace, elapsed_share
from storage.models import KeyResult


def status_sql(quarter: str, now: datetime, labels: dict[str, Any] | None = None) -> ColumnElement[Any]:
    """`effective_status` of KeyResult rows as a SQL expression (same rule, same floating-point numbers); with
    `labels`, each status is given as that value instead of its name.

    Progress p is clamped to 0..1 and compared with thresholds known before the query, so each `p >= x`
    is decided here when x is outside 0..1 and is `raw >= x` otherwise (clamping only picks 0 or 1): the
    SQL compares the unclamped share, computed as Python computes it.
    """
    k = KeyResult
    label = labels or {s: s for s in STATUSES}
    explicit = k.status if labels is None else case(*((k.status == s, labels[s]) for s in STATUSES[:-1]),
                                                     else_=labels[STATUSES[-1]])
    raw = case((k.target_value == k.start_value, case((k.current_value == k.target_value, literal(1.0, Float)),
                                                      else_=literal(0.0, Float))),
               else_=(k.current_value - k.start_value) / (k.target_value - k.start_value))
    t = elapsed_share(quarter, now)
    rules: list[tuple[Any, Any]] = [(k.status.in_(STATUSES), explicit),
                                    (and_(k.current_value == k.start_value, k.updated_at > now - _grace["period"]),
                                     label["on_track"])]
    if t < 1.0:
        rules.append((raw >= literal(1.0, Float), label["ahead"]))
    otherwise = label["off_track"]
    for threshold, status in ((t + AHEAD_MARGIN, "ahead"), (t - BEHIND_MARGIN, "on_track")):
        if threshold <= 0.0:  # p >= threshold whatever the progress
            otherwise = label[status]
            break
        if threshold <= 1.0:  # above 1 no progress reaches it: no rule
            rules.append((raw >= literal(threshold, Float), label[status]))
    return case(*rules, else_=otherwise)
