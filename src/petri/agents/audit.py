"""Enforce a tool's ``Permissions`` while it runs, with one process-wide audit hook (PEP 578).

``enter(Guard(...))`` marks the current thread or asyncio task as running a tool call (a
``ContextVar``); ``leave`` ends it. The hook is installed once, on the first ``enter``, and
stays for the life of the process: outside a tool call it returns after one ``ContextVar``
read. Inside one, the CPython 3.11 events below are checked and a violation raises
``PermissionDenied`` from the hook, which aborts the operation before the system call. Each
refusal is also kept on the guard, so a tool that catches the exception is still refused.

Checked events (found by probing 3.11; arguments as the interpreter passes them):

- ``open`` (path, mode, flags) from ``open``, ``os.open``, ``io.open_code``, pathlib: flags with
  ``O_WRONLY | O_RDWR | O_APPEND | O_CREAT | O_TRUNC`` need ``writes``, others ``reads``.
- reads: ``os.listdir``, ``os.scandir``, ``os.listxattr``, ``os.getxattr``, the source of
  ``shutil.copytree``; writes: ``os.remove`` (unlink), ``os.rename`` (replace), ``os.mkdir``,
  ``os.rmdir``, ``os.chmod``, ``os.chown``, ``os.utime``, ``os.truncate``, ``os.link``,
  ``os.symlink``, ``os.setxattr``, ``os.removexattr``, ``os.chflags``, ``shutil.move``,
  ``shutil.rmtree``, ``shutil.make_archive``, ``shutil.unpack_archive``, ``sqlite3.connect``
  (not ``:memory:``).
  ``dir_fd`` arguments are resolved through ``/proc/self/fd``.
- processes need ``subprocess``: ``subprocess.Popen``, ``os.system``, ``os.exec``,
  ``os.posix_spawn``, ``os.spawn``, ``os.fork``, ``os.forkpty``, ``os.kill``, ``os.killpg``.
- network: ``socket.connect`` (also ``connect_ex`` and asyncio), ``socket.bind``,
  ``socket.sendto``, ``socket.sendmsg`` need the peer in ``network``; a Unix socket path needs
  ``writes`` (connecting sends data, binding creates a file); abstract and other socket families
  are refused. ``socket.getaddrinfo``, ``gethostbyname(_ex)`` need a named host in ``network``
  (address literals need no lookup); ``gethostbyaddr``, ``getnameinfo`` need the address.

Always allowed: reads under the interpreter's stdlib and site-packages and petri's own package
(``sysconfig`` paths of the venv and the base interpreter), reads and writes of ``/dev/null``,
reads made directly by the import system, by ``linecache`` (tracebacks, warnings) and by
``shutil.rmtree``'s fd-relative walk (the tree was checked at ``shutil.rmtree``; recognised by
its 3.11/3.12 function name, else the walk is checked against the working directory).

Limits. This is a guard rail for petri's own tools misdirected by their arguments, not a jail
for hostile code (PEP 578 says as much; code that runs untrusted input belongs in the sandbox):

- C extensions that do I/O without raising events are not seen (ctypes calls, most drivers;
  ``os.stat``, ``os.mkfifo``, ``os.mknod`` and DNS done inside C raise none either).
- The guard lives in a ``ContextVar``: asyncio tasks and ``asyncio.to_thread`` inherit it, but
  ``threading.Thread``, thread pools and ``loop.run_in_executor`` start with an empty context,
  so threads a tool starts run unchecked. Child processes are never checked (hence
  ``subprocess``).
- Code inside the process can reset the ContextVar or call ``unchecked()``.
- Stdlib helpers that read system files (``mimetypes``, ``netrc``) or probe a temp folder
  (the first ``tempfile.gettempdir()``) need those paths declared.
- A hard link, or a Unix socket, is checked where it is made; a symbolic link is resolved
  at each use, so one that points outside the declared paths leads outside.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import linecache
import os
import shutil
import site
import sys
import sysconfig
import threading
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

import petri
from petri.agents.permissions import Permissions, is_address, resolve
from petri.errors import PermissionDenied

Check = Callable[["Guard", tuple[Any, ...]], None]
Token = contextvars.Token["Guard | None"]

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_ALWAYS = frozenset({"/dev/null"})
_MAX_KEPT = 8  # refusals kept per call: a tool looping over refusals must not grow memory


@dataclass(slots=True)
class Guard:
    """One running tool call: its name, its permissions and the refusals raised so far."""

    tool: str
    permissions: Permissions
    denied: list[str] = field(default_factory=list)


_ACTIVE: contextvars.ContextVar[Guard | None] = contextvars.ContextVar("petri_tool", default=None)
_install_lock = threading.Lock()
_installed = threading.Event()


def install() -> None:
    """Add the audit hook to this process, once; later calls do nothing."""
    with _install_lock:
        if not _installed.is_set():
            sys.addaudithook(_hook)
            _installed.set()


def enter(guard: Guard) -> Token:
    """Enforce ``guard`` in the current context until ``leave(token)``."""
    if not _installed.is_set():
        install()
    return _ACTIVE.set(guard)


def leave(token: Token) -> None:
    """End the tool call ``token`` came from; the context is as before ``enter``."""
    _ACTIVE.reset(token)


def current() -> Guard | None:
    """The tool call running in this context, or None."""
    return _ACTIVE.get()


@contextlib.contextmanager
def unchecked() -> Iterator[None]:
    """Suspend checks in this context, for petri machinery whose boundary is elsewhere
    (``run_python`` starts bubblewrap and writes a temp folder; the snippet runs jailed)."""
    token = _ACTIVE.set(None)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _hook(
    event: str, args: tuple[Any, ...], _get: Callable[[], Guard | None] = _ACTIVE.get
) -> None:
    guard = _get()
    if guard is None:
        return  # outside tool calls: the whole cost of the hook
    check = _CHECKS.get(event)
    if check is not None:
        check(guard, args)


def _deny(guard: Guard, action: str, need: str, hint: str | None) -> NoReturn:
    fix = (
        f"declare it with @tool(permissions=Permissions({hint}))"
        if hint
        else "no permission allows it (use an IP address or a Unix socket path)"
    )
    message = f"tool {guard.tool!r} tried to {action} without {need} permission; {fix}"
    if len(guard.denied) < _MAX_KEPT:
        guard.denied.append(message)
    raise PermissionDenied(message)


def _absolute(path: Any, dir_fd: Any) -> str:
    text = "." if path is None else os.fsdecode(os.fspath(path))
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(text):
        try:
            text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
        except OSError:
            text = f"/proc/self/fd/{dir_fd}/{text}"  # unresolvable: outside every entry
    return os.path.abspath(text)


def _path(guard: Guard, path: Any, dir_fd: Any, *, write: bool, action: str) -> None:
    """Check one path argument; ``action`` is a template such as ``"os.remove {}"``."""
    if isinstance(path, int):
        return  # an open descriptor, checked when it was opened
    full = _absolute(path, dir_fd)
    if full in _ALWAYS:
        return
    if write:
        if not guard.permissions.allows_write(full):
            _deny(guard, action.format(full), "writes", f"writes=({full!r},)")
    elif not (
        guard.permissions.allows_read(full)
        or (resolve(full) + "/").startswith(_SYSTEM)
        or _trusted_caller()
    ):
        _deny(guard, action.format(full), "reads", f"reads=({full!r},)")


def _trusted_caller() -> bool:
    """Whether the read comes straight from the import system, linecache or rmtree's walk."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    code, outer = frame.f_code, frame.f_back
    if code.co_filename.startswith("<frozen importlib"):
        return True
    if (code.co_filename, code.co_name) == (shutil.__file__, "_rmtree_safe_fd"):
        return True
    return (
        (code.co_filename, code.co_name) == (tokenize.__file__, "open")
        and outer is not None
        and (outer.f_code.co_filename, outer.f_code.co_name) == (linecache.__file__, "updatecache")
    )


def _open(guard: Guard, args: tuple[Any, ...]) -> None:
    path, _mode, flags = args
    write = bool(flags & _WRITE_FLAGS)
    _path(
        guard, path, None, write=write, action=f"open {{}} for {'writing' if write else 'reading'}"
    )


def _paths_check(event: str, specs: tuple[tuple[int, int | None, bool], ...]) -> Check:
    """A check for ``event`` whose argument ``index`` is a path (with its dir_fd argument)."""

    def check(guard: Guard, args: tuple[Any, ...]) -> None:
        for index, fd_index, write in specs:
            dir_fd = None if fd_index is None else args[fd_index]
            _path(guard, args[index], dir_fd, write=write, action=event + " {}")

    return check


def _sqlite(guard: Guard, args: tuple[Any, ...]) -> None:
    database = args[0]
    if isinstance(database, str | bytes):
        database = os.fsdecode(database)
        if database in ("", ":memory:"):
            return
        if database.startswith("file:"):  # a URI; its query (mode=ro, ...) is not trusted
            database = database.removeprefix("file:").partition("?")[0]
    _path(guard, database, None, write=True, action="sqlite3.connect {}")


def _process(event: str) -> Check:
    def check(guard: Guard, args: tuple[Any, ...]) -> None:
        if not guard.permissions.subprocess:
            what = args[1] if event == "subprocess.Popen" else (args[0] if args else "")
            _deny(guard, f"start a process ({event} {what!r:.80})", "subprocess", "subprocess=True")

    return check


def _peer(event: str) -> Check:
    def check(guard: Guard, args: tuple[Any, ...]) -> None:
        address = args[1]
        if address is None:
            return  # sendmsg on a connected socket: checked at connect
        if isinstance(address, tuple) and len(address) >= 2 and isinstance(address[0], str):
            host, port = address[0], address[1]
            if not guard.permissions.allows_connect(host, port):
                peer = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                _deny(guard, f"{event} {peer}", "network", f"network=({peer!r},)")
        elif isinstance(address, str | bytes) and address[:1] not in ("", "\0", b"", b"\0"):
            _path(guard, address, None, write=True, action=event + " {} (a Unix socket)")
        else:
            _deny(guard, f"{event} {address!r:.80}", "network", None)  # abstract socket, ...

    return check


def _lookup(event: str) -> Check:
    def check(guard: Guard, args: tuple[Any, ...]) -> None:
        host = args[0][0] if event == "socket.getnameinfo" else args[0]
        name = os.fsdecode(host) if isinstance(host, str | bytes) else str(host or "")
        reverse = event in ("socket.gethostbyaddr", "socket.getnameinfo")
        if not name or (not reverse and is_address(name)):
            return  # a local answer: no query leaves the host
        if not guard.permissions.allows_host(name):
            _deny(guard, f"{event} {name}", "network", f"network=({name!r},)")

    return check


@functools.cache
def _system_roots() -> tuple[str, ...]:
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    roots = {os.path.dirname(petri.__file__), *site.getsitepackages()}
    for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars=base)):
        roots.update(paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))
    return tuple(sorted(resolve(root).rstrip("/") + "/" for root in roots))


_SYSTEM = _system_roots()

_R, _W = False, True
_PATH_EVENTS: dict[str, tuple[tuple[int, int | None, bool], ...]] = {
    "os.listdir": ((0, None, _R),),
    "os.scandir": ((0, None, _R),),
    "os.listxattr": ((0, None, _R),),
    "os.getxattr": ((0, None, _R),),
    "os.remove": ((0, 1, _W),),
    "os.rmdir": ((0, 1, _W),),
    "os.mkdir": ((0, 2, _W),),
    "os.chmod": ((0, 2, _W),),
    "os.chown": ((0, 3, _W),),
    "os.utime": ((0, 3, _W),),
    "os.truncate": ((0, None, _W),),
    "os.setxattr": ((0, None, _W),),
    "os.removexattr": ((0, None, _W),),
    "os.chflags": ((0, None, _W),),
    "os.lchflags": ((0, None, _W),),
    "os.symlink": ((1, 2, _W),),
    "os.link": ((0, 2, _W), (1, 3, _W)),
    "os.rename": ((0, 2, _W), (1, 3, _W)),
    "shutil.move": ((0, None, _W), (1, None, _W)),
    "shutil.copytree": ((0, None, _R), (1, None, _W)),
    "shutil.rmtree": ((0, 1, _W),),
    "shutil.make_archive": ((0, None, _W),),
    "shutil.unpack_archive": ((1, None, _W),),
}
_PROCESS_EVENTS = (
    "subprocess.Popen",
    "os.system",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.fork",
    "os.forkpty",
    "os.kill",
    "os.killpg",
)
_PEER_EVENTS = ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg")
_LOOKUP_EVENTS = (
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
)

_CHECKS: dict[str, Check] = {
    "open": _open,
    "sqlite3.connect": _sqlite,
    **{event: _paths_check(event, specs) for event, specs in _PATH_EVENTS.items()},
    **{event: _process(event) for event in _PROCESS_EVENTS},
    **{event: _peer(event) for event in _PEER_EVENTS},
    **{event: _lookup(event) for event in _LOOKUP_EVENTS},
}
