"""export_branch: a new branch with the program, and the user's checkout exactly as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from petri.errors import IntegrationError, ProgramError
from petri.integrations.git import Commit, ExportResult, export_branch, export_commits, files_at

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

ORIGINAL = "def fizz(n):\n    return 'Fizz'\n"
BETTER = "def fizz(n):\n    return 'FizzBuzz'\n"
# The tests' own commits carry an identity on the command line: the repositories have none.
AS_TESTER = ("-c", "user.name=Tester", "-c", "user.email=tester@example.com")


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No config of the developer's (home, system, environment) may leak into the tests."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in list(os.environ):
        if name.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_")) or name in ("GIT_DIR", "EMAIL"):
            monkeypatch.delenv(name)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on branch main with one commit: pkg/fizz.py and README."""
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    (root / "pkg" / "fizz.py").write_text(ORIGINAL)
    (root / "README").write_text("hello\n")
    git(root, "add", ".")
    git(root, *AS_TESTER, "commit", "--quiet", "-m", "start")
    return root


def worktrees(root: Path) -> list[str]:
    return [line for line in git(root, "worktree", "list", "--porcelain").splitlines() if line]


def branches(root: Path) -> list[str]:
    return git(root, "branch", "--format=%(refname:short)").splitlines()


def test_the_branch_holds_the_new_program(repo: Path) -> None:
    result = export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "petri: best program")
    expected = ExportResult(
        "petri/best", git(repo, "rev-parse", "petri/best"), repo, Path("pkg/fizz.py")
    )
    assert result == expected
    assert git(repo, "show", "petri/best:pkg/fizz.py") + "\n" == BETTER
    assert git(repo, "log", "-1", "--format=%s", "petri/best") == "petri: best program"
    assert git(repo, "rev-parse", "petri/best^") == git(repo, "rev-parse", "main")
    assert git(repo, "diff", "--name-only", "main", "petri/best") == "pkg/fizz.py"


def test_the_users_checkout_is_untouched(repo: Path) -> None:
    (repo / "pkg" / "fizz.py").write_text("# work in progress\n")  # uncommitted change
    (repo / "README").write_text("staged\n")
    git(repo, "add", "README")
    (repo / "notes.txt").write_text("untracked\n")
    before = (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD"))
    index = git(repo, "diff", "--cached")

    export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "petri: best")

    assert (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD")) == before
    assert git(repo, "diff", "--cached") == index
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (repo / "pkg" / "fizz.py").read_text() == "# work in progress\n"
    assert (repo / "notes.txt").read_text() == "untracked\n"
    assert len([w for w in worktrees(repo) if w.startswith("worktree ")]) == 1


def test_a_relative_path_and_a_program_not_yet_committed(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pkg" / "new.py").write_text("x = 1\n")
    monkeypatch.chdir(repo / "pkg")
    result = export_branch(Path("new.py"), "x = 2\n", "petri/new", "petri: new")
    assert result.path == Path("pkg/new.py")
    assert git(repo, "show", "petri/new:pkg/new.py") == "x = 2"
    assert git(repo, "status", "--porcelain") == "?? pkg/new.py"


def test_without_an_identity_petri_signs_the_commit(repo: Path) -> None:
    export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "petri: best")
    assert git(repo, "log", "-1", "--format=%an <%ae>", "petri/best") == "petri <petri@localhost>"


def test_the_users_identity_is_kept_when_configured(repo: Path) -> None:
    git(repo, "config", "user.name", "Ada")
    git(repo, "config", "user.email", "ada@example.com")
    export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "petri: best")
    assert git(repo, "log", "-1", "--format=%an <%ae>", "petri/best") == "Ada <ada@example.com>"


def test_outside_a_repository_suggests_git_init(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(IntegrationError, match=r"not in a git work tree .*git init"):
        export_branch(tmp_path / "plain" / "fizz.py", BETTER, "petri/best", "m")


def test_a_missing_folder_is_a_program_error(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="does not exist"):
        export_branch(tmp_path / "nowhere" / "fizz.py", BETTER, "petri/best", "m")


def test_an_existing_branch_is_left_alone(repo: Path) -> None:
    git(repo, "branch", "petri/best")
    tip = git(repo, "rev-parse", "petri/best")
    with pytest.raises(IntegrationError, match=r"already exists.*git branch -D petri/best"):
        export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "m")
    assert git(repo, "rev-parse", "petri/best") == tip


@pytest.mark.parametrize("name", ["bad..name", "-f", "HEAD", "@{-1}", "a b"])
def test_an_invalid_branch_name_is_refused(repo: Path, name: str) -> None:
    git(repo, "checkout", "--quiet", "-b", "other")  # so that @{-1} would name main
    with pytest.raises(IntegrationError, match="not a valid branch name"):
        export_branch(repo / "pkg" / "fizz.py", BETTER, name, "m")
    assert branches(repo) == ["main", "other"]


def test_a_repository_without_commits_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "--quiet")
    with pytest.raises(IntegrationError, match="no commits yet"):
        export_branch(root / "fizz.py", BETTER, "petri/best", "m")


def test_git_not_installed(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(IntegrationError, match="install git"):
        export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "m")


def test_a_failed_commit_removes_the_branch_and_the_worktree(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'rejected by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(IntegrationError, match="git commit failed: rejected by policy"):
        export_branch(repo / "pkg" / "fizz.py", BETTER, "petri/best", "m")
    assert branches(repo) == ["main"]
    assert len([w for w in worktrees(repo) if w.startswith("worktree ")]) == 1
    assert git(repo, "status", "--porcelain") == ""


# -- export_commits and files_at: a series of changes, as a swarm run exports them ---------------


def test_commits_are_made_in_order_on_top_of_head(repo: Path) -> None:
    commits = [
        Commit({"pkg/fizz.py": BETTER}, "first"),
        Commit({"README": "bye\n", "pkg/new.py": "x = 1\n"}, "second\n\nwith a body\n"),
    ]
    result = export_commits(repo, commits, "petri/series")
    assert result == ExportResult("petri/series", git(repo, "rev-parse", "petri/series"), repo,
                                  Path("."))  # fmt: skip
    assert git(repo, "log", "--format=%s", "main..petri/series").splitlines() == [
        "second",
        "first",
    ]
    assert git(repo, "log", "-1", "--format=%b", "petri/series") == "with a body"
    assert git(repo, "rev-parse", "petri/series~2") == git(repo, "rev-parse", "main")
    assert git(repo, "diff", "--name-only", "main", "petri/series~1") == "pkg/fizz.py"
    assert git(repo, "diff", "--name-only", "petri/series~1", "petri/series").splitlines() == [
        "README",
        "pkg/new.py",
    ]
    assert git(repo, "show", "petri/series:README") == "bye"


def test_paths_are_relative_to_the_folder_given(repo: Path) -> None:
    result = export_commits(repo / "pkg", [Commit({"fizz.py": BETTER}, "m")], "petri/pkg")
    assert result.path == Path("pkg/fizz.py")
    assert git(repo, "show", "petri/pkg:pkg/fizz.py") + "\n" == BETTER


def test_a_series_leaves_a_dirty_checkout_as_it_was(repo: Path) -> None:
    (repo / "pkg" / "fizz.py").write_text("# work in progress\n")
    (repo / "README").write_text("staged\n")
    git(repo, "add", "README")
    before = (git(repo, "status", "--porcelain"), git(repo, "diff", "--cached"))

    export_commits(repo, [Commit({"pkg/fizz.py": BETTER}, "a"), Commit({"README": "b\n"}, "b")],
                   "petri/series")  # fmt: skip

    assert (git(repo, "status", "--porcelain"), git(repo, "diff", "--cached")) == before
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (repo / "pkg" / "fizz.py").read_text() == "# work in progress\n"
    assert len([w for w in worktrees(repo) if w.startswith("worktree ")]) == 1


def test_a_series_starts_from_the_base_given(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    (repo / "README").write_text("later\n")
    git(repo, *AS_TESTER, "commit", "--quiet", "-am", "later")
    export_commits(repo, [Commit({"pkg/fizz.py": BETTER}, "m")], "petri/old", base=first)
    assert git(repo, "rev-parse", "petri/old^") == first
    with pytest.raises(IntegrationError, match="names no commit"):
        export_commits(repo, [Commit({"pkg/fizz.py": BETTER}, "m")], "petri/x", base="nowhere")
    assert branches(repo) == ["main", "petri/old"]


@pytest.mark.parametrize("path", ["../outside.py", "/etc/passwd", ".git/config", "a/../../b", ""])
def test_a_path_outside_the_repository_is_refused(repo: Path, path: str) -> None:
    with pytest.raises(IntegrationError, match="not a file path inside the repository"):
        export_commits(repo, [Commit({path: "x\n"}, "m")], "petri/bad")
    assert branches(repo) == ["main"]


def test_a_write_through_a_committed_symlink_is_refused(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (repo / "link").symlink_to(tmp_path / "elsewhere")
    git(repo, "add", "link")
    git(repo, *AS_TESTER, "commit", "--quiet", "-m", "link")
    with pytest.raises(IntegrationError, match="behind a symbolic link"):
        export_commits(repo, [Commit({"link/evil.py": "x\n"}, "m")], "petri/bad")
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert branches(repo) == ["main"]


def test_a_series_refuses_an_existing_branch_and_a_plain_folder(repo: Path, tmp_path: Path) -> None:
    git(repo, "branch", "petri/series")
    with pytest.raises(IntegrationError, match="already exists"):
        export_commits(repo, [Commit({"README": "x\n"}, "m")], "petri/series")
    (tmp_path / "plain").mkdir()
    with pytest.raises(IntegrationError, match="not in a git work tree"):
        export_commits(tmp_path / "plain", [Commit({"README": "x\n"}, "m")], "petri/series")
    with pytest.raises(IntegrationError, match="does not exist"):
        export_commits(tmp_path / "gone", [Commit({"README": "x\n"}, "m")], "petri/series")
    with pytest.raises(IntegrationError, match="nothing to export"):
        export_commits(repo, [], "petri/other")


def test_a_failure_midway_removes_the_whole_branch(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\nif grep -q second \"$1\"; then echo 'no second' >&2; exit 1; fi\n")
    hook.chmod(0o755)
    commits = [Commit({"README": "one\n"}, "first"), Commit({"README": "two\n"}, "second")]
    with pytest.raises(IntegrationError, match="git commit failed: no second"):
        export_commits(repo, commits, "petri/series")
    assert branches(repo) == ["main"]
    assert len([w for w in worktrees(repo) if w.startswith("worktree ")]) == 1


def test_files_at_reads_the_commit_not_the_checkout(repo: Path) -> None:
    (repo / "pkg" / "fizz.py").write_text("# uncommitted\n")
    head, found = files_at(repo, ["pkg/fizz.py", "pkg", "missing.py"])
    assert head == git(repo, "rev-parse", "HEAD")
    assert found == {"pkg/fizz.py": ORIGINAL, "pkg": None, "missing.py": None}
    assert files_at(repo / "pkg", ["fizz.py"])[1] == {"fizz.py": ORIGINAL}
