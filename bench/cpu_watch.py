"""CPU seconds that this process and its descendants spend during a block, by role (Linux).

Where the time of a ``petri evolve`` run goes when the machine is short of cores: the
coordinator (this process: breeding, selection, the store), its local worker processes
(leasing, settling, talking to the sandbox) and the sandbox (the jailed workers and the fork
that judges each candidate). A thread reads ``/proc`` every ``interval`` seconds; a process
that ends keeps its last reading, and a sandbox worker's count includes the forks it reaped.
The watching thread's own CPU is left out of the coordinator's.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

#: Role of a process from its pid and command line (None: not counted).
Roles = Callable[[int, str], str | None]


def evolve_roles(pid: int, cmdline: str) -> str:
    """A ``petri evolve`` run started in this process: this process is the coordinator, the
    jailed workers (bubblewrap and the harness it runs) the sandbox, the rest local workers."""
    if pid == os.getpid():
        return "coordinator"
    if "petri.sandbox.harness" in cmdline or cmdline.startswith(("bwrap", "/usr/bin/bwrap")):
        return "sandbox"
    return "local workers"


class CpuWatch:
    """``with CpuWatch(roles) as watch: ...`` then ``watch.seconds()``: CPU seconds by role."""

    def __init__(self, roles: Roles = evolve_roles, interval: float = 0.2) -> None:
        self.roles = roles
        self.interval = interval
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpu-watch", daemon=True)
        self._own = 0.0  # the watching thread's CPU seconds
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> CpuWatch:
        for pid, (_, used) in self._scan().items():
            self._first[pid] = used
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._record()

    def seconds(self) -> dict[str, float]:
        """CPU seconds per role over the block."""
        totals: dict[str, float] = {}
        for pid, (role, used) in self._last.items():
            totals[role] = totals.get(role, 0.0) + used - self._first.get(pid, 0.0)
        if "coordinator" in totals:
            totals["coordinator"] -= self._own
        return totals

    def _loop(self) -> None:
        start = time.thread_time()
        while not self._stop.wait(self.interval):
            self._record()
        self._own = time.thread_time() - start

    def _record(self) -> None:
        self._last.update(self._scan())

    def _scan(self) -> dict[int, tuple[str, float]]:
        """Role and CPU seconds so far of every process descending from this one."""
        stats: dict[int, tuple[int, str, float]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                read = self._read(int(entry.name))
                if read is not None:
                    stats[int(entry.name)] = read
        me = os.getpid()
        found: dict[int, tuple[str, float]] = {}
        for pid, (parent, cmdline, used) in stats.items():
            if parent in stats and _harness(stats[parent][1]):
                continue  # a fork judging one candidate: its harness counts it once reaped
            ancestor, hops = pid, 0
            while ancestor not in (me, 0, 1) and ancestor in stats and hops < 64:
                ancestor, hops = stats[ancestor][0], hops + 1
            role = self.roles(pid, cmdline) if ancestor == me else None
            if role is not None:
                found[pid] = (role, used)
        return found

    def _read(self, pid: int) -> tuple[int, str, float] | None:
        """(parent pid, command line, CPU seconds: its own, and for the sandbox the reaped
        forks' too), or None when the process is gone."""
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            return None
        fields = stat[stat.rfind(")") + 2 :].split()
        user, system, child_user, child_system = (int(f) for f in fields[11:15])
        ticks = user + system
        if _harness(cmdline):  # the forks that judged candidates, reaped
            ticks += child_user + child_system
        return int(fields[1]), cmdline.strip(), ticks / self._tick


def _harness(cmdline: str) -> bool:
    """A sandbox worker's interpreter (not the bubblewrap around it)."""
    return "petri.sandbox.harness" in cmdline and "bwrap" not in cmdline.split(" ", 1)[0]
