"""Action and callback ids that cross features (one feature's button opens another feature's modal).

Ids private to a feature live in that feature's view module as its own enums (`bot/views/<feature>.py`:
`KudosAction`, `OkrView`, `NudgeAction`…), next to its view-models and field limits. The Home tab's
`HomeAction` and the 1-on-1 ids (`OneOnOneAction`, `OneOnOneModal`) still live in their block modules.
"""

from __future__ import annotations

from enum import StrEnum


class SharedAction(StrEnum):
    """Buttons any message or the Home tab may show."""

    REQUEST_ONE_ON_ONE = "1on1.request.open"  # value: manager user id or ""
    CHECK_IN = "okr.checkin.open"  # value: objective id or "" (all of the caller's objectives)
    GIVE_FEEDBACK = "feedback.give.open"  # value: feedback request id, or "" to choose the person
    GIVE_KUDOS = "kudos.give.open"  # value: receiver user id or ""
    OPEN_HOME = "home.open"  # value: ""
    SCHEDULE_ONE_ON_ONE = "1on1.schedule.open"  # value: report user id (a manager proposes a time)
    ADD_TALKING_POINT = "1on1.point.open"  # value: 1-on-1 id (the agenda of the pair's next 1-on-1)
