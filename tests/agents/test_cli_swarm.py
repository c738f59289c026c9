"""`petri swarm GOAL.toml`, `petri review` and `petri status` as a person uses them: a result
in the review band waits across processes, approve resumes the run, reject replans it; reviews
are events with who, when and a note; bad input is one line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from petri.runtime.store import from_url

HERE = Path(__file__).resolve().parent

GOAL = """
name = "review me"
agents = ["swarm_toys"]

[[tasks]]
id = "a"
kind = "toy.add"
payload = {n = 5, quality = 0.8, better = 1.0, touches = ["total"]}

[swarm]
workers = 1
"""


def petri(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PETRI_HOME": str(home), "PYTHONPATH": str(HERE)}
    return subprocess.run(
        [sys.executable, "-m", "petri", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def goal(tmp_path: Path, text: str = GOAL) -> Path:
    path = tmp_path / "goal" / "GOAL.toml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def start(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    home = tmp_path / "home"
    ran = petri(home, "swarm", str(goal(tmp_path)), "--json")
    assert ran.returncode == 0, ran.stderr
    return home, json.loads(ran.stdout)


def review_events(tmp_path: Path, run_id: str) -> list[dict[str, Any]]:
    store = from_url(f"sqlite:///{tmp_path / 'goal' / '.petri' / 'petri.db'}")
    kinds = ("review_approved", "review_rejected")
    return [e.payload for e in store.replay(run_id) if e.type in kinds]


@pytest.mark.slow
def test_a_result_waits_for_review_and_approval_resumes_the_run(tmp_path: Path) -> None:
    home, first = start(tmp_path)
    assert first["status"] == "waiting_for_review"
    listed = petri(home, "review", "--json")  # another process: the wait survived the restart
    waiting = json.loads(listed.stdout)
    assert [w["task"] for w in waiting] == ["a"] and waiting[0]["score"] == 0.8
    assert waiting[0]["checks"][0]["evidence"] == {"quality": 0.8}
    human = petri(home, "review")
    assert "petri review approve" in human.stdout and "quality" in human.stdout
    status = petri(home, "status", first["run_id"])
    assert "review" in status.stdout and "waiting_for_review" in status.stdout
    approved = petri(home, "review", "approve", "a", "--note", "looks right", "--who", "ada",
                     "--json")  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    final = json.loads(approved.stdout)
    assert final["status"] == "completed"
    assert final["state"]["total"]["value"] == 5
    [decision] = review_events(tmp_path, first["run_id"])
    assert (decision["who"], decision["note"], decision["decision"]) == ("ada", "looks right",
                                                                          "approve")  # fmt: skip
    assert decision["at"] > 0
    assert json.loads(petri(home, "review", "--json").stdout) == []


@pytest.mark.slow
def test_rejection_replans_the_task(tmp_path: Path) -> None:
    home, first = start(tmp_path)
    rejected = petri(home, "review", "reject", f"{first['run_id']}:a@1", "--note", "no",
                     "--json")  # fmt: skip
    assert rejected.returncode == 0, rejected.stderr
    final = json.loads(rejected.stdout)
    # The replanned task (strategy 1) scores 1.0 and is promoted without a person.
    assert final["status"] == "completed" and final["state"]["total"]["value"] == 5
    graph = {row["task"]: row for row in final["graph"]}
    assert graph["a"]["version"] == 2
    assert review_events(tmp_path, first["run_id"])[0]["decision"] == "reject"


def test_reviewing_an_unknown_id_is_one_line(tmp_path: Path) -> None:
    done = petri(tmp_path / "home", "review", "approve", "nope")
    assert done.returncode == 1
    assert done.stderr.startswith("petri: error: no result waiting for review is named 'nope'")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\ncolour = "red"\n', "unknown key 'colour'"),
        ('name = "x"\n[[tasks]]\nid = "a"\nkind = "k"\nwhen = 1\n', "unknown key 'tasks.0.when'"),
        ('name = "x"\n[[tasks]]\nid = "a"\n', "'tasks.0.kind' is required"),
        ("name = ", "not valid TOML"),
        ('name = "x"\n[[tasks]]\nid = "a"\nkind = "nobody.handles"\n', "no agent handles"),
        ('name = "x"\n', "lists no [[tasks]] and names no planner"),
    ],
)
def test_a_bad_goal_file_is_one_line_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    done = petri(tmp_path / "home", "swarm", str(goal(tmp_path, text)))
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_bad_targets_are_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    norepo = tmp_path / "empty"
    (norepo / "pkg").mkdir(parents=True)
    (norepo / "pkg" / "m.py").write_text("x = 1\n")
    cases = [
        (["swarm", "repair", str(norepo)], "no tests found"),
        (["swarm", "repair", str(tmp_path / "missing")], "does not exist"),
        (["swarm", "fix", "x"], "say what to run"),
        (["swarm", str(tmp_path / "missing.toml")], "does not exist"),
        (["swarm", str(tmp_path)], "is a folder"),
    ]
    for args, expected in cases:
        done = petri(home, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, args
