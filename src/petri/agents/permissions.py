"""What a tool may touch on the host: paths it reads and writes, processes, network peers;
and the markers that say which of a tool's arguments are paths it writes or URLs it fetches.

``Permissions`` is a value: tools declare the permissions they need, agents are granted some,
and ``needs.within(granted)`` decides before a call whether the agent may use the tool. The
same value is enforced while the tool runs by ``petri.agents.audit`` (a process-wide audit
hook); this module only answers questions: its only I/O is resolving symbolic links and
looking up the addresses of host names it was given.

Paths are absolute paths or globs (``*`` and ``?`` within one path segment, ``**`` across
segments). A path is inside an entry if it equals it or is below it, after symbolic links are
resolved, so a link inside an allowed folder that points out of it leads outside. Writing
implies reading: ``allows_read`` is true of everything under ``writes`` as well.

Network entries are ``host`` (any port) or ``host:port`` (``[v6]:port`` for IPv6). A host
named by its DNS name also allows the addresses it resolves to; they are looked up once per
process (cached), so an entry cannot follow a name whose addresses change during a run.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import PurePath
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AnyUrl, BaseModel, ConfigDict, field_validator

#: The permission a tool argument is checked against before the call.
Need = Literal["reads", "writes", "network"]

_MAGIC = frozenset("*?[")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: ``Annotated[Path, Writes]``: the tool writes this path argument; it is checked against
#: ``writes`` (an unmarked ``Path`` argument against ``reads``).
Writes = _Marker("Writes")
#: ``Annotated[str, Url]``: the tool connects to this URL argument; checked against ``network``
#: (pydantic ``AnyUrl`` / ``HttpUrl`` arguments need no marker).
Url = _Marker("Url")


def resolve(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """``path`` made absolute (against the working directory) with symbolic links resolved."""
    return os.path.realpath(os.fsdecode(os.fspath(path)))


class Permissions(BaseModel):
    """The host access a tool needs, or an agent is granted. The default grants nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    subprocess: bool = False
    network: tuple[str, ...] = ()

    @field_validator("reads", "writes")
    @classmethod
    def _valid_paths(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            if not os.path.isabs(entry):
                raise ValueError(f"{entry!r} is not an absolute path or glob")
        return tuple(os.path.normpath(entry) for entry in entries)

    @field_validator("network")
    @classmethod
    def _valid_network(cls, entries: tuple[str, ...]) -> tuple[str, ...]:
        for entry in entries:
            _endpoint(entry)  # raises ValueError naming the entry
        return entries

    def allows_read(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is inside ``reads`` or ``writes``."""
        return _paths(self.reads + self.writes).contains(resolve(path))

    def allows_write(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is inside ``writes``."""
        return _paths(self.writes).contains(resolve(path))

    def allows_host(self, host: str) -> bool:
        """Whether some ``network`` entry names ``host`` (at any port): may it be looked up."""
        host = _host(host)
        return any(entry_host == host for entry_host, _ in _endpoints(self.network))

    def allows_connect(self, host: str, port: int) -> bool:
        """Whether ``network`` allows a connection to ``host:port``; an address also matches
        the entries whose host name resolves to it."""
        allowed = _endpoints(self.network)
        host = _host(host)
        if (host, None) in allowed or (host, port) in allowed:
            return True
        if not is_address(host):
            return False
        return any(
            entry_port in (None, port) and host in _addresses(name)
            for name, entry_port in allowed
            if not is_address(name)
        )

    def allows_url(self, url: str | AnyUrl) -> bool:
        """Whether ``network`` allows connecting to ``url``'s host and port (the scheme's
        default port when it names none); a URL without a host is not allowed."""
        try:
            parts = urlsplit(str(url))
            host, port = parts.hostname, parts.port or _DEFAULT_PORTS.get(parts.scheme)
        except ValueError:  # a port that is not a number
            return False
        return host is not None and port is not None and self.allows_connect(host, port)

    def allows(self, need: Need, target: Any) -> bool:
        """``allows_read``, ``allows_write`` or ``allows_url``, as ``need`` says."""
        if need == "reads":
            return self.allows_read(target)
        return self.allows_write(target) if need == "writes" else self.allows_url(target)

    def beyond(self, other: Permissions) -> tuple[str, ...]:
        """What ``self`` needs that ``other`` does not grant, one phrase each (empty: none).

        Globs are compared conservatively: a glob is covered by the same glob, or by a plain
        path that contains the glob's literal prefix.
        """
        gaps = [f"reads {e}" for e in self.reads if not _covered(e, other.reads + other.writes)]
        gaps += [f"writes {e}" for e in self.writes if not _covered(e, other.writes)]
        if self.subprocess and not other.subprocess:
            gaps.append("subprocess")
        theirs = _endpoints(other.network)
        for entry in self.network:
            host, port = _endpoint(entry)
            if (host, None) not in theirs and (host, port) not in theirs:
                gaps.append(f"network {entry}")
        return tuple(gaps)

    def within(self, other: Permissions) -> bool:
        """Whether every permission of ``self`` is granted by ``other`` (self is a subset)."""
        return not self.beyond(other)

    def summary(self) -> str:
        """One line for messages, e.g. ``reads /a; writes /b; subprocess``."""
        parts = [f"reads {', '.join(self.reads)}" if self.reads else ""]
        parts.append(f"writes {', '.join(self.writes)}" if self.writes else "")
        parts.append("subprocess" if self.subprocess else "")
        parts.append(f"network {', '.join(self.network)}" if self.network else "")
        return "; ".join(p for p in parts if p) or "no permissions"


@dataclass(frozen=True)
class _PathSet:
    prefixes: tuple[str, ...]  # resolved plain entries, each ending in "/"
    globs: tuple[tuple[str, ...], ...]  # glob entries split into segments

    def contains(self, path: str) -> bool:
        below = path if path.endswith("/") else path + "/"
        if below.startswith(self.prefixes):
            return True
        parts = _segments(path)
        return any(_glob_prefix(pattern, parts) for pattern in self.globs)


@functools.lru_cache(maxsize=512)
def _paths(entries: tuple[str, ...]) -> _PathSet:
    prefixes: list[str] = []
    globs: list[tuple[str, ...]] = []
    for entry in entries:
        literal, magic = _split_glob(entry)
        if not magic:
            prefixes.append(resolve(entry).rstrip("/") + "/")
        else:
            globs.append(_segments(resolve(literal)) + magic)
    return _PathSet(tuple(prefixes), tuple(globs))


def _segments(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _split_glob(entry: str) -> tuple[str, tuple[str, ...]]:
    """An entry as (its literal leading folder, the segments from the first glob on)."""
    parts = entry.split("/")
    for index, part in enumerate(parts):
        if _MAGIC.intersection(part):
            return "/".join(parts[:index]) or "/", tuple(parts[index:])
    return entry, ()


def _glob_prefix(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether ``pattern`` matches ``parts`` or a leading part of them (the path is below)."""
    if not pattern:
        return True
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_glob_prefix(rest, parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], head) and _glob_prefix(rest, parts[1:])


def _covered(entry: str, theirs: tuple[str, ...]) -> bool:
    literal, magic = _split_glob(entry)
    if not magic:
        return _paths(theirs).contains(resolve(entry))
    plain = tuple(e for e in theirs if not _split_glob(e)[1])
    return entry in theirs or _paths(plain).contains(resolve(literal))


def _host(host: str) -> str:
    return host.strip("[]").lower()


def _endpoint(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":") if rest else None
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    else:
        host, port = entry, None
    if not host or (port is not None and not (port.isdigit() and int(port) < 65536)):
        raise ValueError(f"{entry!r} is not a host or host:port")
    return _host(host), None if port is None else int(port)


@functools.lru_cache(maxsize=512)
def _endpoints(entries: tuple[str, ...]) -> frozenset[tuple[str, int | None]]:
    return frozenset(_endpoint(entry) for entry in entries)


def is_address(host: str) -> bool:
    """Whether ``host`` is an IP address literal (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=256)
def _addresses(name: str) -> frozenset[str]:
    """The addresses ``name`` resolves to, once per process; none if it does not resolve."""
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return frozenset()
    return frozenset(str(info[4][0]) for info in infos)


def argument_need(hint: Any, writes: bool = False) -> Need | None:
    """The permission an argument typed ``hint`` is checked against: ``reads`` for a Path,
    ``writes`` for one marked ``Writes``, ``network`` for a URL; None for the rest. Paths and
    URLs inside containers (``list[Path]``, ``Path | None``) count."""
    if typing.get_origin(hint) is Annotated:
        base, *meta = typing.get_args(hint)
        if any(m is Url for m in meta):
            return "network"
        return argument_need(base, writes or any(m is Writes for m in meta))
    if isinstance(hint, type) and issubclass(hint, PurePath):
        return "writes" if writes else "reads"
    if isinstance(hint, type) and issubclass(hint, AnyUrl):
        return "network"
    for arg in typing.get_args(hint):
        need = argument_need(arg, writes)
        if need:
            return need
    return None


def argument_targets(value: Any, need: Need) -> Iterator[Any]:
    """The paths (or URLs) in a validated argument value, inside containers too."""
    if isinstance(value, (AnyUrl, str) if need == "network" else PurePath):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from argument_targets(item, need)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from argument_targets(item, need)
