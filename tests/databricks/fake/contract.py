"""Request bodies read with the SDK's own dataclasses, as strictly as the API reads them.

``parse(body, ClusterSpec, method=ClustersAPI.create)`` refuses a field neither the
dataclass nor the SDK method knows (nested bodies too: a dataclass field's dict is read
with that field's dataclass), and an enum value the SDK's enum does not define, then
returns ``ClusterSpec.from_dict(body)``. The rules of each route (which combinations a
workspace refuses) are the route's own; ``tests/databricks/CONTRACT.md`` lists them with
their sources.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from tests.databricks.fake.errors import FakeError, invalid

T = TypeVar("T")


def unknown_field(name: str) -> FakeError:
    """The API's answer to a field it does not define (see CONTRACT.md, row G1)."""
    return FakeError(400, "BAD_REQUEST", f'json: unknown field "{name}"')


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _inner(hint: Any) -> Any:
    """``Optional[X]`` → X, ``List[X]`` → X (the element), anything else unchanged."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, list) and len(args) == 1:
        return _inner(args[0])
    return hint


def _check(body: Any, cls: type, known: set[str], where: str) -> None:
    if not isinstance(body, dict):
        raise FakeError(400, "MALFORMED_REQUEST", f"{where or 'the body'} must be a JSON object")
    for name in sorted(set(body) - known):
        raise unknown_field(where + name)
    hints = _hints(cls)
    for name, value in body.items():
        hint = _inner(hints.get(name))
        if value is None or not isinstance(hint, type):
            continue
        values = value if isinstance(value, list) else [value]
        if issubclass(hint, enum.Enum):
            allowed = [m.value for m in hint]
            for v in values:
                if v not in allowed:
                    raise invalid(
                        f"Invalid {where}{name}: {v!r}; expected one of {', '.join(allowed)}"
                    )
        elif dataclasses.is_dataclass(hint):
            fields = {f.name for f in dataclasses.fields(hint)}
            for i, v in enumerate(values):
                at = f"{where}{name}[{i}]." if isinstance(value, list) else f"{where}{name}."
                _check(v, hint, fields, at)


def parse(body: Any, cls: type[T], *, method: Callable | None = None, where: str = "") -> T:
    """``cls.from_dict(body)`` after refusing unknown fields and enum values (also nested).
    ``method``: the SDK method that sends this body; its parameters are known fields too
    (the SDK sends some requests from keyword arguments, not from one dataclass)."""
    known = {f.name for f in dataclasses.fields(cls)}
    if method is not None:
        known |= {p for p in inspect.signature(method).parameters if p != "self"}
    _check(body, cls, known, where)
    return cls.from_dict(body)


def fields_of(method: Callable, *, drop: tuple[str, ...] = ()) -> set[str]:
    """The body fields an SDK method sends (its parameters, less path/query ones)."""
    return {p for p in inspect.signature(method).parameters if p not in ("self", *drop)}


def parse_fields(body: Any, allowed: set[str], *, where: str = "") -> dict[str, Any]:
    """For a body no SDK dataclass describes: refuse any field outside ``allowed``."""
    if not isinstance(body, dict):
        raise FakeError(400, "MALFORMED_REQUEST", f"{where or 'the body'} must be a JSON object")
    for name in sorted(set(body) - allowed):
        raise unknown_field(where + name)
    return body
