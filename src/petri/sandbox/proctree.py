"""Process-tree control for the jailed worker: prctl flags, settling its memory before it
forks, killing every descendant, wiping /tmp.

The worker is a child subreaper, so a candidate's daemonized grandchildren (double fork + setsid)
are re-parented to the worker instead of escaping to init; killing "every descendant" then
really means every process the candidate ever started.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import os
import signal
import time

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}) failed: {os.strerror(err)}")


def harden_worker() -> None:
    """Make the worker un-ptrace-able and unreadable through /proc, and a subreaper."""
    prctl(PR_SET_DUMPABLE, 0)  # else a forked candidate could ptrace or read our memory
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def settle_memory() -> None:
    """Last step of a worker's warm-up, before its first fork: collect garbage and freeze what
    is left, so that a child's collector never touches, and so never copies, the worker's
    objects. (Trimming the heap as well saved a few page copies per child, but left the
    harness no room to report after a candidate used up its address space.)"""
    gc.collect()
    gc.freeze()


def descendants(root: int) -> list[int]:
    """Every live descendant of ``root`` (breadth first), read from /proc."""
    found: list[int] = []
    queue = [root]
    while queue:
        pid = queue.pop()
        for task in _tasks(pid):
            with contextlib.suppress(OSError):
                with open(f"/proc/{pid}/task/{task}/children") as listing:
                    children = listing.read().split()
                for child in map(int, children):
                    found.append(child)
                    queue.append(child)
    return found


def _tasks(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def kill_descendants(*, whole_namespace: bool, grace_s: float = 2.0) -> int:
    """SIGKILL every descendant of this process and reap them; returns how many were killed.

    In a private pid namespace ``kill(-1)`` reaches every process but init and ourselves in one
    call, which a fork bomb cannot outrun; elsewhere we walk the tree until it stays empty.
    """
    if whole_namespace and _swept_empty():
        return 0  # the usual case after a candidate: nothing to walk /proc for
    me = os.getpid()
    killed = 0
    deadline = time.monotonic() + grace_s
    while True:
        if whole_namespace:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
        pids = descendants(me)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed += len(pids)
        reap_all()
        if not descendants(me) or time.monotonic() > deadline:
            return killed
        time.sleep(0.002)


def _swept_empty() -> bool:
    """In a private pid namespace: SIGKILL every process but init and this one; True when
    there was none (not even a zombie: ``kill`` reaches those too)."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        return True
    return False


def reap_all() -> None:
    """Collect every exited child so none is left a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def wipe_dir(path: str, keep: tuple[str, ...] = ()) -> None:
    """Remove everything inside ``path`` (the candidate's /tmp), even after chmod tricks."""
    try:
        entries = os.listdir(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return
        raise
    for name in entries:
        if name in keep:
            continue
        target = os.path.join(path, name)
        if os.path.isdir(target) and not os.path.islink(target):
            if not _remove_flat(target):
                _rmtree(target)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)


def _remove_flat(folder: str) -> bool:
    """Remove a folder of plain files (a candidate's usual leftovers) without shutil's walk;
    False, with part of it possibly removed, when it holds more than that."""
    try:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
    except OSError:
        return False
    return True


def _rmtree(target: str) -> None:
    import shutil  # only for deep leftovers: it brings bz2, lzma and their libraries

    shutil.rmtree(target, onerror=_force)


def _force(func: object, target: str, exc: object) -> None:
    """shutil.rmtree's error handler: make the entry and its folder writable, then remove."""
    with contextlib.suppress(OSError):
        os.chmod(os.path.dirname(target) or target, 0o700)
        os.chmod(target, 0o700)
        if os.path.isdir(target) and not os.path.islink(target):
            _rmtree(target)
        else:
            os.unlink(target)
