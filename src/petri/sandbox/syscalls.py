"""The seccomp filter the jailed worker loads before it serves any candidate.

System calls that let a process escape or inspect its jail (ptrace, reading another process's
memory, loading BPF or kernel modules, mounting, joining namespaces, io_uring) kill the calling
process: a candidate that dies by SIGSYS tried to break out, and its status is ``violation``.
The filter is inherited by every child and cannot be removed.
"""

from __future__ import annotations

import errno
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


def prepare() -> None:
    """Import libseccomp's binding while still privileged: locating the shared library runs
    ldconfig, which a non-dumpable unprivileged worker cannot always do."""
    import contextlib
    import importlib

    with contextlib.suppress(ImportError, OSError, RuntimeError):
        importlib.import_module("pyseccomp")


def install() -> str | None:
    """Load the filter into this process; returns why it could not, or None when loaded."""
    try:
        import pyseccomp
    except (ImportError, OSError, RuntimeError) as exc:  # no libseccomp: namespaces remain
        return f"seccomp unavailable ({exc})"
    flt = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in DENIED:
        try:
            flt.add_rule(pyseccomp.KILL_PROCESS, name)
        except (ValueError, RuntimeError, OSError):
            continue  # not a system call on this architecture
    for name in REFUSED:
        try:
            flt.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
        except (ValueError, RuntimeError, OSError):
            continue
    try:
        flt.load()
    except (RuntimeError, OSError) as exc:
        return f"seccomp filter not loaded ({exc})"
    return None
