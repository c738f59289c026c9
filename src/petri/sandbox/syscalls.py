"""The seccomp filter the jailed worker loads before it serves any candidate.

System calls that let a process escape or inspect its jail (ptrace, reading another process's
memory, loading BPF or kernel modules, mounting, joining namespaces, io_uring) kill the calling
process: a candidate that dies by SIGSYS tried to break out, and its status is ``violation``.
The filter is inherited by every child and cannot be removed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import signal

DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "setns",
    "unshare",
    "open_by_handle_at",
    "name_to_handle_at",
    "keyctl",
    "add_key",
    "request_key",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "acct",
    "quotactl",
    "iopl",
    "ioperm",
)

#: These fail with EPERM instead: SysV and POSIX-mqueue objects outlive every process of the
#: candidate (its memory limit and the per-candidate wipe of /tmp do not reach them), so they
#: would leak memory for the pool's lifetime and carry data from one candidate to the next.
REFUSED = ("shmget", "msgget", "semget", "mq_open")

#: A process killed by the filter dies with this signal.
VIOLATION_SIGNAL = signal.SIGSYS


#: libseccomp's actions (seccomp.h): the default, the filter's verdict on a denied call and
#: the errno answer for a refused one.
_ACT_ALLOW = 0x7FFF0000
_ACT_KILL_PROCESS = 0x80000000
_ACT_ERRNO = 0x00050000
_NR_UNKNOWN = -1  # __NR_SCMP_ERROR: no such system call on this architecture


def install() -> str | None:
    """Load the filter into this process; returns why it could not, or None when loaded.

    libseccomp is called directly rather than through a Python binding: the binding imports
    ctypes.util, which imports threading and random, and their at-fork hooks then run in
    every candidate's child (about 60 more page copies per child, measured through the pool)."""
    try:
        lib = _libseccomp()
    except (OSError, AttributeError) as exc:  # no libseccomp: namespaces and rlimits remain
        return f"seccomp unavailable ({exc})"
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        return "seccomp filter not loaded (seccomp_init failed)"
    try:
        rules = [(name, _ACT_KILL_PROCESS) for name in DENIED]
        rules += [(name, _ACT_ERRNO | errno.EPERM) for name in REFUSED]
        for name, action in rules:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            # Unknown here, or refused for this architecture: the other rules still hold.
            if number != _NR_UNKNOWN:
                lib.seccomp_rule_add(ctx, action, number, 0)
        _check(lib.seccomp_load(ctx), "load")
    except OSError as exc:
        return f"seccomp filter not loaded ({exc})"
    finally:
        lib.seccomp_release(ctx)
    return None


def _libseccomp() -> ctypes.CDLL:
    lib = ctypes.CDLL("libseccomp.so.2")
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.restype = ctypes.c_int
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.restype = ctypes.c_int
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def _check(rc: int, what: str) -> None:
    """libseccomp returns a negated errno on failure."""
    if rc < 0:
        raise OSError(-rc, f"seccomp {what}: {os.strerror(-rc)}")
