"""A world-readable copy of a problem folder for workers that run as another uid.

When petri runs as root its jailed workers drop to an unprivileged uid, which cannot read a
problem folder of mode 0700 (umask 077, or pytest's own tmp_path). Such a folder is copied once
per pool into a temporary folder that uid can read; every other folder is used in place.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from petri.errors import SandboxError

MAX_STAGED_BYTES = 256 * 1024 * 1024
_SKIPPED = shutil.ignore_patterns(".git", ".petri", ".venv", "__pycache__", "*.pyc")


def readable_by_others(root: Path) -> bool:
    """Whether a uid that is neither owner nor group can reach and read all of ``root``."""
    if not all(_mode(p) & stat.S_IXOTH for p in root.parents):
        return False
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", ".petri", ".venv", "__pycache__")]
        if _mode(Path(folder)) & 0o005 != 0o005:
            return False
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink() and not _mode(path) & stat.S_IROTH:
                return False
    return True


def stage(root: Path) -> tempfile.TemporaryDirectory[str]:
    """Copy ``root`` into a fresh folder any uid can read; the copy is at ``<tmp>/problem``."""
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    if size > MAX_STAGED_BYTES:
        raise SandboxError(
            f"{root} is not readable by the sandbox's unprivileged user and too large to copy "
            f"({size // (1024 * 1024)} MiB); run 'chmod -R a+rX {root}'"
        )
    holder = tempfile.TemporaryDirectory(prefix="petri-problem-")
    os.chmod(holder.name, 0o755)
    copy = Path(holder.name, "problem")
    shutil.copytree(root, copy, symlinks=True, ignore=_SKIPPED)
    for folder, _, files in os.walk(copy):
        os.chmod(folder, 0o755)
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink():
                os.chmod(path, _mode(path) | 0o444)
    return holder


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode
    except OSError:
        return 0
