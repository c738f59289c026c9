"""The supervisor: restarts crashed workers within an intensity, watches beats, stops all."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from petri.runtime.supervisor import (
    GracefulStop,
    HeartbeatWatch,
    RestartIntensity,
    RestartLimitError,
    Supervisor,
)

Beat = Callable[[], None]


def test_restart_intensity_window() -> None:
    policy = RestartIntensity(max_restarts=2, period_s=10)
    assert policy.allow(0) and policy.allow(1)
    assert not policy.allow(5)
    assert policy.allow(11.5)  # the restart at 0 and 1 left the window


def test_heartbeat_watch() -> None:
    assert HeartbeatWatch(1.0).stale(last_beat=0.0, now=1.5)
    assert not HeartbeatWatch(1.0).stale(last_beat=0.0, now=0.5)
    assert not HeartbeatWatch(None).stale(last_beat=0.0, now=1e9)


def test_a_crashed_worker_is_restarted_and_a_finished_one_is_not(tmp_path: Path) -> None:
    def target(index: int, beat: Beat) -> None:
        marker = tmp_path / f"ran-{index}"
        if not marker.exists():
            marker.touch()
            os._exit(7)  # crash on the first run only

    supervisor = Supervisor(target, 2, intensity=RestartIntensity(5, 60))
    supervisor.run(poll_s=0.01)
    assert supervisor.restarts == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ran-0", "ran-1"]


def test_too_many_crashes_stop_everything_loudly() -> None:
    def target(index: int, beat: Beat) -> None:
        if index == 0:
            raise SystemExit(1)
        time.sleep(60)

    supervisor = Supervisor(target, 2, intensity=RestartIntensity(2, 60))
    supervisor.start()
    with pytest.raises(RestartLimitError, match="restarted 2 times in 60s; gave up"):
        for _ in range(3000):
            supervisor.poll()
            time.sleep(0.01)
    assert supervisor.pids == [] and supervisor.restarts == 2


def test_a_silent_worker_is_killed_and_replaced() -> None:
    def target(index: int, beat: Beat) -> None:
        time.sleep(60)  # never beats

    supervisor = Supervisor(
        target, 1, intensity=RestartIntensity(1, 60), watch=HeartbeatWatch(timeout_s=0.2)
    )
    supervisor.start()
    first = supervisor.pids
    with pytest.raises(RestartLimitError):
        for _ in range(3000):
            supervisor.poll()
            time.sleep(0.01)
    assert supervisor.restarts == 1 and first


def test_stop_terms_then_kills_the_stubborn(tmp_path: Path) -> None:
    def target(index: int, beat: Beat) -> None:
        if index == 0:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        (tmp_path / str(index)).touch()
        while True:
            beat()
            time.sleep(0.01)

    supervisor = Supervisor(target, 2, stopping=GracefulStop(grace_s=0.3))
    supervisor.start()
    while len(list(tmp_path.iterdir())) < 2:
        time.sleep(0.01)
    children = [c for c in supervisor.children if c is not None]
    supervisor.stop()
    assert [c.exitcode for c in children] == [-signal.SIGKILL, -signal.SIGTERM]
    assert supervisor.pids == []


def test_run_returns_when_a_stop_is_requested() -> None:
    def target(index: int, beat: Beat) -> None:
        time.sleep(60)

    supervisor = Supervisor(target, 1)
    timer = threading.Timer(0.3, supervisor.request_stop)
    timer.start()
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        supervisor.run(poll_s=0.01)
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert supervisor.pids == []


def test_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        Supervisor(lambda i, b: None, 0)
