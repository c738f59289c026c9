"""Put a program, or a series of changes, on a new git branch without touching the user's checkout.

The commits are made in a temporary ``git worktree``: the user's working tree, index and current
branch are never read or written, so uncommitted work survives. git runs as a subprocess; its
failures become ``IntegrationError`` with a one-line message that says what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from petri.errors import IntegrationError, ProgramError

# Variables that would point git at another repository than the one holding the program.
_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


@dataclass(frozen=True)
class ExportResult:
    """Where the change went: ``commit`` is the branch's tip; ``path``, relative to
    ``repo_root``, is the file changed (or the folder holding every file changed)."""

    branch: str
    commit: str
    repo_root: Path
    path: Path


@dataclass(frozen=True)
class Commit:
    """One commit to make: the full new content of each file it changes, by path relative to
    the folder given to ``export_commits``."""

    files: Mapping[str, str]
    message: str


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTS}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a credential prompt
    return env


def _git(git: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [git, "-C", str(cwd), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",  # not the locale's: file contents are UTF-8 even under LANG=C
            errors="replace",
            env=_env(),
            check=False,
        )
    except OSError as exc:
        raise IntegrationError(f"cannot run git: {exc}; check that git is installed") from exc


def _reason(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {done.returncode}"


def _run(git: str, cwd: Path, *args: str) -> str:
    """Run git; raise ``IntegrationError`` with git's own last word when it fails."""
    done = _git(git, cwd, *args)
    if done.returncode != 0:
        command = next(a for a in args if not a.startswith("-") and "=" not in a)
        raise IntegrationError(f"git {command} failed: {_reason(done)}")
    return done.stdout.strip()


def _git_binary() -> str:
    git = shutil.which("git")
    if git is None:
        raise IntegrationError("git is not installed (not on PATH); install git and retry")
    return git


def _repo_root(git: str, folder: Path) -> Path:
    if not folder.is_dir():
        raise IntegrationError(f"{folder} does not exist; give the folder of a git repository")
    done = _git(git, folder, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise IntegrationError(
            f"{folder} is not in a git work tree ({_reason(done)});"
            " run `git init` there and commit, or export the patch instead"
        )
    return Path(done.stdout.strip()).resolve()


def _check_branch(git: str, root: Path, branch: str) -> None:
    """Refuse an unusable name, an existing branch and a repository without commits."""
    # --branch expands "@{-1}" to the previous branch: accept only names it leaves as given.
    done = _git(git, root, "check-ref-format", "--branch", branch)
    if branch.startswith("-") or done.returncode != 0 or done.stdout.strip() != branch:
        raise IntegrationError(f"{branch!r} is not a valid branch name; choose another name")
    if _git(git, root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode != 0:
        raise IntegrationError(
            f"the repository {root} has no commits yet; commit once (git add, git commit) first"
        )
    if _git(git, root, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").returncode == 0:
        raise IntegrationError(
            f"branch {branch!r} already exists in {root}; choose another name"
            f" or delete it (git branch -D {branch})"
        )


def _identity(git: str, root: Path) -> list[str]:
    """``-c`` options for whatever part of the committer identity the repository lacks."""
    options = []
    for key, fallback in (("user.name", "petri"), ("user.email", "petri@localhost")):
        if _git(git, root, "config", "--get", key).returncode != 0:
            options += ["-c", f"{key}={fallback}"]
    return options


def _inside(prefix: Path, rel: str) -> Path:
    """``rel`` (relative to the exported folder) as a path from the repository root."""
    parts = PurePosixPath(rel.replace(os.sep, "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or ".git" in parts:
        raise IntegrationError(f"{rel!r} is not a file path inside the repository; fix the change")
    return prefix.joinpath(*parts)


def _write(tree: Path, rel: Path, text: str) -> None:
    target = tree / rel
    # A committed symlink on the way could lead the write outside the worktree.
    if not target.parent.resolve().is_relative_to(tree.resolve()):
        raise IntegrationError(f"{rel.as_posix()} lies behind a symbolic link; export it by hand")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():
        target.unlink()
    target.write_bytes(text.encode("utf-8"))


def _commit(git: str, tree: Path, files: Mapping[Path, str], message: str, ident: list[str]) -> str:
    for rel, text in files.items():
        _write(tree, rel, text)
    _run(git, tree, "add", "--force", "--", *(rel.as_posix() for rel in files))
    # --allow-empty: an unchanged file still gets its commit rather than a confusing error.
    _run(git, tree, *ident, "commit", "--quiet", "--allow-empty", "-m", message)
    return _run(git, tree, "rev-parse", "HEAD")


def _start(git: str, root: Path, base: str) -> str:
    """The commit ``base`` names, resolved once so that every step uses the same one."""
    done = _git(git, root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if base.startswith("-") or done.returncode != 0:
        raise IntegrationError(f"{base!r} names no commit in {root}; give a commit or branch")
    return done.stdout.strip()


def _located(folder: Path) -> tuple[str, Path, Path]:
    """git, the repository root and ``folder`` relative to it."""
    git = _git_binary()
    folder = Path(folder).absolute().resolve()
    root = _repo_root(git, folder)
    return git, root, folder.relative_to(root)


def files_at(
    folder: Path, paths: Iterable[str], base: str = "HEAD"
) -> tuple[str, dict[str, str | None]]:
    """The commit ``base`` names and each path's content there (None: no such file).

    Paths are relative to ``folder``, which is in a git work tree; the checkout is not read.
    """
    git, root, prefix = _located(folder)
    commit = _start(git, root, base)
    found: dict[str, str | None] = {}
    for rel in paths:
        spec = f"{commit}:{_inside(prefix, rel).as_posix()}"
        done = _git(git, root, "cat-file", "blob", spec)  # a folder or a missing file fails
        found[rel] = done.stdout if done.returncode == 0 else None
    return commit, found


def export_commits(
    folder: Path, commits: Sequence[Commit], branch: str, *, base: str = "HEAD"
) -> ExportResult:
    """Make ``commits``, in order, on a new ``branch`` made from ``base`` (HEAD by default).

    ``folder`` is in a git work tree and the commits' paths are relative to it. The user's
    working tree, index and current branch are left as they were, dirty or not. An existing
    branch is refused; on any failure the new branch is deleted again.
    """
    if not commits:
        raise IntegrationError(f"no commits to put on branch {branch!r}; nothing to export")
    git, root, prefix = _located(folder)
    planned = [({_inside(prefix, r): t for r, t in c.files.items()}, c.message) for c in commits]
    _check_branch(git, root, branch)
    start = _start(git, root, base)
    ident = _identity(git, root)
    with tempfile.TemporaryDirectory(prefix="petri-export-") as tmp:
        tree = Path(tmp) / "tree"
        _run(git, root, "worktree", "add", "--quiet", "-b", branch, str(tree), start)
        try:
            tip = start
            for files, message in planned:
                tip = _commit(git, tree, files, message, ident)
        except BaseException:
            _git(git, root, "worktree", "remove", "--force", str(tree))
            _git(git, root, "branch", "-D", branch)
            raise
        _git(git, root, "worktree", "remove", "--force", str(tree))
    changed = [rel.as_posix() for files, _ in planned for rel in files]
    path = Path(os.path.commonpath(changed)) if changed else prefix
    return ExportResult(branch=branch, commit=tip, repo_root=root, path=path)


def export_branch(program: Path, new_source: str, branch: str, message: str) -> ExportResult:
    """Commit ``new_source`` as ``program`` on a new ``branch`` made from HEAD.

    The branch is created in the repository that contains ``program``; the file keeps its
    path relative to the repository root. The user's working tree, index and current branch
    are left as they were. On any failure the new branch is deleted again.
    """
    program = Path(program).absolute()
    if not program.parent.is_dir():
        raise ProgramError(f"{program.parent} does not exist; give the path of the program file")
    return export_commits(program.parent, [Commit({program.name: new_source}, message)], branch)
