"""The one application error type; the API and the views map it to a 4xx response."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request that cannot be carried out as asked; the message is safe to show."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ApplicationError):
    """Raised both for missing objects and for objects the actor may not see (no leaks)."""

    status_code = 404


class PermissionDenied(ApplicationError):
    status_code = 403
