"""A tool's arguments: the model that validates them, the message when they do not validate,
and the bounded, redacted summary of them that events carry.

Arguments are validated strictly, as Python values: no str to int, no int to bool; an int is
accepted for a float (JSON has one number type) and a str for a ``Path``. Containers must be
the container the hint names, so hint ``list[...]`` and ``Literal[...]`` for arguments that
arrive as JSON (a JSON array is a list, not a tuple; a JSON string is not an Enum member).

Arguments in events are bounded (long text cut, bytes as their length) and any argument whose
name looks secret (key, token, secret, password, authorization, ...) is ``***``.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import re
import reprlib
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, create_model

from petri.agents.permissions import Need, argument_need

__all__ = ["MAX_TEXT", "argument_model", "explain_invalid", "redact", "summarize"]

MAX_TEXT = 200  # characters of a string argument kept in events
MAX_ITEMS = 20  # items of a list or dict argument kept in events
_SECRET = re.compile(r"key|token|secret|passw|authorization|credential|cookie", re.IGNORECASE)


# -- validation ---------------------------------------------------------------------------------


def argument_model(
    func: Callable[..., Any], name: str
) -> tuple[type[BaseModel], tuple[tuple[str, Need], ...]]:
    """The pydantic model of ``func``'s arguments, and which arguments need which permission."""
    hints = typing.get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    guarded: list[tuple[str, Need]] = []
    for param in inspect.signature(func).parameters.values():
        if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            raise TypeError(f"tool {name!r}: parameter {param.name!r} must be a named parameter")
        if param.name not in hints:
            raise TypeError(f"tool {name!r}: parameter {param.name!r} needs a type hint")
        default = ... if param.default is param.empty else param.default
        need = argument_need(hints[param.name])
        if need:
            guarded.append((param.name, need))
        hint = hints[param.name] if need in (None, "network") else _lax_paths(hints[param.name])
        fields[param.name] = (hint, Field(default))
    config = ConfigDict(strict=True, extra="forbid", protected_namespaces=())
    return create_model(name, __config__=config, **fields), tuple(guarded)


def _lax_paths(hint: Any) -> Any:
    """``hint`` with every Path in it accepting a str as well (JSON has no paths)."""
    if isinstance(hint, type) and issubclass(hint, PurePath):
        return Annotated[hint, Strict(False)]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if not args or origin is Literal:
        return hint
    lax = tuple(_lax_paths(arg) for arg in args)  # Annotated's metadata passes through as is
    if lax == args:
        return hint
    if origin is Annotated:
        return Annotated[lax]
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, lax)
    return origin[lax]


def explain_invalid(name: str, model: type[BaseModel], exc: ValidationError) -> str:
    """``exc`` as one line naming the argument, what it expects and what it got."""
    errors = exc.errors(include_url=False)
    first, more = errors[0], f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    loc = first["loc"]
    arg = str(loc[0]) if loc else ""
    field = model.model_fields.get(arg)
    expected = _type_name(field.annotation) if field else "?"
    if not loc:
        text = (
            f"arguments must be a mapping of names to values, got {type(first['input']).__name__}"
        )
    elif first["type"] == "missing":
        text = f"argument {arg!r} is missing (expected {expected})"
    elif first["type"] == "extra_forbidden":
        takes = ", ".join(model.model_fields) or "no arguments"
        text = f"unexpected argument {arg!r}; it takes {takes}"
    else:
        where = arg + "".join(f"[{part!r}]" for part in loc[1:])
        got = type(first["input"]).__name__
        text = f"argument {where!r} expects {expected}, got {got}: {first['msg']}"
    return f"tool {name!r}: {text}{more}".replace("\n", " ")


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return re.sub(r"\b(typing|pathlib|pydantic\.networks)\.", "", repr(annotation))


# -- events -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _secret(name: str) -> bool:
    return _SECRET.search(name) is not None


def summarize(args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` as a bounded, JSON-friendly dict, with secret-looking names as ``***``."""
    if not isinstance(args, Mapping):
        return {"<args>": _brief(args, 0)}
    return {str(k): "***" if _secret(str(k)) else _brief(v, 2) for k, v in args.items()}


def _brief(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else f"{value[:MAX_TEXT]}... ({len(value)} chars)"
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{memoryview(value).nbytes} bytes>"
    if isinstance(value, PurePath):
        return _brief(str(value), 0)
    if depth > 0 and isinstance(value, Mapping):
        items = itertools.islice(value.items(), MAX_ITEMS)
        return {str(k): "***" if _secret(str(k)) else _brief(v, depth - 1) for k, v in items}
    if depth > 0 and isinstance(value, list | tuple | set | frozenset):
        return [_brief(v, depth - 1) for v in itertools.islice(value, MAX_ITEMS)]
    return _brief(reprlib.repr(value), 0)


def redact(text: str, args: Mapping[str, Any]) -> str:
    """``text`` without the values of secret-looking arguments (exceptions quote them)."""
    if not isinstance(args, Mapping):
        return text
    for key, value in args.items():
        if isinstance(value, str) and len(value) >= 4 and _secret(str(key)):
            text = text.replace(value, "***")
    return text
