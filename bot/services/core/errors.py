"""Errors a person should read: one `@app.error` turns them into an ephemeral reply or a modal field error."""

from __future__ import annotations


class UserFacingError(Exception):
    """A rule was broken by what the person did; `message` is shown to them as is.

    `field` names the modal input block whose error it is (shown under that field in a modal).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(UserFacingError):
    """What the person asked about does not exist (in their workspace)."""
