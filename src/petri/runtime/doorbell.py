"""A doorbell: one process of a machine wakes another that waits, instead of it polling.

A pipe made before ``fork`` is shared by the coordinator and its local workers: the coordinator
rings once per task it queues, and an idle worker waiting for work wakes at once; a worker rings
once per task it settles, and the coordinator waiting for results wakes at once. A ring is only
a hint to look again (the queue and the store stay the truth), so a lost or spurious ring costs
at most the waiter's timeout, and waiters that no bell reaches (remote workers) keep polling.
A ring never blocks: when the pipe is full, every waiter is already due to wake.
"""

from __future__ import annotations

import contextlib
import os
import select


class Doorbell:
    """A non-blocking pipe; build one with :meth:`open` before forking the processes it joins."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd

    @classmethod
    def open(cls) -> Doorbell:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        return cls(read_fd, write_fd)

    def ring(self, times: int = 1) -> None:
        """Wake up to ``times`` waiters (one each), or the next ones to wait."""
        if times <= 0:
            return
        with contextlib.suppress(BlockingIOError, BrokenPipeError):
            os.write(self.write_fd, b"\0" * min(times, 4096))

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for one ring and take it; True when rung."""
        return self._wait(timeout, 1)

    def wait_all(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a ring, then take every ring pending; True when
        rung (one waiter that looks at everything needs no more than one wake-up)."""
        return self._wait(timeout, 1 << 16)

    def _wait(self, timeout: float, take: int) -> bool:
        readable, _, _ = select.select([self.read_fd], [], [], max(timeout, 0.0))
        if not readable:
            return False
        try:
            return bool(os.read(self.read_fd, take))
        except BlockingIOError:  # another waiter took the ring first
            return False

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
