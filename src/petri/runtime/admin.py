"""What the CLI calls for ``petri worker`` and ``petri queue stats|dead|redrive``: plain data in
and out, no printing, petri errors only (``cli.py`` turns them into messages and exit codes).
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from petri.errors import ConfigError
from petri.runtime.doorbell import Doorbell
from petri.runtime.queue import from_url
from petri.runtime.store import from_url as store_from_url
from petri.runtime.supervisor import HeartbeatWatch, RestartIntensity, Supervisor
from petri.runtime.worker import Handler, Registry, Worker, run_process

log = logging.getLogger("petri.runtime.admin")

PR_SET_PDEATHSIG = 1


def worker_main(
    broker_url: str,
    concurrency: int,
    handlers: Mapping[str, Handler],
    *,
    store_url: str | None = None,
    timeout_s: float = 300.0,
    intensity: RestartIntensity | None = None,
) -> None:
    """Run ``concurrency`` supervised worker processes on ``broker_url`` until SIGTERM/SIGINT.

    Each process leases the kinds in ``handlers``. Raises ``RestartLimitError`` when workers
    keep crashing, ``BackendError`` when the broker URL is unusable (checked before forking).
    """
    from_url(broker_url).close()  # fail fast on a bad URL or a missing driver
    registry = Registry(handlers)
    if not registry.kinds:
        raise ConfigError("a worker needs at least one handler; name a mapping kind -> function")
    supervisor = Supervisor(
        make_target(broker_url, registry, store_url=store_url, timeout_s=timeout_s),
        concurrency,
        intensity=intensity,
        watch=HeartbeatWatch(timeout_s=timeout_s + 60.0),
    )
    log.info("starting %d worker(s) on %s for %s", concurrency, broker_url, registry.kinds)
    supervisor.run()


def load_handlers(spec: str) -> dict[str, Handler]:
    """The handlers named by ``module[:ATTR]``: a mapping of task kind to function (ATTR
    defaults to ``HANDLERS``), imported as ``python -c "import module"`` would find it."""
    module_name, _, attr = spec.partition(":")
    attr = attr or "HANDLERS"
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module: any failure is theirs to fix
        raise ConfigError(
            f"cannot import handlers module {module_name!r} ({type(exc).__name__}: {exc}); "
            "run from its folder or add it to PYTHONPATH"
        ) from exc
    handlers = getattr(module, attr, None)
    if not isinstance(handlers, Mapping) or not handlers:
        raise ConfigError(f"{module_name}.{attr} must be a non-empty dict of kind -> function")
    bad = [k for k, v in handlers.items() if not isinstance(k, str) or not callable(v)]
    if bad:
        raise ConfigError(f"{module_name}.{attr}[{bad[0]!r}] must map a str kind to a function")
    return dict(handlers)


def make_target(
    broker_url: str,
    registry: Registry,
    *,
    store_url: str | None = None,
    timeout_s: float = 300.0,
    queue_options: Mapping[str, Any] | None = None,
    poll_s: float = 0.05,
    work: Doorbell | None = None,
    results: Doorbell | None = None,
) -> Callable[[int, Callable[[], None]], None]:
    """The body of one supervised worker process (connections are opened in the child).

    Local workers of a coordinator share its doorbells: they wait on ``work`` when idle
    instead of sleeping ``poll_s``, and ring ``results`` after each task.
    """

    def target(index: int, beat: Callable[[], None]) -> None:
        queue = from_url(broker_url, **dict(queue_options or {}))
        store = store_from_url(store_url) if store_url else None
        worker = Worker(
            queue,
            registry,
            store=store,
            timeout_s=timeout_s,
            poll_s=poll_s,
            beat=beat,
            sleep=time.sleep if work is None else work.wait,
            settled=(lambda: None) if results is None else results.ring,
        )
        run_process(worker)

    return target


def queue_stats(url: str) -> dict[str, int]:
    """Tasks per status, every status present: ``{"pending": 3, "leased": 1, ...}``."""
    with from_url(url) as queue:
        return {status.value: count for status, count in queue.stats().items()}


def lease_ages(url: str, limit: int = 1000) -> list[float]:
    """Seconds each live lease has been held, oldest first (see ``Queue.lease_ages``)."""
    with from_url(url) as queue:
        return queue.lease_ages(limit)


def dead_tasks(url: str, limit: int = 100) -> list[dict[str, Any]]:
    """Dead-lettered tasks, oldest first: id, kind, attempts, error, traceback, payload."""
    with from_url(url) as queue:
        return [
            {
                "id": task.id,
                "kind": task.kind,
                "attempts": task.attempts,
                "error": task.error,
                "traceback": task.traceback,
                "payload": task.payload,
            }
            for task in queue.dead(limit)
        ]


def redrive(url: str, ids: Iterable[str]) -> int:
    """Put the named dead tasks back to pending; return how many were reset."""
    with from_url(url) as queue:
        return queue.redrive(ids)


def die_with_parent() -> None:
    """In a local worker process: die when the coordinator that forked it dies, even by
    SIGKILL, so a killed run leaves no worker behind (its leases expire and are reclaimed)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() == 1:  # the coordinator died before the flag was set
        os._exit(0)
