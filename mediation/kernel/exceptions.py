"""Errors raised by services; the API maps them to HTTP status codes.

Invalid input raises django.core.exceptions.ValidationError (400, with field errors).
"""

from typing import Any


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: Any, *, details: list[str] | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.details = details or []


class NotFound(ServiceError):
    """The object does not exist or the user may not see it (404)."""

    status_code = 404


class Forbidden(ServiceError):
    """The user may see the object but not do this (403)."""

    status_code = 403


class Conflict(ServiceError):
    """Not allowed in the object's current state, or the state changed meanwhile (409)."""

    status_code = 409
