"""Durable store: an append-only event log and versioned state with compare-and-set.

Backends are chosen by URL and imported lazily::

    memory://                       in-process (tests, immediate mode)
    sqlite:///path/to/petri.db      embedded default (WAL, one writer)
    redis://host:6379/0?prefix=p    scale-out state and events (Lua scripts)
    nats://host:4222?prefix=p       scale-out state (JetStream KV) and events (a stream)
"""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

from petri.errors import BackendError, MissingDriver, StateConflict
from petri.runtime.store.base import Clock, Event, NewEvent, Store

__all__ = ["Event", "NewEvent", "StateConflict", "Store", "from_url"]

#: scheme -> (module, class, driver module, extra to install)
_BACKENDS = {
    "memory": ("petri.runtime.store.memory", "MemoryStore", None, None),
    "sqlite": ("petri.runtime.store.sqlite", "SqliteStore", None, None),
    "redis": ("petri.runtime.store.redis", "RedisStore", "redis", "redis"),
    "nats": ("petri.runtime.store.nats", "NatsStore", "nats", "nats"),
}


def from_url(url: str, clock: Clock | None = None) -> Store:
    """Return the store the URL names, without connecting (the first call connects)."""
    scheme = urlsplit(url).scheme
    if scheme not in _BACKENDS:
        known = ", ".join(f"{name}://" for name in _BACKENDS)
        raise BackendError(f"unknown store URL {url!r}: use one of {known}")
    module_name, class_name, driver, extra = _BACKENDS[scheme]
    if driver is not None:
        try:
            importlib.import_module(driver)
        except ImportError as exc:
            raise MissingDriver(
                f"the {scheme}:// store needs {driver!r}: pip install 'petridish[{extra}]'"
            ) from exc
    cls: type[Store] = getattr(importlib.import_module(module_name), class_name)
    store = cls.from_url(url)
    if clock is not None:
        store.clock = clock
    return store
