"""@tool functions: registry, argument validation, static permission checks, grants, events."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import AnyUrl

from petri.agents.permissions import Permissions
from petri.agents.tool_arguments import summarize
from petri.agents.tools import (
    Tool,
    ToolRegistry,
    Url,
    Writes,
    acall_tool,
    call_tool,
    default_registry,
    tool,
)
from petri.errors import PermissionDenied, ToolError
from petri.sandbox.jail import bwrap_usable

Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry()


@pytest.fixture
def events() -> Events:
    return []


def recorder(events: Events) -> Any:
    def record(event: str, payload: dict[str, Any]) -> None:
        events.append((event, payload))

    return record


@pytest.fixture
def add(registry: ToolRegistry) -> Tool:
    @tool(registry=registry)
    def add(a: int, b: int = 2, scale: float = 1.0) -> float:
        """Add two numbers.

        Then scale the sum.
        """
        return (a + b) * scale

    return add


# -- declaring and finding tools --------------------------------------------------------------


def test_the_decorator_works_bare_and_with_options(registry: ToolRegistry, add: Tool) -> None:
    assert isinstance(add, Tool)
    assert add.name == "add"
    assert add.description == "Add two numbers."
    assert add.permissions == Permissions()

    @tool(name="shout", description="Upper-case text.", registry=registry)
    def loud(text: str) -> str:
        return text.upper()

    assert registry.names == ("add", "shout")
    assert "shout" in registry and "loud" not in registry
    assert registry.get("shout").description == "Upper-case text."
    assert loud.func("hi") == "HI"  # the function itself stays reachable


def test_bare_tools_go_to_the_default_registry() -> None:
    assert "run_python" in default_registry()
    assert default_registry().get("run_python").permissions == Permissions()


def test_an_unknown_name_lists_the_known_ones(registry: ToolRegistry, add: Tool) -> None:
    with pytest.raises(ToolError, match=r"unknown tool 'sub'; known tools: add"):
        registry.get("sub")


def test_a_duplicate_name_is_an_error_unless_replaced(registry: ToolRegistry, add: Tool) -> None:
    def add2(a: int) -> int:
        return a

    with pytest.raises(ToolError, match="a tool named 'add' exists; pass replace=True"):
        tool(name="add", registry=registry)(add2)
    assert tool(name="add", registry=registry, replace=True)(add2) is registry.get("add")


def test_parameters_need_names_and_hints(registry: ToolRegistry) -> None:
    def star(*items: int) -> None: ...
    def bare(x) -> None: ...  # type: ignore[no-untyped-def]

    with pytest.raises(TypeError, match="parameter 'items' must be a named parameter"):
        tool(registry=registry)(star)
    with pytest.raises(TypeError, match="parameter 'x' needs a type hint"):
        tool(registry=registry)(bare)


def test_the_schema_shows_a_model_the_arguments(add: Tool) -> None:
    schema = add.schema()
    assert schema["title"] == "add"
    assert schema["required"] == ["a"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["a"]["type"] == "integer"
    assert schema["properties"]["scale"] == {"default": 1.0, "title": "Scale", "type": "number"}


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"a": "1"}, r"tool 'add': argument 'a' expects int, got str"),
        ({"a": True}, r"argument 'a' expects int, got bool"),
        ({"a": 1.5}, r"argument 'a' expects int, got float"),
        ({}, r"tool 'add': argument 'a' is missing \(expected int\)"),
        ({"a": 1, "c": 3}, r"unexpected argument 'c'; it takes a, b, scale"),
        ({"a": "x", "b": "y"}, r"argument 'a' .* \(and 1 more\)"),
    ],
)
def test_wrong_arguments_are_a_one_line_tool_error(
    registry: ToolRegistry, add: Tool, events: Events, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ToolError, match=message) as info:
        call_tool(registry, "add", args, caller="a", record=recorder(events))
    assert "\n" not in str(info.value)
    failed = {"caller": "a", "tool": "add", "error": str(info.value), "args": summarize(args)}
    assert events == [("tool_failed", failed)]


def test_coercion_is_strict_but_for_numbers_and_paths(registry: ToolRegistry, add: Tool) -> None:
    assert call_tool(registry, "add", {"a": 1, "scale": 2}, caller="a") == 6.0  # int for float

    @tool(registry=registry, permissions=Permissions(reads=("/",)))
    def kinds(path: Path, mode: Literal["r", "w"], items: list[int]) -> tuple[Path, str, list[int]]:
        return path, mode, items

    got = call_tool(registry, "kinds", {"path": "/tmp", "mode": "r", "items": [1]}, caller="a")
    assert got == (Path("/tmp"), "r", [1])
    with pytest.raises(ToolError, match="argument 'mode'"):
        call_tool(registry, "kinds", {"path": "/tmp", "mode": "x", "items": []}, caller="a")
    with pytest.raises(ToolError, match=r"argument 'items\[0\]' expects list\[int\], got str"):
        call_tool(registry, "kinds", {"path": "/tmp", "mode": "r", "items": ["1"]}, caller="a")


def test_async_tools_run_from_sync_and_async_callers(registry: ToolRegistry) -> None:
    @tool(registry=registry)
    async def later(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    @tool(registry=registry)
    def where() -> int:
        return threading.get_ident()

    assert later.is_async
    assert call_tool(registry, "later", {"x": 2}, caller="a") == 4

    async def main() -> tuple[int, int]:
        return (
            await acall_tool(registry, "later", {"x": 3}, caller="a"),
            await acall_tool(registry, "where", {}, caller="a"),
        )

    doubled, thread = asyncio.run(main())
    assert doubled == 6
    assert thread != threading.get_ident()  # a sync tool does not block the loop


# -- failures and events ----------------------------------------------------------------------


def test_a_tool_that_raises_becomes_a_tool_error_with_the_cause(
    registry: ToolRegistry, events: Events
) -> None:
    @tool(registry=registry)
    def divide(a: int, b: int) -> float:
        return a / b

    with pytest.raises(ToolError, match="tool 'divide' raised ZeroDivisionError: division by") as e:
        call_tool(registry, "divide", {"a": 1, "b": 0}, caller="judge", record=recorder(events))
    assert isinstance(e.value.__cause__, ZeroDivisionError)
    assert [name for name, _ in events] == ["tool_called", "tool_failed"]
    called, failed = events[0][1], events[1][1]
    assert called["ok"] is False and called["caller"] == "judge" and called["duration_s"] >= 0
    assert failed == {
        "caller": "judge",
        "tool": "divide",
        "error": str(e.value),
        "args": {"a": 1, "b": 0},
    }


def test_a_call_is_recorded_with_bounded_args_and_secrets_hidden(
    registry: ToolRegistry, events: Events
) -> None:
    @tool(registry=registry)
    def fetch(query: str, blob: bytes, api_key: str, headers: dict[str, str]) -> str:
        raise RuntimeError(f"refused with {api_key}")

    args = {
        "query": "q" * 5000,
        "blob": b"\0" * 1024,
        "api_key": "sk-very-secret",
        "headers": {"Authorization": "Bearer xyz", "accept": "json"},
    }
    with pytest.raises(ToolError) as info:
        call_tool(registry, "fetch", args, caller="a", record=recorder(events))
    assert "sk-very-secret" not in str(info.value)
    logged = events[0][1]["args"]
    assert logged["api_key"] == "***"
    assert logged["headers"] == {"Authorization": "***", "accept": "json"}
    assert logged["blob"] == "<1024 bytes>"
    assert len(logged["query"]) < 300 and logged["query"].endswith("(5000 chars)")
    assert "sk-very-secret" not in repr(events)


def test_a_successful_call_is_recorded_once(registry: ToolRegistry, add: Tool) -> None:
    events: Events = []
    assert call_tool(registry, "add", {"a": 1}, caller="c", record=recorder(events)) == 3.0
    ((name, payload),) = events
    assert name == "tool_called"
    assert payload["ok"] is True and payload["args"] == {"a": 1} and payload["tool"] == "add"


# -- permissions checked before the call ------------------------------------------------------


def test_path_arguments_are_checked_before_the_tool_runs(
    tmp_path: Path, registry: ToolRegistry, events: Events
) -> None:
    ran: list[str] = []

    @tool(registry=registry, permissions=Permissions(reads=(str(tmp_path),)))
    def read(path: Path) -> None:
        ran.append("read")

    @tool(registry=registry, permissions=Permissions(reads=("/",), writes=(str(tmp_path),)))
    def copy(source: Path, targets: list[Annotated[Path, Writes]]) -> None:
        ran.append("copy")

    call_tool(registry, "read", {"path": str(tmp_path / "x")}, caller="a")
    call_tool(registry, "copy", {"source": "/etc/hosts", "targets": [str(tmp_path)]}, caller="a")
    with pytest.raises(PermissionDenied, match=r"tool 'read' may not use /etc/passwd \(argument"):
        call_tool(registry, "read", {"path": "/etc/passwd"}, caller="a", record=recorder(events))
    with pytest.raises(PermissionDenied, match=r"argument 'targets'\): outside its writes"):
        call_tool(registry, "copy", {"source": "/etc/hosts", "targets": ["/etc/x"]}, caller="a")
    assert ran == ["read", "copy"]
    ((name, payload),) = events
    assert name == "tool_refused" and payload["args"] == {"path": "/etc/passwd"}
    assert payload["reason"].startswith("tool 'read' may not use /etc/passwd")


def test_url_arguments_are_checked_against_network(registry: ToolRegistry) -> None:
    api = Permissions(network=("api.example.com:443", "127.0.0.1:8089"))

    @tool(registry=registry, permissions=api)
    def get(url: Annotated[str, Url], mirror: AnyUrl | None = None) -> str:
        return "ok"

    assert call_tool(registry, "get", {"url": "https://api.example.com/v1"}, caller="a") == "ok"
    assert call_tool(registry, "get", {"url": "http://127.0.0.1:8089/x"}, caller="a") == "ok"
    for args in (
        {"url": "http://api.example.com/v1"},  # port 80 is not 443
        {"url": "https://evil.example.com/"},
        {"url": "not a url"},
        {"url": "https://api.example.com/", "mirror": "https://evil.example.com/"},
    ):
        with pytest.raises(PermissionDenied, match="outside its network"):
            call_tool(registry, "get", args, caller="a")


def test_a_tool_that_needs_more_than_the_grant_is_refused(
    tmp_path: Path, registry: ToolRegistry, events: Events
) -> None:
    ran: list[int] = []

    @tool(registry=registry, permissions=Permissions(writes=(str(tmp_path),), subprocess=True))
    def build() -> None:
        ran.append(1)

    reader = Permissions(reads=(str(tmp_path),))
    with pytest.raises(PermissionDenied, match=r"caller 'planner' may not call tool 'build'") as e:
        call_tool(registry, "build", {}, caller="planner", granted=reader, record=recorder(events))
    assert f"writes {tmp_path}; subprocess" in str(e.value)
    assert events[0][0] == "tool_refused" and events[0][1]["reason"] == str(e.value)
    builder = Permissions(writes=("/",), subprocess=True)
    call_tool(registry, "build", {}, caller="coder", granted=builder)
    assert ran == [1]


def test_a_tool_cannot_pass_on_more_than_it_holds(tmp_path: Path, registry: ToolRegistry) -> None:
    @tool(registry=registry, permissions=Permissions(writes=(str(tmp_path),)))
    def write() -> None: ...

    @tool(registry=registry)
    def wrapper() -> None:
        call_tool(registry, "write", {}, caller="wrapper")

    with pytest.raises(PermissionDenied, match="tool 'wrapper' may not call tool 'write'"):
        call_tool(registry, "wrapper", {}, caller="a")


# -- the sandboxed built-in -------------------------------------------------------------------


@pytest.mark.skipif(bwrap_usable() is None, reason="bubblewrap not installed or not usable")
def test_run_python_runs_code_in_the_sandbox() -> None:
    run = default_registry()
    ok = call_tool(run, "run_python", {"source": "print(6 * 7)"}, caller="a")
    assert ok["status"] == "ok" and ok["output"] == "42\n" and ok["duration_s"] > 0
    source = "import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)"
    jailed = call_tool(run, "run_python", {"source": source, "timeout_s": 5}, caller="a")
    assert jailed["status"] == "failed"  # no network in the jail, though no check refused it
    assert "Error" in jailed["message"]
    with pytest.raises(ToolError, match="argument 'timeout_s'"):
        call_tool(run, "run_python", {"source": "", "timeout_s": 0}, caller="a")
