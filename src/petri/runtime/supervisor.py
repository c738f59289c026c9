"""The supervisor: N worker processes, restarted when they crash, stopped together.

Children are *transient* (OTP): one that exits with status 0 has finished and is not replaced;
one that dies any other way (a signal, an exception, ``EXIT_WEDGED``) is restarted, within the
restart intensity. The policies are small rule classes, each naming the race it prevents.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from petri.errors import PetriError

log = logging.getLogger("petri.runtime.supervisor")

#: ``target(index, beat)`` runs in the child; ``beat()`` tells the supervisor it is alive.
Target = Callable[[int, Callable[[], None]], None]


class RestartLimitError(PetriError):
    """Workers crashed more often than the restart intensity allows; all were stopped."""


@dataclass
class RestartIntensity:
    """At most ``max_restarts`` restarts within any ``period_s`` window (OTP intensity).

    Race prevented: a poison task (or a broken broker) kills every worker that touches it; with
    unbounded restarts the supervisor would respawn them forever, burning CPU and re-running the
    same task, while nobody is told. Past the limit the supervisor stops all and fails loudly.
    """

    max_restarts: int = 5
    period_s: float = 10.0
    history: deque[float] = field(default_factory=deque)

    def allow(self, now: float) -> bool:
        """Record a restart at ``now``; False when it would exceed the intensity."""
        while self.history and now - self.history[0] > self.period_s:
            self.history.popleft()
        if len(self.history) >= self.max_restarts:
            return False
        self.history.append(now)
        return True


@dataclass(frozen=True)
class HeartbeatWatch:
    """A child whose last beat is older than ``timeout_s`` is killed and restarted.

    Race prevented: a worker stuck outside any handler (a hung backend call, a deadlock) stays
    alive, so exit codes never reveal it; meanwhile its leases expire and its tasks run elsewhere
    while it holds a slot forever. ``timeout_s=None`` disables the watch.
    """

    timeout_s: float | None = 60.0

    def stale(self, last_beat: float, now: float) -> bool:
        return self.timeout_s is not None and now - last_beat > self.timeout_s


@dataclass(frozen=True)
class GracefulStop:
    """Stop = SIGTERM to all, wait ``grace_s`` for them to finish their task, then SIGKILL.

    Race prevented: killing at once would throw away work in flight (re-run after the lease
    expires); waiting without a bound would let one hung handler block shutdown forever.
    """

    grace_s: float = 10.0


class Supervisor:
    """Runs ``target`` in ``n`` processes and keeps them running.

    Drive it with :meth:`run` (blocks until every child finished or a signal asks to stop) or
    call :meth:`start`, then :meth:`poll` in your own loop, then :meth:`stop`.
    """

    def __init__(
        self,
        target: Target,
        n: int,
        *,
        intensity: RestartIntensity | None = None,
        watch: HeartbeatWatch | None = None,
        stopping: GracefulStop | None = None,
        context: BaseContext | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if n < 1:
            raise ValueError("a supervisor needs at least one worker")
        self.target = target
        self.n = n
        self.intensity = intensity or RestartIntensity()
        self.watch = watch or HeartbeatWatch()
        self.stopping = stopping or GracefulStop()
        self.ctx: Any = context or multiprocessing.get_context("fork")
        self.clock = clock
        self.sleep = sleep
        self.children: list[BaseProcess | None] = [None] * n
        self.beats: list[Synchronized[float]] = []
        self.restarts = 0
        self._stop_requested = False

    def start(self) -> None:
        """Start every child."""
        self.beats = [self.ctx.Value("d", self.clock(), lock=False) for _ in range(self.n)]
        for index in range(self.n):
            self._spawn(index)

    def _spawn(self, index: int) -> None:
        self.beats[index].value = self.clock()
        child = self.ctx.Process(
            target=_child_main,
            args=(self.target, index, self.beats[index], self.clock),
            name=f"petri-worker-{index}",
            daemon=False,
        )
        child.start()
        self.children[index] = child

    @property
    def pids(self) -> list[int]:
        return [c.pid for c in self.children if c is not None and c.is_alive() and c.pid]

    def poll(self) -> int:
        """Restart dead children and kill stale ones; return how many children still run.

        Raises ``RestartLimitError`` (after stopping all) when the restart intensity is spent.
        """
        now = self.clock()
        for index, child in enumerate(self.children):
            if child is None:
                continue
            if child.is_alive() and self.watch.stale(self.beats[index].value, now):
                log.error("worker %s missed its heartbeats; killing it", child.pid)
                _kill(child, signal.SIGKILL)
                child.join(5)
            if child.is_alive():
                continue
            child.join()
            if child.exitcode == 0:
                self.children[index] = None
                continue
            self._restart(index, child, now)
        return sum(1 for c in self.children if c is not None)

    def _restart(self, index: int, child: BaseProcess, now: float) -> None:
        if not self.intensity.allow(now):
            self.stop()
            raise RestartLimitError(
                f"worker {index} died (exit {child.exitcode}) and workers were restarted"
                f" {self.intensity.max_restarts} times in {self.intensity.period_s:g}s;"
                " gave up and stopped all workers: see the worker logs for the crash"
            )
        log.warning("worker %s (pid %s) died with %s; restarting", index, child.pid, child.exitcode)
        self.restarts += 1
        self._spawn(index)

    def request_stop(self, *_: object) -> None:
        """Ask :meth:`run` to stop (the SIGTERM/SIGINT handler)."""
        self._stop_requested = True

    def run(self, poll_s: float = 0.1) -> None:
        """Start, supervise until every child finished or a stop is requested, then stop."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        self.start()
        try:
            while not self._stop_requested and self.poll():
                self.sleep(poll_s)
        finally:
            self.stop()

    def stop(self) -> None:
        """SIGTERM every child, wait up to the grace period, SIGKILL the rest, reap all."""
        alive = [c for c in self.children if c is not None and c.is_alive()]
        for child in alive:
            _kill(child, signal.SIGTERM)
        deadline = self.clock() + self.stopping.grace_s
        for child in alive:
            child.join(max(deadline - self.clock(), 0.0))
            if child.is_alive():
                log.error(
                    "worker %s ignored SIGTERM for %ss; killing it",
                    child.pid,
                    self.stopping.grace_s,
                )
                _kill(child, signal.SIGKILL)
                child.join(5)
        self.children = [None] * self.n


def _kill(child: BaseProcess, sig: int) -> None:
    if child.pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, sig)


def _child_main(
    target: Target, index: int, beat_value: Synchronized[float], clock: Callable[[], float]
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the supervisor, which decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the supervisor's handler, inherited by fork

    def beat() -> None:
        beat_value.value = clock()

    target(index, beat)
