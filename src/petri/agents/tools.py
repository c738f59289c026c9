"""Tools agents call: ``@tool`` functions with validated arguments, declared permissions and a
record of every call.

A call through ``call_tool`` / ``acall_tool`` goes: look the tool up; refuse it if it needs
more than the caller is granted (or than the tool call it is nested in holds); validate the
arguments against the type hints; refuse ``Path`` and URL arguments outside the tool's own
permissions; run it with ``petri.agents.audit`` enforcing those permissions; record the call.
Refusals raise ``PermissionDenied``, bad arguments and the tool's own exceptions ``ToolError``.

Arguments are validated strictly, as Python values: no str to int, no int to bool; an int is
accepted for a float (JSON has one number type) and a str for a ``Path``. Containers must be
the container the hint names, so hint ``list[...]`` and ``Literal[...]`` for arguments that
arrive as JSON (a JSON array is a list, not a tuple; a JSON string is not an Enum member).

Events, through ``record(type, payload)``; every payload has ``caller`` and ``tool``:

- ``tool_called``: the function ran; ``args``, ``duration_s``, ``ok`` (it returned and
  reached for nothing outside its permissions). A failure adds one of the two below.
- ``tool_refused``: ``reason``, ``args``; a permission refusal, before or during the run.
- ``tool_failed``: ``error``, ``args``; unknown tool, bad arguments, or the tool raised.

Arguments in events are bounded (long text cut, bytes as their length) and any argument whose
name looks secret (key, token, secret, password, authorization, ...) is ``***``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import math
import operator
import re
import reprlib
import tempfile
import threading
import time
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import Annotated, Any, Literal, overload

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, create_model

from petri.agents import audit
from petri.agents.permissions import (
    Need,
    Permissions,
    Url,
    Writes,
    argument_need,
    argument_targets,
)
from petri.errors import PermissionDenied, ToolError

#: ``record(event_type, payload)``; what it returns is ignored (a store returns the event).
Record = Callable[[str, dict[str, Any]], object]

__all__ = [  # Url and Writes are re-exported: tools are declared from this module
    "Record",
    "Tool",
    "ToolRegistry",
    "Url",
    "Writes",
    "acall_tool",
    "call_tool",
    "default_registry",
    "run_python",
    "summarize",
    "tool",
]

MAX_TEXT = 200  # characters of a string argument kept in events
MAX_ITEMS = 20  # items of a list or dict argument kept in events
_SECRET = re.compile(r"key|token|secret|passw|authorization|credential|cookie", re.IGNORECASE)


class Tool:
    """A function agents may call, its argument model and the permissions it declares.

    The function stays reachable as ``tool.func``; calling it directly checks nothing.
    """

    def __init__(
        self, func: Callable[..., Any], *, name: str, description: str, permissions: Permissions
    ) -> None:
        self.func = func
        self.name = name
        self.description = description
        self.permissions = permissions
        self.is_async = inspect.iscoroutinefunction(func)
        self.model, self._guarded = _argument_model(func, name)

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (titled with the tool's name), to show a model."""
        return self.model.model_json_schema()

    def validate(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments checked against the type hints, defaults filled in; raises ToolError
        naming the argument and the expected type."""
        try:
            return self.model.model_validate(args).__dict__
        except ValidationError as exc:
            raise ToolError(_explain(self, exc)) from exc

    def refusal(self, values: Mapping[str, Any]) -> str | None:
        """Why validated ``values`` reach outside the tool's permissions (Path and URL
        arguments), or None."""
        for name, need in self._guarded:
            for target in argument_targets(values[name], need):
                reason = _outside(self, name, need, target)
                if reason:
                    return reason
        return None

    def __repr__(self) -> str:
        return f"Tool({self.name!r}, {self.permissions.summary()})"


class ToolRegistry:
    """Tools by name. Thread-safe; lookups take no lock."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._lock = threading.Lock()

    def register(self, tool: Tool, *, replace: bool = False) -> Tool:
        """Add ``tool``; a name already taken raises ToolError unless ``replace``."""
        with self._lock:
            if tool.name in self._tools and not replace:
                raise ToolError(f"a tool named {tool.name!r} exists; pass replace=True or rename")
            self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> Tool:
        """The tool called ``name``; ToolError listing the known names if there is none."""
        try:
            return self._tools[name]
        except KeyError:
            known = ", ".join(self.names) or "none"
            raise ToolError(f"unknown tool {name!r}; known tools: {known}") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._tools))

    def __contains__(self, name: object) -> bool:
        return name in self._tools


_DEFAULT = ToolRegistry()


def default_registry() -> ToolRegistry:
    """The registry ``@tool`` registers into unless given ``registry=``."""
    return _DEFAULT


@overload
def tool(func: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    permissions: Permissions | None = None,
    registry: ToolRegistry | None = None,
    replace: bool = False,
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    permissions: Permissions | None = None,
    registry: ToolRegistry | None = None,
    replace: bool = False,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a sync or async function a ``Tool`` and register it; bare or with options.

    ``name`` defaults to the function's name, ``description`` to its docstring's first
    paragraph, ``permissions`` to none. Every parameter needs a type hint; ``*args``,
    ``**kwargs`` and positional-only parameters are a TypeError.
    """

    def build(target: Callable[..., Any]) -> Tool:
        doc = (inspect.getdoc(target) or "").split("\n\n")[0].replace("\n", " ")
        made = Tool(
            target,
            name=name or target.__name__,
            description=doc if description is None else description,
            permissions=permissions or Permissions(),
        )
        into = _DEFAULT if registry is None else registry
        return into.register(made, replace=replace)

    return build if func is None else build(func)


def call_tool(
    registry: ToolRegistry,
    name: str,
    args: Mapping[str, Any],
    *,
    caller: str,
    granted: Permissions | None = None,
    record: Record | None = None,
) -> Any:
    """Call tool ``name`` for ``caller`` and return what it returns (see the module docstring).

    An async tool runs to completion with ``asyncio.run``: from a running loop use
    ``acall_tool``.
    """
    call, values = _Call.begin(registry, name, args, caller=caller, granted=granted, record=record)
    result: Any = None
    failure: Exception | None = None
    token = audit.enter(call.guard)
    try:
        if call.tool.is_async:
            result = asyncio.run(call.tool.func(**values))
        else:
            result = call.tool.func(**values)
    except Exception as exc:
        failure = exc
    finally:
        audit.leave(token)
    return call.finish(result, failure)


async def acall_tool(
    registry: ToolRegistry,
    name: str,
    args: Mapping[str, Any],
    *,
    caller: str,
    granted: Permissions | None = None,
    record: Record | None = None,
) -> Any:
    """``call_tool`` for asyncio: an async tool is awaited in this task, a sync one runs in
    the loop's default executor via ``asyncio.to_thread`` (which copies the context, checks
    included). That executor has ``min(32, cpu + 4)`` threads unless the loop is given a
    larger one: size it for the agents that call blocking tools at once."""
    call, values = _Call.begin(registry, name, args, caller=caller, granted=granted, record=record)
    result: Any = None
    failure: Exception | None = None
    token = audit.enter(call.guard)
    try:
        if call.tool.is_async:
            result = await call.tool.func(**values)
        else:
            result = await asyncio.to_thread(call.tool.func, **values)
    except Exception as exc:
        failure = exc
    finally:
        audit.leave(token)
    return call.finish(result, failure)


class _Call:
    """One call's bookkeeping: its events and how each outcome is reported."""

    __slots__ = ("args", "caller", "guard", "name", "record", "start", "tool")
    tool: Tool
    guard: audit.Guard

    def __init__(self, caller: str, name: str, args: Mapping[str, Any], record: Record | None):
        self.caller, self.name, self.args, self.record = caller, name, args, record
        self.start = 0.0

    @classmethod
    def begin(
        cls,
        registry: ToolRegistry,
        name: str,
        args: Mapping[str, Any],
        *,
        caller: str,
        granted: Permissions | None,
        record: Record | None,
    ) -> tuple[_Call, dict[str, Any]]:
        """Every check before the run; refusals and bad calls are recorded and raised."""
        call = cls(caller, name, args, record)
        try:
            call.tool = registry.get(name)
        except ToolError as exc:
            call.emit("tool_failed", error=str(exc), args=summarize(args))
            raise
        outer = audit.current()  # a tool calling a tool passes on no more than it holds
        reason = _ungranted(call.tool, f"caller {caller!r}", granted)
        if reason is None and outer is not None:
            reason = _ungranted(call.tool, f"tool {outer.tool!r}", outer.permissions)
        if reason is None:
            try:
                values = call.tool.validate(args)
            except ToolError as exc:
                call.emit("tool_failed", error=str(exc), args=summarize(args))
                raise
            reason = call.tool.refusal(values)
        if reason is not None:
            call.emit("tool_refused", reason=reason, args=summarize(args))
            raise PermissionDenied(reason)
        call.guard = audit.Guard(call.tool.name, call.tool.permissions)
        call.start = time.perf_counter()
        return call, values

    def emit(self, event: str, **payload: Any) -> None:
        if self.record is not None:
            self.record(event, {"caller": self.caller, "tool": self.name, **payload})

    def _called(self, ok: bool) -> dict[str, Any]:
        if self.record is None:
            return {}  # nobody listens: skip the summary
        duration = round(time.perf_counter() - self.start, 6)
        args = summarize(self.args)
        self.emit("tool_called", args=args, duration_s=duration, ok=ok)
        return args

    def finish(self, result: Any, failure: Exception | None) -> Any:
        """Record the run; return ``result`` or raise what the failure becomes."""
        if failure is None and not self.guard.denied:
            self._called(ok=True)
            return result
        args = self._called(ok=False)
        # a tool that caught its refusal and carried on is refused all the same
        exc = failure if failure is not None else PermissionDenied(self.guard.denied[0])
        if self.guard.denied or isinstance(exc, PermissionDenied):
            reason = self.guard.denied[0] if self.guard.denied else str(exc)
            self.emit("tool_refused", reason=reason, args=args)
            if isinstance(exc, PermissionDenied):
                raise exc
            raise PermissionDenied(reason) from exc
        text = (str(exc).strip().splitlines() or [""])[0][:MAX_TEXT]
        error = _redact(f"tool {self.name!r} raised {type(exc).__name__}: {text}", self.args)
        self.emit("tool_failed", error=error, args=args)
        raise ToolError(error) from exc


@functools.lru_cache(maxsize=1024)
def _gaps(needs: Permissions, granted: Permissions) -> tuple[str, ...]:
    return needs.beyond(granted)


def _ungranted(tool: Tool, who: str, granted: Permissions | None) -> str | None:
    gaps = () if granted is None else _gaps(tool.permissions, granted)
    if not gaps:
        return None
    return (
        f"{who} may not call tool {tool.name!r}: it needs {'; '.join(gaps)}, beyond the grant"
        f" ({granted.summary() if granted else ''}); grant it or use another tool"
    )


# -- arguments ----------------------------------------------------------------------------------


def _argument_model(
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


def _outside(tool: Tool, arg: str, need: Need, target: Any) -> str | None:
    if tool.permissions.allows(need, target):
        return None
    return (
        f"tool {tool.name!r} may not use {str(target)[:MAX_TEXT]} (argument {arg!r}): outside"
        f" its {need} ({tool.permissions.summary()}); pass another or declare it in its Permissions"
    )


def _explain(tool: Tool, exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    first, more = errors[0], f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    loc = first["loc"]
    arg = str(loc[0]) if loc else ""
    field = tool.model.model_fields.get(arg)
    expected = _type_name(field.annotation) if field else "?"
    if not loc:
        text = (
            f"arguments must be a mapping of names to values, got {type(first['input']).__name__}"
        )
    elif first["type"] == "missing":
        text = f"argument {arg!r} is missing (expected {expected})"
    elif first["type"] == "extra_forbidden":
        takes = ", ".join(tool.model.model_fields) or "no arguments"
        text = f"unexpected argument {arg!r}; it takes {takes}"
    else:
        where = arg + "".join(f"[{part!r}]" for part in loc[1:])
        got = type(first["input"]).__name__
        text = f"argument {where!r} expects {expected}, got {got}: {first['msg']}"
    return f"tool {tool.name!r}: {text}{more}".replace("\n", " ")


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


def _redact(text: str, args: Mapping[str, Any]) -> str:
    """``text`` without the values of secret-looking arguments (exceptions quote them)."""
    if not isinstance(args, Mapping):
        return text
    for key, value in args.items():
        if isinstance(value, str) and len(value) >= 4 and _secret(str(key)):
            text = text.replace(value, "***")
    return text


# -- built-in tools -----------------------------------------------------------------------------

_SNIPPET_JUDGE = """\
import runpy


def evaluate(program_path):
    runpy.run_path(program_path, run_name="__main__")
    return {}
"""


@tool
def run_python(
    source: str, timeout_s: Annotated[float, Field(gt=0, le=120)] = 5.0
) -> dict[str, Any]:
    """Run a Python snippet in petri's sandbox and return its status, output and duration.

    The snippet runs as ``__main__`` in a bubblewrap jail: no network, a read-only system, a
    private /tmp, bounded time and memory. ``status`` is ``ok``, ``failed`` (it raised;
    ``message`` says what), ``timeout``, ``memory``, ``crashed`` or ``violation``.
    """
    from petri.config import Limits, SandboxSettings
    from petri.sandbox.pool import evaluate_once
    from petri.sandbox.spec import JudgeSpec

    limits = Limits(
        test_timeout_s=timeout_s, wall_time_s=timeout_s, cpu_time_s=math.ceil(timeout_s)
    )
    # The tool declares no host permissions because the snippet is jailed; that claim needs a
    # real jail, so no fallback to rlimits. The host side (bwrap, a temp folder) is unchecked.
    settings = SandboxSettings(workers=1, jail="bwrap")
    with audit.unchecked(), tempfile.TemporaryDirectory(prefix="petri-run-") as folder:
        root = Path(folder)
        (root / "evaluate.py").write_text(_SNIPPET_JUDGE, encoding="utf-8")
        (root / "snippet.py").write_text("", encoding="utf-8")
        spec = JudgeSpec(root, "snippet.py", "evaluate")
        evaluation, _warning = evaluate_once(spec, source, limits, settings)
    return {
        "status": evaluation.status.value,
        "output": evaluation.output,
        "message": evaluation.message,
        "duration_s": round(evaluation.duration_s, 6),
    }
