"""Put a program on a new git branch without touching the user's checkout.

The commit is made in a temporary ``git worktree``: the user's working tree, index and current
branch are never read or written, so uncommitted work survives. git runs as a subprocess; its
failures become ``IntegrationError`` with a one-line message that says what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from petri.errors import IntegrationError, ProgramError

# Variables that would point git at another repository than the one holding the program.
_REDIRECTS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX")


@dataclass(frozen=True)
class ExportResult:
    """Where the program went: ``path`` is relative to ``repo_root``."""

    branch: str
    commit: str
    repo_root: Path
    path: Path


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTS}
    env["GIT_TERMINAL_PROMPT"] = "0"  # never wait for a credential prompt
    return env


def _git(git: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [git, "-C", str(cwd), *args], capture_output=True, text=True, env=_env(), check=False
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
        raise ProgramError(f"{folder} does not exist; give the path of the program file")
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


def _commit(git: str, tree: Path, *, rel: Path, source: str, message: str, ident: list[str]) -> str:
    target = tree / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink():  # writing through a link could reach files outside the worktree
        target.unlink()
    target.write_bytes(source.encode("utf-8"))
    _run(git, tree, "add", "--force", "--", rel.as_posix())
    # --allow-empty: an unchanged program still gets its branch rather than a confusing error.
    _run(git, tree, *ident, "commit", "--quiet", "--allow-empty", "-m", message)
    return _run(git, tree, "rev-parse", "HEAD")


def export_branch(program: Path, new_source: str, branch: str, message: str) -> ExportResult:
    """Commit ``new_source`` as ``program`` on a new ``branch`` made from HEAD.

    The branch is created in the repository that contains ``program``; the file keeps its
    path relative to the repository root. The user's working tree, index and current branch
    are left as they were. On any failure the new branch is deleted again.
    """
    git = _git_binary()
    folder = Path(program).absolute().parent.resolve()
    root = _repo_root(git, folder)
    rel = folder.relative_to(root) / Path(program).name
    _check_branch(git, root, branch)
    ident = _identity(git, root)
    with tempfile.TemporaryDirectory(prefix="petri-export-") as tmp:
        tree = Path(tmp) / "tree"
        _run(git, root, "worktree", "add", "--quiet", "-b", branch, str(tree), "HEAD")
        try:
            commit = _commit(git, tree, rel=rel, source=new_source, message=message, ident=ident)
        except BaseException:
            _git(git, root, "worktree", "remove", "--force", str(tree))
            _git(git, root, "branch", "-D", branch)
            raise
        _git(git, root, "worktree", "remove", "--force", str(tree))
    return ExportResult(branch=branch, commit=commit, repo_root=root, path=rel)
