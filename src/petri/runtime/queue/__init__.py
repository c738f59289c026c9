"""Durable task queue: one interface, backends chosen by URL and imported lazily.

>>> q = from_url("memory://")
>>> task_id = q.enqueue(Task("noop"))
>>> task = q.lease()
>>> q.ack(task)
True

Schemes: ``memory://`` (in-process double), ``sqlite:///path`` (embedded default, WAL),
``redis://host:port/db`` (Redis Streams), ``nats://host:port`` (NATS JetStream). The query string
may set ``name`` (queue namespace; the store's ``prefix`` stands in for it) and ``lease_s``;
keyword arguments (clock, rng, retry...) are passed to the backend's constructor and win over
the query string.
"""

from __future__ import annotations

import importlib
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from petri.errors import BackendError, MissingDriver
from petri.runtime.queue.base import Queue
from petri.runtime.queue.task import ACTIVE, TERMINAL, RetryPolicy, Task, TaskStatus

__all__ = [
    "ACTIVE",
    "TERMINAL",
    "Queue",
    "RetryPolicy",
    "Task",
    "TaskStatus",
    "from_url",
]

# scheme -> (module, class, third-party driver or None, extra naming the driver)
_BACKENDS: dict[str, tuple[str, str, str | None, str]] = {
    "memory": ("petri.runtime.queue.memory", "MemoryQueue", None, ""),
    "sqlite": ("petri.runtime.queue.sqlite", "SqliteQueue", None, ""),
    "redis": ("petri.runtime.queue.redis", "RedisQueue", "redis", "redis"),
    "nats": ("petri.runtime.queue.nats", "NatsQueue", "nats", "nats"),
}


#: Query parameters petri reads itself; the rest go to the backend's driver.
_OWN_PARAMS = frozenset({"name", "lease_s", "prefix"})


def from_url(url: str, **options: Any) -> Queue:
    """Build (without connecting) the queue a URL names.

    Raises ``BackendError`` for an unknown scheme or a malformed URL and ``MissingDriver``,
    naming the ``pip install`` to run, when the backend's driver is not installed.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _BACKENDS:
        supported = ", ".join(f"{s}://" for s in _BACKENDS)
        raise BackendError(f"unsupported queue URL {url!r}: use one of {supported}")
    module_name, class_name, driver, extra = _BACKENDS[scheme]
    if driver is not None:
        try:
            importlib.import_module(driver)
        except ImportError as exc:
            raise MissingDriver(
                f"the {scheme}:// queue needs {driver}: pip install 'petridish[{extra}]'"
            ) from exc
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    settings: dict[str, Any] = {}
    if "name" in query:
        settings["name"] = query["name"]
    elif "prefix" in query:  # the store's namespace: one URL may serve --store and --broker
        settings["name"] = "".join(c for c in query["prefix"] if c.isalnum() or c in "_-")
    # petri's own parameters are not the driver's business.
    rest = [(k, v) for k, v in parse_qsl(parts.query) if k not in _OWN_PARAMS]
    parts = parts._replace(query=urlencode(rest))
    try:
        if "lease_s" in query:
            settings["lease_s"] = float(query["lease_s"])
        if parts.port is not None and not parts.port:
            raise ValueError("port 0")
    except ValueError as exc:
        raise BackendError(f"malformed queue URL {url!r}: {exc}") from exc
    settings.update(options)
    cls = getattr(importlib.import_module(module_name), class_name)
    queue: Queue = cls(url=parts, **settings)
    return queue
