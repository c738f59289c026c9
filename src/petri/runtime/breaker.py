"""A circuit breaker for handlers that call flaky external things (a model API, GitHub).

::

    closed --(failure_threshold consecutive failures)--> open
    open   --(reset_timeout_s elapsed)-----------------> half-open
    half-open --(trial succeeds)--> closed     half-open --(trial fails)--> open

While open, calls fail fast with ``CircuitOpenError`` instead of piling load onto a service that
is already down. Half-open lets ``half_open_max`` trial calls through at a time; the rest fail
fast until a trial settles the state. The clock is injected so tests never sleep.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from petri.errors import PetriError

T = TypeVar("T")


class CircuitOpenError(PetriError):
    """The breaker is open: the guarded call was not attempted."""


class BreakerState(enum.StrEnum):
    """Where the breaker is."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Counts consecutive failures of guarded calls and opens after ``failure_threshold``.

    Thread-safe. ``failure_types`` are the exceptions that count as failures; others propagate
    without touching the breaker (a caller's bug is not the service's outage).
    """

    def __init__(
        self,
        name: str = "breaker",
        *,
        failure_threshold: int = 5,
        reset_timeout_s: float = 30.0,
        half_open_max: int = 1,
        failure_types: tuple[type[BaseException], ...] = (Exception,),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or half_open_max < 1 or reset_timeout_s < 0:
            raise ValueError("failure_threshold and half_open_max >= 1, reset_timeout_s >= 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self.half_open_max = half_open_max
        self.failure_types = failure_types
        self.clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._trials = 0

    @property
    def state(self) -> BreakerState:
        """The current state (an open breaker whose timeout passed reads as half-open)."""
        with self._lock:
            self._tick()
            return self._state

    def _tick(self) -> None:
        if (
            self._state is BreakerState.OPEN
            and self.clock() - self._opened_at >= self.reset_timeout_s
        ):
            self._state, self._trials = BreakerState.HALF_OPEN, 0

    def allow(self) -> bool:
        """Reserve the right to make one call; False means fail fast (counted as a trial)."""
        with self._lock:
            self._tick()
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.HALF_OPEN and self._trials < self.half_open_max:
                self._trials += 1
                return True
            return False

    def success(self) -> None:
        """Record a successful call: closes the breaker and forgets past failures."""
        with self._lock:
            self._state, self._failures, self._trials = BreakerState.CLOSED, 0, 0

    def failure(self) -> None:
        """Record a failed call: a failed trial, or the threshold-th failure, opens the breaker."""
        with self._lock:
            self._failures += 1
            if self._state is BreakerState.HALF_OPEN or self._failures >= self.failure_threshold:
                self._state, self._opened_at, self._trials = BreakerState.OPEN, self.clock(), 0

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` through the breaker; raise ``CircuitOpenError`` (not calling it) when open."""
        if not self.allow():
            raise CircuitOpenError(
                f"circuit {self.name!r} is open after {self._failures} failures;"
                f" retrying after {self.reset_timeout_s:g}s"
            )
        try:
            result = fn()
        except self.failure_types:
            self.failure()
            raise
        self.success()
        return result
