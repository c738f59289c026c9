"""Permissions as values, and their enforcement while a tool runs (petri.agents.audit)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from petri.agents import audit
from petri.agents.permissions import Permissions
from petri.agents.tools import ToolRegistry, acall_tool, call_tool, tool
from petri.errors import PermissionDenied

Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def registry() -> ToolRegistry:
    return ToolRegistry()


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
def call(registry: ToolRegistry, events: Events) -> Callable[..., Any]:
    """``call(name, **args)`` through call_tool, recording into ``events``."""

    def run(tool_name: str, /, **args: Any) -> Any:
        def record(event: str, payload: dict[str, Any]) -> None:
            events.append((event, payload))

        return call_tool(registry, tool_name, args, caller="agent", record=record)

    return run


@pytest.fixture
def listener() -> Iterator[int]:
    """A listening TCP socket on 127.0.0.1 (nothing leaves loopback); yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


# -- the value -------------------------------------------------------------------------------


def test_the_default_grants_nothing(tmp_path: Path) -> None:
    nothing = Permissions()
    assert not nothing.allows_read(tmp_path)
    assert not nothing.allows_write(tmp_path)
    assert not nothing.allows_connect("127.0.0.1", 80)
    assert not nothing.subprocess
    assert nothing.summary() == "no permissions"


def test_a_path_is_inside_if_it_equals_or_is_below_an_entry(tmp_path: Path) -> None:
    perms = Permissions(reads=(str(tmp_path / "data"),), writes=(str(tmp_path / "out"),))
    assert perms.allows_read(tmp_path / "data")
    assert perms.allows_read(tmp_path / "data" / "deep" / "x.csv")
    assert not perms.allows_read(tmp_path / "database")  # a prefix of the name is not below
    assert not perms.allows_read(tmp_path)
    assert perms.allows_read(tmp_path / "out" / "x")  # writing implies reading
    assert not perms.allows_write(tmp_path / "data" / "x")
    assert not perms.allows_read(tmp_path / "data" / ".." / "secret")


def test_a_symlink_out_of_an_allowed_folder_leads_outside(tmp_path: Path) -> None:
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "link").symlink_to("/etc")
    perms = Permissions(writes=(str(tmp_path / "inside"),))
    assert not perms.allows_write(tmp_path / "inside" / "link" / "passwd")


def test_globs_match_segments_and_what_is_below(tmp_path: Path) -> None:
    perms = Permissions(reads=(f"{tmp_path}/*.txt", f"{tmp_path}/runs/**/logs"))
    assert perms.allows_read(tmp_path / "a.txt")
    assert not perms.allows_read(tmp_path / "sub" / "a.txt")  # * stays within a segment
    assert perms.allows_read(tmp_path / "runs" / "r1" / "day" / "logs" / "x.log")
    assert perms.allows_read(tmp_path / "runs" / "logs")  # ** may match no segment
    assert not perms.allows_read(tmp_path / "runs" / "r1" / "data")


@pytest.mark.parametrize(
    "bad",
    [{"reads": ("relative/path",)}, {"network": ("a:b",)}, {"network": ("h:70000",)}, {"x": 1}],
)
def test_malformed_permissions_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Permissions(**bad)


def test_network_entries_name_a_host_or_a_host_and_port() -> None:
    perms = Permissions(network=("api.example.com", "127.0.0.1:8089", "[::1]:9000"))
    assert perms.allows_connect("API.example.com", 443)  # any port; names are case-blind
    assert perms.allows_connect("127.0.0.1", 8089)
    assert not perms.allows_connect("127.0.0.1", 8090)
    assert perms.allows_connect("::1", 9000)
    assert perms.allows_host("api.example.com")
    assert not perms.allows_host("example.com")


def test_a_named_host_allows_the_addresses_it_resolves_to() -> None:
    if "127.0.0.1" not in {i[4][0] for i in socket.getaddrinfo("localhost", None)}:
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    assert Permissions(network=("localhost:8089",)).allows_connect("127.0.0.1", 8089)
    assert not Permissions(network=("localhost:8089",)).allows_connect("127.0.0.1", 1)


def test_within_is_subset(tmp_path: Path) -> None:
    agent = Permissions(reads=(str(tmp_path),), writes=(f"{tmp_path}/out",), network=("h",))
    assert Permissions(reads=(f"{tmp_path}/a",)).within(agent)
    assert Permissions(reads=(f"{tmp_path}/out/x",), writes=(f"{tmp_path}/out/x",)).within(agent)
    assert Permissions(reads=(f"{tmp_path}/*.csv",)).within(agent)  # the glob's folder is granted
    assert Permissions(network=("h:443",)).within(agent)
    assert Permissions().within(Permissions())
    needs = Permissions(writes=(str(tmp_path),), subprocess=True, network=("other:1",))
    assert needs.beyond(agent) == (f"writes {tmp_path}", "subprocess", "network other:1")
    assert not needs.within(agent)


# -- enforcement while a tool runs -----------------------------------------------------------


def test_opening_a_path_the_tool_did_not_declare_is_refused(
    tmp_path: Path, registry: ToolRegistry, call: Callable[..., Any], events: Events
) -> None:
    (tmp_path / "allowed.txt").write_text("yes")
    (tmp_path / "secret.txt").write_text("no")

    @tool(registry=registry, permissions=Permissions(reads=(str(tmp_path / "allowed.txt"),)))
    def peek(name: str) -> str:
        return (tmp_path / name).read_text()  # a path it never got as an argument

    assert call("peek", name="allowed.txt") == "yes"
    with pytest.raises(PermissionDenied, match=r"tool 'peek' tried to open .*secret\.txt for re"):
        call("peek", name="secret.txt")
    assert [e[0] for e in events][-2:] == ["tool_called", "tool_refused"]
    assert events[-2][1]["ok"] is False
    assert "reads=(" in events[-1][1]["reason"]


def test_a_refused_write_leaves_no_file_and_is_recorded(
    tmp_path: Path, registry: ToolRegistry, call: Callable[..., Any], events: Events
) -> None:
    out = tmp_path / "out"
    out.mkdir()

    @tool(registry=registry, permissions=Permissions(reads=(str(tmp_path),), writes=(str(out),)))
    def save(name: str) -> None:
        (tmp_path / name).write_text("data")

    call("save", name="out/kept.txt")
    assert (out / "kept.txt").read_text() == "data"
    with pytest.raises(PermissionDenied, match="without writes permission"):
        call("save", name="escaped.txt")
    assert not (tmp_path / "escaped.txt").exists()
    assert events[-1][0] == "tool_refused"
    assert "escaped.txt" in events[-1][1]["reason"]


def test_filesystem_changes_are_checked_on_both_ends(
    tmp_path: Path, registry: ToolRegistry
) -> None:
    out, kept = tmp_path / "out", tmp_path / "kept"
    out.mkdir()
    kept.mkdir()
    (kept / "file.txt").write_text("x")
    changes = {
        "rename-in": lambda: os.rename(kept / "file.txt", out / "stolen.txt"),
        "remove": lambda: os.remove(kept / "file.txt"),
        "remove-by-dir-fd": lambda: os.remove("file.txt", dir_fd=os.open(kept, os.O_RDONLY)),
        "rmtree": lambda: shutil.rmtree(kept),
        "sqlite": lambda: sqlite3.connect(kept / "db.sqlite").close(),
    }

    @tool(registry=registry, permissions=Permissions(reads=(str(tmp_path),), writes=(str(out),)))
    def change(step: str) -> None:
        if step == "inside":
            (out / "d" / "e").mkdir(parents=True)
            (out / "d" / "f").write_text("1")
            os.rename(out / "d" / "f", out / "g")
            shutil.rmtree(out / "d")  # its fd-relative walk inside out/ is allowed
            os.remove(out / "g")
        else:
            changes[step]()

    call_tool(registry, "change", {"step": "inside"}, caller="a")
    assert list(out.iterdir()) == []
    for step in changes:
        with pytest.raises(
            PermissionDenied, match=r"(os\.\w+|shutil\.rmtree|sqlite3\.connect) /\S*/kept"
        ):
            call_tool(registry, "change", {"step": step}, caller="a")
    assert sorted(p.name for p in kept.iterdir()) == ["file.txt"]
    assert list(out.iterdir()) == []


def test_a_process_needs_subprocess(registry: ToolRegistry) -> None:
    def run() -> int:
        return subprocess.run([sys.executable, "-c", "pass"], check=False).returncode

    tool(name="run", registry=registry)(run)
    tool(name="run_allowed", registry=registry, permissions=Permissions(subprocess=True))(run)
    tool(name="system", registry=registry)(lambda: os.system("true"))
    with pytest.raises(PermissionDenied, match=r"start a process .*subprocess=True"):
        call_tool(registry, "run", {}, caller="a")
    with pytest.raises(PermissionDenied, match=r"start a process \(os\.system"):
        call_tool(registry, "system", {}, caller="a")
    assert call_tool(registry, "run_allowed", {}, caller="a") == 0


def test_a_connection_needs_the_peer_in_network(registry: ToolRegistry, listener: int) -> None:
    def connect() -> bool:
        with socket.create_connection(("127.0.0.1", listener), timeout=2):
            return True

    tool(name="connect", registry=registry)(connect)
    peer = Permissions(network=(f"127.0.0.1:{listener}",))
    tool(name="connect_allowed", registry=registry, permissions=peer)(connect)
    with pytest.raises(PermissionDenied, match=rf"socket\.connect 127\.0\.0\.1:{listener}"):
        call_tool(registry, "connect", {}, caller="a")
    assert call_tool(registry, "connect_allowed", {}, caller="a") is True


def test_a_name_lookup_is_refused_before_it_leaves(registry: ToolRegistry) -> None:
    @tool(registry=registry, permissions=Permissions(network=("127.0.0.1",)))
    def lookup() -> object:
        return socket.getaddrinfo("petri-test.invalid", 80)

    with pytest.raises(PermissionDenied, match=r"getaddrinfo petri-test\.invalid"):
        call_tool(registry, "lookup", {}, caller="a")


def test_a_unix_socket_needs_its_path_in_writes(tmp_path: Path, registry: ToolRegistry) -> None:
    path = str(tmp_path / "s.sock")

    @tool(registry=registry, permissions=Permissions(reads=(str(tmp_path),)))
    def bind() -> None:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(path)

    with pytest.raises(PermissionDenied, match=r"socket\.bind .*s\.sock \(a Unix socket\)"):
        call_tool(registry, "bind", {}, caller="a")
    assert not os.path.exists(path)


def test_a_tool_that_swallows_its_refusal_is_still_refused(
    tmp_path: Path, registry: ToolRegistry, call: Callable[..., Any], events: Events
) -> None:
    @tool(registry=registry)
    def sneaky() -> str:
        try:
            (tmp_path / "x").write_text("1")
        except Exception:
            return "carried on"
        return "wrote"

    with pytest.raises(PermissionDenied, match="tool 'sneaky' tried to open"):
        call("sneaky")
    assert events[-1][0] == "tool_refused"


def test_imports_inside_a_tool_call_still_work(registry: ToolRegistry) -> None:
    sys.modules.pop("colorsys", None)

    @tool(registry=registry)
    def hue() -> float:
        import colorsys

        return colorsys.rgb_to_hsv(1.0, 0.0, 0.0)[0]

    assert call_tool(registry, "hue", {}, caller="a") == 0.0


def test_outside_a_tool_call_nothing_is_checked(tmp_path: Path) -> None:
    audit.install()
    (tmp_path / "free.txt").write_text("x")
    os.remove(tmp_path / "free.txt")
    assert audit.current() is None


def test_a_thread_in_a_tool_call_does_not_check_another_thread(
    tmp_path: Path, registry: ToolRegistry
) -> None:
    inside, done = threading.Event(), threading.Event()

    @tool(registry=registry)
    def wait_then_write() -> None:
        inside.set()
        done.wait(5)
        (tmp_path / "from-tool.txt").write_text("x")

    errors: list[BaseException] = []

    def agent() -> None:
        try:
            call_tool(registry, "wait_then_write", {}, caller="a")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=agent)
    worker.start()
    assert inside.wait(5)
    (tmp_path / "from-main.txt").write_text("x")  # this thread is in no tool call
    done.set()
    worker.join(5)
    assert (tmp_path / "from-main.txt").exists()
    assert not (tmp_path / "from-tool.txt").exists()
    assert len(errors) == 1 and isinstance(errors[0], PermissionDenied)


def test_tasks_are_checked_apart_and_to_thread_inherits_the_check(
    tmp_path: Path, registry: ToolRegistry
) -> None:
    @tool(registry=registry)
    async def held(seconds: float) -> None:
        await asyncio.sleep(seconds)

    @tool(registry=registry)
    def blocking_write() -> None:  # runs in a worker thread via asyncio.to_thread
        (tmp_path / "t.txt").write_text("x")

    async def main() -> None:
        call = asyncio.create_task(acall_tool(registry, "held", {"seconds": 0.05}, caller="a"))
        await asyncio.sleep(0.01)  # the other task is inside its tool call now
        (tmp_path / "other-task.txt").write_text("x")  # this task is in no tool call
        await call
        with pytest.raises(PermissionDenied, match="blocking_write"):
            await acall_tool(registry, "blocking_write", {}, caller="a")

    asyncio.run(main())
    assert (tmp_path / "other-task.txt").exists()
    assert not (tmp_path / "t.txt").exists()
