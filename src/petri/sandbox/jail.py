"""How a sandbox worker is launched: inside bubblewrap, or with rlimits only (loudly).

The bubblewrap jail gives each worker an empty root with the system read-only (``/usr``), the
interpreter and petri's packages read-only (at their own paths, or under ``/run/petri/rt`` when
they live under ``/tmp``), the problem read-only at ``/problem``, a private size-capped ``/tmp``
holding nothing of the host, fresh pid/net/ipc/uts namespaces (no network at all) and a
scrubbed environment. When petri runs as root the worker drops to an unprivileged uid of its
own inside the jail, because the kernel does not enforce RLIMIT_NPROC for uid 0.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from petri.config import Limits, SandboxSettings
from petri.errors import JailUnavailable
from petri.sandbox.spec import JudgeSpec

JAIL_PROBLEM = "/problem"
JAIL_RUNTIME = "/run/petri/rt"  # where runtime folders that live under the host's /tmp appear
BWRAP_MISSING = (
    "petri: bubblewrap (bwrap) is not usable here, so candidates run with rlimits only: "
    "no filesystem or network isolation. Install it with 'apt-get install bubblewrap'."
)
RLIMITS_CHOSEN = (
    "petri: the sandbox runs with rlimits only (PETRI_SANDBOX__JAIL=rlimits): "
    "no filesystem or network isolation."
)
_MERGED_USR = ("bin", "sbin", "lib", "lib64", "lib32")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")


@dataclass(frozen=True)
class LaunchPlan:
    """Everything needed to start one worker process."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    kind: str  # "bwrap" or "rlimits"
    problem_root: str  # where the worker sees the problem folder
    uid: int | None  # uid the worker drops to, if any
    warning: str | None
    sys_path: list[str]  # the worker's sys.path, as the worker sees it


@functools.cache
def bwrap_usable() -> str | None:
    """The path of a working bwrap, or None. Probed once per process: a namespace-less container
    has the binary but cannot use it."""
    path = shutil.which("bwrap")
    if path is None:
        return None
    probe = [path, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true"]
    try:
        ok = subprocess.run(probe, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return path if ok else None


def plan_launch(
    spec: JudgeSpec, limits: Limits, settings: SandboxSettings, uid: int | None, boot: list[str]
) -> LaunchPlan:
    """The command that starts one worker; ``boot`` is the interpreter argv to run and ``uid``
    the unprivileged uid it drops to (petri running as root), or None."""
    bwrap = bwrap_usable()
    if settings.jail == "bwrap" and bwrap is None:
        raise JailUnavailable(
            "bubblewrap is not installed or cannot create namespaces here; "
            "install it with 'apt-get install bubblewrap' or set PETRI_SANDBOX__JAIL=rlimits"
        )
    env = _scrubbed_env()
    if bwrap is not None and settings.jail != "rlimits":
        argv = [bwrap, *_bwrap_args(spec, limits, env), _jailed_interpreter(boot[0]), *boot[1:]]
        sys_path = [jail_path(p) for p in python_path()]
        return LaunchPlan(argv, {}, "/", "bwrap", JAIL_PROBLEM, uid, None, sys_path)
    warning = BWRAP_MISSING if settings.jail == "auto" else RLIMITS_CHOSEN
    needed = [*runtime_paths(), str(spec.root)]
    if uid is not None and not all(_world_readable(Path(p)) for p in needed):
        uid = None  # the interpreter or the problem lives where an unprivileged uid cannot read it
        warning = (warning or "petri:") + " Running as root: the process limit is not enforced."
    root = str(spec.root)
    return LaunchPlan(boot, env, root, "rlimits", root, uid, warning, python_path())


def runtime_paths() -> list[str]:
    """Folders the worker's interpreter needs: its prefixes, stdlib, site-packages and petri."""
    import petri

    candidates = {
        sys.prefix,
        sys.base_prefix,
        sysconfig.get_paths()["stdlib"],
        str(Path(sys.executable).resolve().parent),
        str(Path(petri.__file__).resolve().parent.parent),
        *python_path(),
    }
    return _outermost(p for p in candidates if os.path.isdir(p))


def python_path() -> list[str]:
    """``sys.path`` for the worker: petri's own location first, then the host's site-packages."""
    import site

    import petri

    own = str(Path(petri.__file__).resolve().parent.parent)
    sites = [p for p in site.getsitepackages() if os.path.isdir(p)]
    return [own, *[p for p in sites if p != own]]


def runtime_binds() -> list[tuple[str, str]]:
    """Each runtime folder and where the jail shows it: at its own path, or at
    ``JAIL_RUNTIME/N`` when it lies under /tmp, which the jail replaces with its private tmpfs
    (a candidate walking /tmp would otherwise see the checkout and its venv)."""
    binds: list[tuple[str, str]] = []
    moved = 0
    for path in runtime_paths():
        if _under(path, "/tmp"):
            binds.append((path, f"{JAIL_RUNTIME}/{moved}"))
            moved += 1
        else:
            binds.append((path, path))
    return binds


def jail_path(path: str) -> str:
    """Where the jail shows host ``path``, a path inside one of the runtime folders."""
    real = str(Path(path).resolve())
    for host, inside in runtime_binds():
        if _under(real, host):
            return inside + real[len(host) :]
    return path


def _jailed_interpreter(executable: str) -> str:
    link = Path(executable)
    real = link.resolve()
    if _under(str(real), "/tmp"):
        # A venv's link and its pyvenv.cfg name this interpreter by a host path the jail does
        # not show: start the interpreter itself (sys.path comes on argv anyway).
        return jail_path(str(real))
    # Keep the venv's own link: sys.executable then names the venv, as it does on the host.
    return str(Path(jail_path(str(link.parent)), link.name))


def _bwrap_args(spec: JudgeSpec, limits: Limits, env: dict[str, str]) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]  # the system, read-only
    for name in _MERGED_USR:
        target = Path("/", name)
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    for path in _ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    tmp_size = str(limits.tmp_mb * 1024 * 1024)
    args += ["--perms", "01777", "--size", tmp_size, "--tmpfs", "/tmp"]
    made: set[str] = set()
    for host, inside in runtime_binds():
        if not _under(inside, "/usr"):  # already bound read-only above
            args += [*_parents(Path(inside), made), "--ro-bind", host, inside]
    args += ["--ro-bind", str(spec.root), JAIL_PROBLEM]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--remount-ro", "/", "--chdir", JAIL_PROBLEM, "--die-with-parent", "--new-session"]
    args += _namespaces()
    args += ["--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def _parents(path: Path, made: set[str]) -> list[str]:
    # bwrap creates missing mount points with mode 0700, which the unprivileged uid the worker
    # drops to could not traverse: create each ancestor world-readable first.
    args: list[str] = []
    for parent in reversed(path.parents[:-1]):
        if str(parent) not in made and not _under(str(parent), "/usr"):
            made.add(str(parent))
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")


def _namespaces() -> list[str]:
    shared = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    if os.geteuid() == 0:
        # Stay in the host user namespace so the worker can drop to a real unprivileged uid,
        # whose process count the kernel does limit; keep caps only until that drop.
        return [*shared, "--unshare-cgroup-try"]
    return [*shared, "--unshare-user", "--unshare-cgroup-try", "--cap-drop", "ALL"]


def _scrubbed_env() -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "USER": "petri",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def _outermost(paths: Iterable[str]) -> list[str]:
    result: list[str] = []
    for path in sorted({str(Path(p).resolve()) for p in paths}):
        if not any(path == kept or path.startswith(kept + "/") for kept in result):
            result.append(path)
    return result


def _world_readable(path: Path) -> bool:
    for part in [path, *path.parents]:
        try:
            mode = part.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True
