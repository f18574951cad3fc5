"""Workflow errors. Each maps to an HTTP status and names the field and the reason."""

from __future__ import annotations


class WorkflowError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, reason: str, field: str | None = None,
                 errors: list[dict[str, str]] | None = None):
        super().__init__(reason)
        self.reason, self.field = reason, field
        self.errors = errors if errors is not None else (
            [{"path": field, "reason": reason}] if field else [])


class Invalid(WorkflowError):
    status, title = 422, "Invalid input"


class Unauthenticated(WorkflowError):
    status, title = 401, "Not authenticated"


class Forbidden(WorkflowError):
    status, title = 403, "Forbidden"


class NotFound(WorkflowError):
    status, title = 404, "Not found"


class Conflict(WorkflowError):
    status, title = 409, "Conflict"


class TooManyRequests(WorkflowError):
    """Throttled: ``retry_after`` seconds until the caller may try again."""

    status, title = 429, "Too many requests"

    def __init__(self, reason: str, field: str | None = None, *, retry_after: int):
        super().__init__(reason, field)
        self.retry_after = retry_after
