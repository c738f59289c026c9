"""Process-tree control: every descendant dies (daemons too) and /tmp is wiped clean.

Each test runs the function under test in a forked helper, never in the pytest process: the
helper becomes a child subreaper as the jailed worker does, and its exit code is the verdict.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from petri.sandbox.proctree import (
    PR_SET_CHILD_SUBREAPER,
    descendants,
    kill_descendants,
    prctl,
    settle_memory,
    wipe_dir,
)

UNPRIVILEGED_UID = 61999


def in_helper(body: Callable[[int], int], timeout: float = 20.0) -> tuple[int, list[int]]:
    """Fork a helper that runs ``body(report_fd)``; its exit code and the pids it reported."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the helper
        code = 99
        try:
            os.close(r)
            code = body(w)
        finally:
            os._exit(code)
    os.close(w)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the helper did not finish")
        time.sleep(0.01)
    # What the helper's descendants reported; one left alive holds the pipe open, so read
    # only what is there (a blocking read would wait for it forever).
    os.set_blocking(r, False)
    with os.fdopen(r, "rb") as fh:
        reported = [int(x) for x in (fh.read() or b"").split()]
    return os.waitstatus_to_exitcode(status), reported


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def spawn_daemon(report_fd: int) -> None:
    """Double fork + setsid: the daemon is re-parented away from whoever started it."""
    ready_r, ready_w = os.pipe()
    if os.fork() == 0:  # pragma: no cover - middle process
        os.setsid()
        if os.fork() == 0:  # the daemon
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.write(ready_w, f"{os.getpid()}\n".encode())
            while True:
                time.sleep(1)
        os._exit(0)
    os.close(ready_w)
    pid = int(os.read(ready_r, 64).split()[0])
    os.close(ready_r)
    os.write(report_fd, f"{pid}\n".encode())


def test_kill_descendants_kills_a_double_forked_daemon() -> None:
    def body(report_fd: int) -> int:
        prctl(PR_SET_CHILD_SUBREAPER, 1)  # as the jailed worker is
        spawn_daemon(report_fd)
        time.sleep(0.05)  # the middle process exits; the daemon is re-parented to us
        if not descendants(os.getpid()):
            return 3
        killed = kill_descendants(whole_namespace=False)
        if killed < 1:
            return 4
        return 0 if not descendants(os.getpid()) else 5

    code, pids = in_helper(body)
    assert code == 0
    assert len(pids) == 1
    assert not alive(pids[0])


def test_kill_descendants_kills_a_whole_tree() -> None:
    def body(report_fd: int) -> int:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        for _ in range(3):
            if os.fork() == 0:  # pragma: no cover - a child with a grandchild of its own
                if os.fork() == 0:
                    os.write(report_fd, f"{os.getpid()}\n".encode())
                    signal.pause()
                os.write(report_fd, f"{os.getpid()}\n".encode())
                signal.pause()
        deadline = time.monotonic() + 15  # a loaded machine forks slowly
        while len(descendants(os.getpid())) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        built = len(descendants(os.getpid())) == 6
        kill_descendants(whole_namespace=False)
        if not built:
            return 4  # the tree was never built
        return 0 if not descendants(os.getpid()) else 5

    code, pids = in_helper(body)
    assert code == 0  # six descendants existed, and none is left
    assert pids  # those that reported before the kill are dead too
    assert not any(alive(pid) for pid in pids)


def build_tree(root: Path) -> None:
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "a" / "b" / "c" / "deep.txt").write_text("x")
    (root / "a" / "file.txt").write_text("x")
    (root / "locked.txt").write_text("x")
    (root / "ro").mkdir()
    (root / "ro" / "inside.txt").write_text("x")
    os.chmod(root / "a" / "b" / "c", 0)
    os.chmod(root / "a" / "b", 0)
    os.chmod(root / "a", 0)
    os.chmod(root / "locked.txt", 0)
    os.chmod(root / "ro", stat.S_IRUSR | stat.S_IXUSR)


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged uid can reach (pytest's tmp_path sits in a 0700 folder)."""
    path = Path(tempfile.mkdtemp(prefix="petri-test-wipe-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_wipe_dir_removes_chmod_000_folders(shared_dir: Path) -> None:
    """The candidate runs as the worker's unprivileged uid, so root's override is not at hand:
    the helper drops to such a uid before building and wiping the tree."""
    tmp = shared_dir / "tmp"
    tmp.mkdir()
    outside = shared_dir / "outside.txt"
    outside.write_text("must survive")
    if os.geteuid() == 0:
        os.chown(tmp, UNPRIVILEGED_UID, UNPRIVILEGED_UID)

    def body(report_fd: int) -> int:
        if os.geteuid() == 0:
            os.setgroups([])
            os.setresgid(UNPRIVILEGED_UID, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
            os.setresuid(UNPRIVILEGED_UID, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
        build_tree(tmp)
        os.symlink(outside, tmp / "link-out")
        try:
            os.listdir(tmp / "a")
            return 2  # chmod 000 did not bite: the test would prove nothing
        except PermissionError:
            pass
        wipe_dir(str(tmp))
        return 0

    code, _ = in_helper(body)
    assert code == 0
    assert tmp.is_dir()
    assert os.listdir(tmp) == []
    assert outside.read_text() == "must survive"  # a symlink is removed, not followed


def test_wipe_dir_of_a_missing_folder_is_a_no_op(tmp_path: Path) -> None:
    wipe_dir(str(tmp_path / "never-made"))


def test_wipe_dir_removes_flat_and_nested_folders_but_keeps_what_it_is_told(
    tmp_path: Path,
) -> None:
    flat = tmp_path / "petri-candidate"
    flat.mkdir()
    (flat / "prog.py").write_text("x = 1\n")
    (flat / "notes.txt").write_text("left behind\n")
    nested = tmp_path / "deep"
    (nested / "inner").mkdir(parents=True)  # the flat removal gives way to the full walk
    (nested / "inner" / "f").write_text("")
    (nested / "g").write_text("")
    kept = tmp_path / "runtime"
    kept.mkdir()
    (tmp_path / "loose.txt").write_text("")
    wipe_dir(str(tmp_path), keep=("runtime",))
    assert sorted(os.listdir(tmp_path)) == ["runtime"]


def test_settling_collects_cycles_then_freezes_what_is_left() -> None:
    import gc
    import weakref

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    gc.unfreeze()
    cycle = weakref.ref(Node())
    try:
        settle_memory()
        assert cycle() is None  # collected before the freeze, not frozen with the rest
        assert gc.get_freeze_count() > 0  # what survived is out of every later collection
    finally:
        gc.unfreeze()
