"""export_swarm_git: a swarm run's kept changes as commits on a new branch, the checkout untouched.

The runs are fabricated as events in a SQLite store, as the coordinator writes them; reverts
are computed by the repository world model itself, as an investigation computes them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from petri.agents import journal
from petri.agents.journal import Promotion, SwarmState
from petri.agents.models import SwarmTask
from petri.agents.repo.export import export_swarm_git, message
from petri.agents.repo.rubric import repair_rubric
from petri.agents.repo.workspace import file_key, publish, put_blob
from petri.agents.repo.world import RepoWorld
from petri.errors import ConfigError, IntegrationError
from petri.runtime.runs import RunInfo, register
from petri.runtime.store import NewEvent
from petri.runtime.store import from_url as store_from_url

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

RUN = "r20250101-000000-abc123"
FIZZ = "def fizz(n):\n    a = 1\n    b = 2\n    c = 3\n    d = 4\n    return 'Fizz'\n"
BUZZ = "def buzz(n):\n    return 'Buzz'\n"


@pytest.fixture(autouse=True)
def _no_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's git config and any enclosing repository stay out of the tests."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in list(os.environ):
        if name.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_")) or name == "GIT_DIR":
            monkeypatch.delenv(name)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "Tester")
    git(root, "config", "user.email", "tester@example.com")
    (root / "pkg" / "fizz.py").write_text(FIZZ)
    (root / "pkg" / "buzz.py").write_text(BUZZ)
    (root / "README").write_text("hello\n")
    commit_all(root, "start")
    return root


class FakeRun:
    """A repair run's events, written as the coordinator and an investigation write them."""

    def __init__(self, tmp_path: Path, root: Path) -> None:
        self.home = tmp_path / "petri-home"
        self.root = root
        self.url = f"sqlite:///{tmp_path}/petri.db"
        self.store = store_from_url(self.url)
        self.digest = publish(self.store, root)
        self.values: dict[str, Any] = {}
        self.promotions: list[Promotion] = []
        started = {"repo_digest": self.digest, "repo": {"root": str(root)}}
        self.events = [NewEvent(RUN, journal.SWARM_STARTED, started)]

    def event(self, etype: str, payload: dict[str, Any]) -> None:
        self.events.append(NewEvent(RUN, etype, payload))

    def change(self, tid: str, rel: str, text: str, title: str = "", fixed: int = 1) -> None:
        """Plan, run, judge and promote task ``tid``, which writes ``text`` to ``rel``."""
        task = SwarmTask(id=tid, kind="repair", payload={"file": rel}, title=title or f"fix {rel}")
        tests = [f"tests/test_{rel[4:-3]}.py::test_{n}" for n in range(fixed)]
        result = {"fixed": tests, "targets": tests, "regressions": [], "changed_lines": 1,
                  "complexity": {"before": 1, "after": 1}}  # fmt: skip
        verdict = repair_rubric().judge(task, result, approve_at=0.9, review_at=0.5)
        self.event(journal.TASK_PLANNED, {"task": task.model_dump(mode="json")})
        self.event(journal.TASK_DONE, {"task": f"{RUN}/{tid}@1", "result": result})
        self.event(journal.TASK_JUDGED, {"task": tid, "version": 1,
                                         "verdict": verdict.model_dump(mode="json")})  # fmt: skip
        key = file_key(rel)
        value = {"blob": put_blob(self.store, text), "task": tid}
        self.promote(journal.TASK_PROMOTED, {"task": tid, "version": 1}, key, value)
        self.promotions.append(Promotion(tid, 1, key, value, len(self.promotions) + 1,
                                         self.values.get(key)))  # fmt: skip
        self.values[key] = value

    def revert(self, tid: str) -> None:
        """Undo task ``tid``'s promotion with the world model's own three-way merge."""
        index = next(i for i, p in enumerate(self.promotions) if p.task == tid)
        culprit = self.promotions[index]
        value = RepoWorld(self.store, self.digest).revert(culprit, self.values.get(culprit.key))
        payload = {"promotion": index, "task": tid}
        self.promote(journal.PROMOTION_REVERTED, payload, culprit.key, value)
        self.promotions.append(Promotion(f"revert:{tid}", 0, culprit.key, value, 0, None))
        self.values[culprit.key] = value

    def promote(self, etype: str, payload: dict[str, Any], key: str, value: Any) -> None:
        before = self.values.get(key)
        state_version = len(self.promotions) + 1
        self.event(etype, {**payload, "key": key, "value": value, "before": before,
                           "state_version": state_version})  # fmt: skip

    def register(self, kind: str = "swarm", problem: Path | None = None) -> Path:
        self.store.append_many(self.events)
        info = RunInfo(run_id=RUN, problem=str(problem or self.root), store=self.url,
                       queue="memory://", out=str(self.home / "out"), created=0.0,
                       kind=kind)  # fmt: skip
        register(self.home, info)
        return self.home


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def log(root: Path, branch: str) -> list[str]:
    """The subjects of the branch's own commits, oldest first."""
    return git(root, "log", "--reverse", "--format=%s", f"main..{branch}").splitlines()


def show(root: Path, rev: str, rel: str) -> str:
    return git(root, "show", f"{rev}:{rel}")


def test_one_commit_per_kept_promotion_in_order(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    fizz = edit(FIZZ, "'Fizz'", "'FizzBuzz'")
    buzz = edit(BUZZ, "'Buzz'", "'Buzzer'")
    run.change("fix-fizz", "pkg/fizz.py", fizz, title="pkg/fizz.py: fizz (2 failing)")
    run.change("fix-buzz", "pkg/buzz.py", buzz, title="pkg/buzz.py: buzz (1 failing)")
    run.change("bad-fizz", "pkg/fizz.py", edit(fizz, "a = 1", "a = 99"))
    run.revert("bad-fizz")

    result = export_swarm_git(run.register(), RUN, None)

    assert result.branch == f"petri/{RUN}"
    assert result.commit == git(repo, "rev-parse", result.branch).strip()
    assert result.repo_root == repo.resolve()
    assert log(repo, result.branch) == [
        "petri swarm: pkg/fizz.py: fizz (2 failing)",
        "petri swarm: pkg/buzz.py: buzz (1 failing)",
    ]
    first, second = f"{result.branch}~1", result.branch
    assert show(repo, first, "pkg/fizz.py") == fizz
    assert show(repo, first, "pkg/buzz.py") == BUZZ
    assert (show(repo, second, "pkg/fizz.py"), show(repo, second, "pkg/buzz.py")) == (fizz, buzz)
    assert git(repo, "diff", "--name-only", first, second).split() == ["pkg/buzz.py"]


def test_the_message_carries_the_judges_evidence(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    title = "pkg/fizz.py: " + "a_very_long_function_name_" * 4 + " (3 failing)"
    fizz = edit(FIZZ, "'Fizz'", "'FizzBuzz'")
    run.change("fix-fizz", "pkg/fizz.py", fizz, title=title, fixed=3)

    result = export_swarm_git(run.register(), RUN, "petri/fizz")

    subject, blank, *body = (
        git(repo, "log", "-1", "--format=%B", result.branch).strip().splitlines()
    )
    assert len(subject) == 72
    assert subject.startswith("petri swarm: pkg/fizz.py: a_very_long")
    assert subject.endswith("...")
    assert blank == ""
    assert body[0] == "Judge score 1.00:"
    assert body[1] == (
        "- fixes_failing_tests 1.00: fixed tests/test_fizz.py::test_0 +2 more; still failing none"
    )
    assert body[2] == "- fixes_all_targets 1.00: passing 3; targets 3"
    assert "- no_regression 1.00: guards 0; regressions none" in body
    assert "- small_patch 1.00: changed lines 1" in body
    assert body[-1] == f"Run: {RUN}, task fix-fizz@1"


def test_a_change_reverted_after_a_later_one_never_shows(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    bad = edit(FIZZ, "a = 1", "a = 99")
    later = edit(bad, "d = 4", "d = 44")
    last = edit(later, "'Fizz'", "'FizzBuzz'")
    run.change("bad", "pkg/fizz.py", bad)
    run.change("later", "pkg/fizz.py", later, title="later")
    run.change("last", "pkg/fizz.py", last, title="last")
    run.revert("bad")  # the investigation merges bad's change out of last's content

    result = export_swarm_git(run.register(), RUN, None)

    assert log(repo, result.branch) == ["petri swarm: later", "petri swarm: last"]
    assert show(repo, f"{result.branch}~1", "pkg/fizz.py") == edit(FIZZ, "d = 4", "d = 44")
    assert show(repo, result.branch, "pkg/fizz.py") == edit(
        edit(FIZZ, "d = 4", "d = 44"), "'Fizz'", "'FizzBuzz'"
    )


def test_the_users_checkout_is_untouched(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.change("fix-buzz", "pkg/buzz.py", edit(BUZZ, "'Buzz'", "'Buzzer'"))
    home = run.register()
    (repo / "pkg" / "buzz.py").write_text("# work in progress\n")
    (repo / "README").write_text("staged\n")
    git(repo, "add", "README")
    (repo / "notes.txt").write_text("untracked\n")
    before = [git(repo, *a) for a in (["status", "--porcelain"], ["diff"], ["diff", "--cached"])]

    export_swarm_git(home, RUN, None)

    after = [git(repo, *a) for a in (["status", "--porcelain"], ["diff"], ["diff", "--cached"])]
    assert after == before
    assert git(repo, "symbolic-ref", "--short", "HEAD").strip() == "main"
    assert (repo / "pkg" / "buzz.py").read_text() == "# work in progress\n"
    assert (repo / "notes.txt").read_text() == "untracked\n"


def test_a_head_that_moved_on_gets_the_change_merged_in(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.change("fix-fizz", "pkg/fizz.py", edit(FIZZ, "'Fizz'", "'FizzBuzz'"))
    home = run.register()
    (repo / "pkg" / "fizz.py").write_text(edit(FIZZ, "a = 1", "a = 10"))
    commit_all(repo, "meanwhile")

    result = export_swarm_git(home, RUN, None)

    expected = edit(edit(FIZZ, "a = 1", "a = 10"), "'Fizz'", "'FizzBuzz'")
    assert show(repo, result.branch, "pkg/fizz.py") == expected


def test_uncommitted_work_the_run_saw_stays_out_of_the_branch(tmp_path: Path, repo: Path) -> None:
    wip = edit(FIZZ, "b = 2", "b = 20")
    (repo / "pkg" / "fizz.py").write_text(wip)  # the run reads the folder as it is
    run = FakeRun(tmp_path, repo)
    run.change("fix-fizz", "pkg/fizz.py", edit(wip, "'Fizz'", "'FizzBuzz'"))

    result = export_swarm_git(run.register(), RUN, None)

    assert show(repo, result.branch, "pkg/fizz.py") == edit(FIZZ, "'Fizz'", "'FizzBuzz'")
    assert (repo / "pkg" / "fizz.py").read_text() == wip


def test_a_conflict_with_head_is_refused_naming_the_file(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.change("fix-fizz", "pkg/fizz.py", edit(FIZZ, "'Fizz'", "'FizzBuzz'"))
    home = run.register()
    (repo / "pkg" / "fizz.py").write_text(edit(FIZZ, "'Fizz'", "'Fuzz'"))
    commit_all(repo, "meanwhile")

    with pytest.raises(IntegrationError, match=r"pkg/fizz.py changed since the run.*check out"):
        export_swarm_git(home, RUN, None)
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]


def test_an_existing_branch_is_refused(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.change("fix-fizz", "pkg/fizz.py", edit(FIZZ, "'Fizz'", "'FizzBuzz'"))
    git(repo, "branch", f"petri/{RUN}")
    with pytest.raises(IntegrationError, match="already exists"):
        export_swarm_git(run.register(), RUN, None)
    assert git(repo, "rev-parse", f"petri/{RUN}") == git(repo, "rev-parse", "main")


def test_a_folder_that_is_not_a_repository_is_refused(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.change("fix-fizz", "pkg/fizz.py", edit(FIZZ, "'Fizz'", "'FizzBuzz'"))
    plain = tmp_path / "plain"
    shutil.copytree(repo, plain, ignore=shutil.ignore_patterns(".git"))
    with pytest.raises(IntegrationError, match="not in a git work tree"):
        export_swarm_git(run.register(problem=plain), RUN, None)


def test_a_run_that_kept_nothing_is_refused(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.change("bad", "pkg/fizz.py", edit(FIZZ, "'Fizz'", "'FizzBuzz'"))
    run.revert("bad")
    with pytest.raises(IntegrationError, match=f"run {RUN} promoted no change; nothing to export"):
        export_swarm_git(run.register(), RUN, None)
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main"]


def test_an_evolve_run_is_refused(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    with pytest.raises(ConfigError, match="not a swarm run"):
        export_swarm_git(run.register(kind="evolve"), RUN, None)


def test_a_swarm_run_without_a_repository_is_refused(tmp_path: Path, repo: Path) -> None:
    run = FakeRun(tmp_path, repo)
    run.events[0] = NewEvent(RUN, journal.SWARM_STARTED, {"goal": "general"})
    with pytest.raises(ConfigError, match="did not work on a repository"):
        export_swarm_git(run.register(), RUN, None)


def test_a_message_without_a_verdict_says_so() -> None:
    promotion = Promotion("t1", 2, "file:pkg/fizz.py", None, 1, None)
    assert message(SwarmState(RUN), promotion).splitlines() == [
        "petri swarm: t1",
        "",
        "No verdict of the judge was recorded.",
        "",
        f"Run: {RUN}, task t1@2",
    ]
