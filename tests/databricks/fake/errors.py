"""The API's error shape: an HTTP status and ``{"error_code": ..., "message": ...}``."""

from __future__ import annotations

from typing import Any


class FakeError(Exception):
    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message}


def invalid(message: str) -> FakeError:
    return FakeError(400, "INVALID_PARAMETER_VALUE", message)


def not_found(message: str) -> FakeError:
    return FakeError(404, "RESOURCE_DOES_NOT_EXIST", message)


def require(body: dict[str, Any], *fields: str, where: str = "") -> None:
    """Fail like the API when a required field is missing."""
    for name in fields:
        if body.get(name) in (None, ""):
            raise invalid(f"Missing required field: {where}{name}")


def one_of(body: dict[str, Any], name: str, allowed: tuple[str, ...], where: str = "") -> None:
    """Fail like the API when an enum field has a value the API does not define."""
    value = body.get(name)
    if value is not None and value not in allowed:
        raise invalid(f"Invalid {where}{name}: {value!r}; expected one of {', '.join(allowed)}")
