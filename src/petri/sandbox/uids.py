"""Unprivileged uids for jailed workers, leased so that no two live workers share one.

The kernel counts RLIMIT_NPROC per uid, and outside a pid namespace a process may signal every
process of its uid: two workers sharing a uid would share one process budget and could kill each
other's candidates. A lease is an exclusive flock on a per-uid lock file, so it ends with the
process that holds it, even after kill -9.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from petri.errors import SandboxError

SPAN = 4096  # uids tried from the configured first one


def default_lock_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"petri-uids-{os.geteuid()}"


@dataclass
class UidLease:
    """One uid, held until ``release()`` or until the holding process ends."""

    uid: int
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1


def lease_uid(first: int, span: int = SPAN, lock_dir: Path | None = None) -> UidLease:
    """The lowest uid in ``[first, first + span)`` that no live worker holds."""
    folder = lock_dir or default_lock_dir()
    _own_folder(folder)
    for uid in range(first, first + span):
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UidLease(uid, fd)
    raise SandboxError(
        f"all {span} sandbox uids from {first} are in use; "
        "stop other petri runs or set PETRI_SANDBOX__UID to another range"
    )


def _own_folder(folder: Path) -> None:
    # Another user could pre-create the folder in /tmp to steal or block leases: refuse it.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid != os.geteuid() or folder.is_symlink():
        raise SandboxError(f"{folder} is not owned by this user; remove it and run again")
