"""Tools agents call: ``@tool`` functions with validated arguments, declared permissions and a
record of every call.

A call through ``call_tool`` / ``acall_tool`` goes: look the tool up; refuse it if it needs
more than the caller is granted (or than the tool call it is nested in holds); validate the
arguments against the type hints; refuse ``Path`` and URL arguments outside the tool's own
permissions; run it with ``petri.agents.audit`` enforcing those permissions; record the call.
Refusals raise ``PermissionDenied``, bad arguments and the tool's own exceptions ``ToolError``.

Arguments are validated strictly, as Python values (see ``petri.agents.tool_arguments``).

Events, through ``record(type, payload)``; every payload has ``caller`` and ``tool``:

- ``tool_called``: the function ran; ``args``, ``duration_s``, ``ok`` (it returned and
  reached for nothing outside its permissions). A failure adds one of the two below.
- ``tool_refused``: ``reason``, ``args``; a permission refusal, before or during the run.
- ``tool_failed``: ``error``, ``args``; unknown tool, bad arguments, or the tool raised.

Arguments in events are bounded, secret-looking ones ``***`` (``tool_arguments.summarize``).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, overload

from pydantic import Field, ValidationError

from petri.agents import audit
from petri.agents.permissions import Need, Permissions, Url, Writes, argument_targets
from petri.agents.tool_arguments import MAX_TEXT, argument_model, explain_invalid, redact, summarize
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
    "tool",
]


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
        self.model, self._guarded = argument_model(func, name)

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the arguments (titled with the tool's name), to show a model."""
        return self.model.model_json_schema()

    def validate(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments checked against the type hints, defaults filled in; raises ToolError
        naming the argument and the expected type."""
        try:
            return self.model.model_validate(args).__dict__
        except ValidationError as exc:
            raise ToolError(explain_invalid(self.name, self.model, exc)) from exc

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
        error = redact(f"tool {self.name!r} raised {type(exc).__name__}: {text}", self.args)
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


def _outside(tool: Tool, arg: str, need: Need, target: Any) -> str | None:
    if tool.permissions.allows(need, target):
        return None
    return (
        f"tool {tool.name!r} may not use {str(target)[:MAX_TEXT]} (argument {arg!r}): outside"
        f" its {need} ({tool.permissions.summary()}); pass another or declare it in its Permissions"
    )


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
