"""Choosing a backend by URL: lazy imports, clear errors."""

from __future__ import annotations

import random
import sys

import pytest

from petri.errors import BackendError, MissingDriver
from petri.runtime.queue import RetryPolicy, Task, from_url
from petri.runtime.queue.memory import MemoryQueue
from petri.runtime.queue.sqlite import SqliteQueue


def test_memory_and_sqlite_urls(tmp_path: object) -> None:
    assert isinstance(from_url("memory://"), MemoryQueue)
    queue = from_url(f"sqlite:///{tmp_path}/q.db?name=jobs&lease_s=5")
    assert isinstance(queue, SqliteQueue)
    assert (queue.name, queue.lease_s, queue.path) == ("jobs", 5.0, f"{tmp_path}/q.db")
    assert from_url("sqlite:///rel.db").path == "rel.db"  # type: ignore[attr-defined]


def test_keyword_options_win_over_the_query() -> None:
    queue = from_url("memory://?lease_s=5", lease_s=9.0)
    assert queue.lease_s == 9.0


@pytest.mark.parametrize(
    "url", ["amqp://host", "postgres://x/y", "not a url", "", "sqlite:///q.db?lease_s=x"]
)
def test_bad_urls_raise_backend_error(url: str) -> None:
    with pytest.raises(BackendError) as err:
        from_url(url)
    assert "\n" not in str(err.value)
    if not url.startswith("sqlite"):
        assert "sqlite://" in str(err.value) and "nats://" in str(err.value)


def test_sqlite_needs_a_path_and_a_plain_name() -> None:
    with pytest.raises(BackendError):
        from_url("sqlite://")
    with pytest.raises(BackendError):
        from_url("sqlite:///q.db?name=bad;name")


@pytest.mark.parametrize(("scheme", "driver"), [("redis", "redis"), ("nats", "nats")])
def test_missing_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, scheme: str, driver: str
) -> None:
    monkeypatch.setitem(sys.modules, driver, None)  # makes `import driver` raise ImportError
    with pytest.raises(MissingDriver, match=rf"pip install 'petridish\[{driver}\]'"):
        from_url(f"{scheme}://127.0.0.1:1")


def test_constructors_do_no_io() -> None:
    from_url("redis://127.0.0.1:1/0")  # nothing listens there; no error until first use
    from_url("nats://127.0.0.1:1")


def test_unreachable_server_is_a_backend_error() -> None:
    with pytest.raises(BackendError):
        from_url("redis://127.0.0.1:1/0").stats()


def test_backoff_is_full_jitter_with_overrides() -> None:
    policy = RetryPolicy(max_attempts=4, base=2.0, cap=10.0)
    rng = random.Random(1)
    task = Task("x", attempts=3)
    delays = [policy.delay(task, rng) for _ in range(200)]
    assert all(0.0 <= d <= 8.0 for d in delays) and max(delays) > 4.0
    task.attempts = 30
    assert all(policy.delay(task, rng) <= 10.0 for _ in range(50))
    custom = Task("x", attempts=1, backoff_base=0.5, max_attempts=9)
    assert policy.delay(custom, rng) <= 0.5
    assert policy.attempts_for(custom) == 9 and policy.attempts_for(task) == 4
    assert policy.delay(task, random.Random(5)) == policy.delay(task, random.Random(5))


def test_empty_kind_is_refused() -> None:
    with pytest.raises(BackendError):
        from_url("memory://").enqueue(Task(""))


def test_a_store_prefix_names_the_queue_and_petris_parameters_stay_out_of_the_driver() -> None:
    queue = from_url("redis://127.0.0.1:6379/0?prefix=run7:&lease_s=4&socket_timeout=2")
    assert queue.name == "run7" and queue.lease_s == 4.0
    assert "prefix" not in queue.url and "lease_s" not in queue.url  # type: ignore[attr-defined]
    assert "socket_timeout=2" in queue.url  # type: ignore[attr-defined]
