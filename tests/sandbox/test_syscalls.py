"""The seccomp filter, loaded through libseccomp (what the worker may import: test_pool.py)."""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from petri.sandbox import syscalls

PTRACE_TRACEME = 0


def _have_libseccomp() -> bool:
    try:
        syscalls._libseccomp()
    except OSError:
        return False
    return True


needs_seccomp = pytest.mark.skipif(
    not _have_libseccomp(), reason="libseccomp.so.2 is not installed (apt install libseccomp2)"
)


def _in_a_child(body: str) -> int:
    """Run ``body`` (after loading the filter) in a fork; its wait status."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            if syscalls.install() is not None:
                os._exit(3)
            exec(body, {"ctypes": ctypes, "os": os})
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return status


@needs_seccomp
def test_a_denied_call_kills_the_process_with_the_violation_signal() -> None:
    status = _in_a_child(f"ctypes.CDLL(None).ptrace({PTRACE_TRACEME}, 0, 0, 0)")
    assert os.WIFSIGNALED(status)
    assert os.WTERMSIG(status) == syscalls.VIOLATION_SIGNAL


@needs_seccomp
def test_a_refused_call_fails_with_eperm_and_the_process_goes_on() -> None:
    body = (
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "ok = libc.shmget(0, 4096, 0o1600) == -1 and ctypes.get_errno() == 1\n"
        "os._exit(0 if ok else 5)\n"
    )
    status = _in_a_child(body)
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 0


@needs_seccomp
def test_an_allowed_call_still_works() -> None:
    status = _in_a_child("os.getpid()\nos.kill(os.getpid(), 0)\n")
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 0


def test_without_libseccomp_install_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> ctypes.CDLL:
        raise OSError("libseccomp.so.2: cannot open shared object file")

    monkeypatch.setattr(syscalls, "_libseccomp", missing)
    reason = syscalls.install()
    assert reason is not None
    assert reason.startswith("seccomp unavailable (libseccomp.so.2")


def test_a_negative_return_is_the_negated_errno() -> None:
    with pytest.raises(OSError) as exc:
        syscalls._check(-errno.EINVAL, "load")
    assert exc.value.errno == errno.EINVAL
    assert "seccomp load" in str(exc.value)
    syscalls._check(0, "load")  # success raises nothing
