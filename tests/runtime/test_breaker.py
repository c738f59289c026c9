"""The circuit breaker: closed -> open -> half-open -> closed/open, on an injected clock."""

from __future__ import annotations

import pytest

from petri.runtime.breaker import BreakerState, CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def boom() -> int:
    raise ConnectionError("service down")


def make(clock: Clock, **kw: object) -> CircuitBreaker:
    return CircuitBreaker("svc", failure_threshold=3, reset_timeout_s=10, clock=clock, **kw)  # type: ignore[arg-type]


def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            breaker.call(boom)


def test_opens_after_threshold_consecutive_failures_and_fails_fast() -> None:
    clock = Clock()
    breaker = make(clock)
    trip(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    calls = []
    with pytest.raises(CircuitOpenError, match="'svc' is open"):
        breaker.call(lambda: calls.append(1))
    assert calls == []


def test_success_resets_the_failure_count() -> None:
    breaker = make(Clock())
    trip(breaker, 2)
    assert breaker.call(lambda: 7) == 7
    trip(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_half_open_after_timeout_then_closes_on_success() -> None:
    clock = Clock()
    breaker = make(clock)
    trip(breaker, 3)
    clock.now += 9.9
    assert breaker.state is BreakerState.OPEN
    clock.now += 0.1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state is BreakerState.CLOSED


def test_failed_trial_reopens_for_a_full_timeout() -> None:
    clock = Clock()
    breaker = make(clock)
    trip(breaker, 3)
    clock.now += 10
    trip(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    clock.now += 5
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()


def test_half_open_admits_only_max_trials() -> None:
    clock = Clock()
    breaker = make(clock, half_open_max=2)
    trip(breaker, 3)
    clock.now += 10
    assert [breaker.allow() for _ in range(3)] == [True, True, False]


def test_other_exceptions_do_not_count() -> None:
    breaker = make(Clock(), failure_types=(ConnectionError,))
    for _ in range(5):
        with pytest.raises(KeyError):
            breaker.call(lambda: {}["x"])
    assert breaker.state is BreakerState.CLOSED


def test_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)
