"""Helpers the queue tests share with the child processes they spawn (importable by name)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from petri.runtime.queue import Queue, RetryPolicy, from_url

if TYPE_CHECKING:
    from petri.runtime.queue.nats_io import Link

T0 = 1_000_000.0


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RealClock:
    """Wall time; ``advance`` sleeps (for backends whose server keeps time, like NATS)."""

    def __call__(self) -> float:
        return time.time()

    def advance(self, seconds: float) -> None:
        time.sleep(seconds)


def open_queue(url: str, name: str, clock: Any, lease_s: float, base: float) -> Queue:
    """A queue handle configured the way the contract suite expects."""
    return from_url(
        url,
        name=name,
        clock=clock,
        lease_s=lease_s,
        retry=RetryPolicy(max_attempts=3, base=base, cap=base * 4),
        rng=random.Random(7),
    )


def hold_one_task(url: str, name: str, fake_now: float | None, lease_s: float, conn: Any) -> None:
    """Child process body: lease one task, report its id, then hang until killed."""
    clock: Any = FakeClock(fake_now) if fake_now is not None else RealClock()
    queue = open_queue(url, name, clock, lease_s, 1.0)
    task = queue.lease()
    conn.send(task.id if task else None)
    time.sleep(600)


@dataclass
class Backend:
    """One backend under test: a URL, a private queue name, and the clock the queues share."""

    scheme: str
    url: str
    clock: Any
    fake: bool  # the clock is a FakeClock (the server keeps no time of its own)
    lease_s: float
    base: float = 10.0  # backoff base of the test retry policy
    name: str = field(default_factory=lambda: "t" + uuid.uuid4().hex[:10])
    opened: list[Queue] = field(default_factory=list)

    def make(self) -> Queue:
        """A new handle (a new consumer) on the same queue; memory:// shares one object."""
        if self.scheme == "memory" and self.opened:
            return self.opened[0]
        queue = open_queue(self.url, self.name, self.clock, self.lease_s, self.base)
        self.opened.append(queue)
        return queue


def on_link(url: str, name: str, step: Callable[[Link], Awaitable[None]]) -> None:
    """Run ``step`` on a NATS link of its own to queue ``name``, as another process would."""
    from petri.runtime.queue.nats_io import Link, Loop  # only the NATS tests need nats-py

    loop, link = Loop(), Link(url, name, 30.0)

    async def run() -> None:
        await link.open()
        try:
            await step(link)
        finally:
            await link.close()

    try:
        loop.run(run())
    finally:
        loop.stop()
