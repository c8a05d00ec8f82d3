"""Typed domain errors. Each carries a code; the bot turns it into a sentence from the
catalogue (`error.<code>`), the API into an RFC 9457 problem with a 4xx status."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self, code: str | None = None, /, *, keep_changes: bool = False, **params: object
    ) -> None:
        self.code = code or self.code
        self.params = params
        # True when what the use case wrote must stay although it refuses (e.g. a counted
        # wrong sign-in try): the unit of work commits instead of rolling back.
        self.keep_changes = keep_changes
        super().__init__(f"{self.code} {params}" if params else self.code)


class Invalid(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
