"""``petri evolve`` end to end: queue, local workers, the sandbox, outputs and the run commands."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hidden_slip import HIDDEN
from typer.testing import CliRunner, Result

from petri.cli import app
from petri.evolve.events import EVALUATED
from petri.evolve.journal import RunState
from petri.runtime.store import from_url

pytestmark = pytest.mark.slow


def petri(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def fizz(tmp_path: Path, examples: Path) -> Path:
    dest = tmp_path / "fizzbuzz"
    shutil.copytree(examples / "fizzbuzz", dest, ignore=shutil.ignore_patterns(".petri"))
    return dest


#: A repair of fizzbuzz (its tests move "FizzBuzz" first) whose draws do not move when
#: operators are added.
REPAIR_FIZZ = ("--seed", "1", "--max-evals", "600", "--operators", "statements")


def evolve_json(problem: Path, *args: str) -> dict[str, object]:
    result = petri("evolve", problem, "--json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_evolve_repairs_fizzbuzz_and_writes_its_outputs(fizz: Path, home: Path) -> None:
    summary = evolve_json(fizz, *REPAIR_FIZZ, "--workers", "2")
    assert summary["status"] == "repaired"
    assert set(summary) >= {"run_id", "status", "best", "patch", "evaluations", "duration_s"}
    out = Path(str(summary["out"]))
    assert out.parent == fizz / ".petri" / "runs"
    for name in ("fizz.py", "patch.diff", "pareto.json", "lineage.json", "summary.json"):
        assert (out / name).is_file(), name
    patch = (out / "patch.diff").read_text()
    assert patch.startswith("--- a/fizz.py\n+++ b/fizz.py\n")
    assert patch == summary["patch"]
    assert (
        '"""FizzBuzz: the game children play to learn division."""' in (out / "fizz.py").read_text()
    )
    check = petri("eval", fizz, "--program", out / "fizz.py", "--json")
    assert json.loads(check.stdout)["status"] == "ok"
    lineage = json.loads((out / "lineage.json").read_text())
    assert lineage[0]["id"] == summary["best"]["id"]  # type: ignore[index]
    assert lineage[-1]["op"] == "original"

    run_id = str(summary["run_id"])
    status = petri("status", run_id[:12], "--json")
    assert status.exit_code == 0, status.stderr
    assert json.loads(status.stdout)["status"] == "repaired"
    listed = petri("status", "--json")
    assert [r["run"] for r in json.loads(listed.stdout)] == [run_id]

    again = petri("resume", run_id, "--json")  # a finished run re-summarizes, evaluates nothing
    assert json.loads(again.stdout)["evaluations"] == summary["evaluations"]

    report = petri("report", run_id)
    assert report.exit_code == 0, report.stderr
    html = Path(report.stdout.strip()).read_text()
    assert "<svg" in html and "fizz.py" in html


def test_events_account_for_every_evaluation_once(fizz: Path, home: Path) -> None:
    summary = evolve_json(fizz, "--seed", "2", "--max-evals", "80", "--workers", "1")
    store = from_url(f"sqlite:///{fizz / '.petri' / 'petri.db'}")
    events = list(store.replay(str(summary["run_id"])))
    evaluated = [e.payload["id"] for e in events if e.type == EVALUATED]
    assert len(evaluated) == len(set(evaluated)) == summary["evaluations"]
    state = RunState.replay(str(summary["run_id"]), events)
    assert sorted(r.n for r in state.records.values()) == list(range(1, len(evaluated) + 1))
    assert state.started is not None and state.baseline is not None and state.generations
    assert state.promoted is not None and state.finished is not None
    assert state.finished.evaluations == summary["evaluations"]


def test_export_puts_the_best_program_on_a_branch(fizz: Path, home: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]
    subprocess.run([*git, "init", "-q", str(fizz)], check=True)
    subprocess.run([*git, "-C", str(fizz), "add", "."], check=True)
    subprocess.run([*git, "-C", str(fizz), "commit", "-qm", "start"], check=True)
    summary = evolve_json(fizz, *REPAIR_FIZZ)
    result = petri("export", str(summary["run_id"]), "--git", "--branch", "fix-fizz")
    assert result.exit_code == 0, result.stderr
    shown = subprocess.run(
        ["git", "-C", str(fizz), "show", "fix-fizz:fizz.py"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == Path(str(summary["best"]["path"])).read_text()  # type: ignore[index]


@pytest.mark.parametrize(
    "args, fix",
    [
        (["evolve", "no/such/folder"], "does not exist"),
        (["resume", "r-nothing"], "petri status"),
        (["status", "r-nothing"], "petri status"),
        (["report", "r-nothing"], "petri status"),
        (["export", "r-nothing", "--git"], "petri status"),
    ],
)
def test_bad_input_is_one_line(args: list[str], fix: str, home: Path) -> None:
    result = petri(*args)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("petri: error: ")
    assert fix in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_program_that_does_not_parse_starts_no_run(fizz: Path, home: Path) -> None:
    (fizz / "fizz.py").write_text("def fizzbuzz(n:\n")
    result = petri("evolve", fizz)
    assert result.exit_code == 2
    assert "fix its syntax first" in result.stderr
    assert not (home / "runs").exists()


def test_bad_operators_value(fizz: Path, home: Path) -> None:
    result = petri("evolve", fizz, "--operators", "everything")
    assert result.exit_code == 2
    assert "operators" in result.stderr


def test_donor_operators_alone_need_donors(fizz: Path, home: Path) -> None:
    result = petri("evolve", fizz, "--operators", "donor_body,donor_stmt")
    assert result.exit_code == 2
    assert "draw only from donors" in result.stderr and "--donors FOLDER" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (home / "runs").exists()


def test_the_shadow_test_turns_down_a_patch_overfitted_to_the_tests(
    tmp_path: Path, examples: Path, home: Path
) -> None:
    problem = tmp_path / "discount"
    shutil.copytree(examples / "discount", problem, ignore=shutil.ignore_patterns(".petri"))
    # With this seed `total > True`, which passes the three tests, is among the plausible
    # patches the search finds.
    summary = evolve_json(problem, "--seed", "1", "--max-evals", "300", "--workers", "2")
    shadow = summary["shadow"]
    assert isinstance(shadow, dict) and shadow["mode"] == "repair"
    overfitted = [p for p in shadow["patches"] if "total > True" in p["patch"]]
    assert overfitted and overfitted[0]["divergences"] > 0 and not overfitted[0]["chosen"]
    assert shadow["chosen"] == summary["best"]["id"]  # type: ignore[index]
    out = Path(str(summary["out"]))
    assert json.loads((out / "shadow.json").read_text()) == shadow
    fixed = (out / "shop.py").read_text()
    assert any(f in fixed for f in ("total >= 100", "total > 99", "total + 1 > 100"))

    report = petri("report", str(summary["run_id"]))
    html = Path(report.stdout.strip()).read_text()
    assert "Shadow test" in html and overfitted[0]["id"] in html


UNWRITTEN = {
    "dedup.py": "def dedup(items):\n    return\n",
    "tests/test_dedup.py": (
        "from dedup import dedup\n\n\n"
        "def test_keeps_first_of_each():\n    assert dedup([3, 1, 3, 2, 1]) == [3, 1, 2]\n\n\n"
        "def test_empty():\n    assert dedup([]) == []\n\n\n"
        "def test_one():\n    assert dedup(['a']) == ['a']\n"
    ),
    # Other solutions of the task, under other names: the tests alone cannot write this body.
    "solutions/first.py": (
        "def dedup(xs):\n    out = []\n    for x in xs:\n"
        "        if x not in out:\n            out.append(x)\n    return out\n"
    ),
    "solutions/second.py": "def dedup(values):\n    return sorted(set(values))\n",
}


def test_donors_lend_a_body_to_a_function_left_unwritten(
    make_problem: Callable[..., Path], home: Path
) -> None:
    problem = make_problem(UNWRITTEN)
    alone = evolve_json(problem, "--seed", "1", "--max-evals", "150", "--workers", "1")
    assert alone["status"] != "repaired"
    donors = str(problem / "solutions")  # on the command line, a path like any other
    lent = evolve_json(
        problem, "--seed", "1", "--max-evals", "150", "--workers", "1", "--donors", donors
    )
    assert lent["status"] == "repaired"
    best = Path(str(lent["best"]["path"])).read_text()  # type: ignore[index]
    assert best.startswith("def dedup(items):\n") and "for x in items:" in best  # renamed
    store = from_url(f"sqlite:///{problem / '.petri' / 'petri.db'}")
    try:
        state = RunState.replay(str(lent["run_id"]), store.replay(str(lent["run_id"])))
    finally:
        store.close()
    assert state.started is not None and len(state.started.donors) == 2  # recorded for resume


def test_a_bad_donor_folder_is_one_line_and_starts_no_run(
    make_problem: Callable[..., Path], home: Path
) -> None:
    problem = make_problem(UNWRITTEN)
    result = petri("evolve", problem, "--donors", problem / "nowhere")
    assert result.exit_code == 2
    assert "donor folder" in result.stderr and "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (home / "runs").exists()


#: ``hidden_slip.HIDDEN`` with its tests.
HIDDEN_SLIP = {
    "dedup.py": HIDDEN,
    "tests/test_dedup.py": (
        "from dedup import dedup\n\n\n"
        "def test_keeps_first_of_each():\n    assert dedup([3, 1, 3, 2, 1]) == [3, 1, 2]\n\n\n"
        "def test_empty():\n    assert dedup([]) == []\n\n\n"
        "def test_one():\n    assert dedup(['a']) == ['a']\n\n\n"
        "def test_repeats():\n    assert dedup([5, 5, 5]) == [5]\n"
    ),
}


def test_a_slip_hidden_behind_another_is_found_where_the_tests_crash_next(
    make_problem: Callable[..., Path], home: Path
) -> None:
    # Renamed at both reads, ``out += item`` passes no more tests than the original and is a
    # bigger patch; it raises on line 5, which the original's tests never ran. Kept for it,
    # and its children edited there, ``[item]`` follows (before crash lines: 1,500
    # evaluations and no repair, in each of four seeds).
    problem = make_problem(HIDDEN_SLIP)
    summary = evolve_json(problem, "--seed", "2", "--max-evals", "1500", "--workers", "1")
    assert summary["status"] == "repaired"
    best = Path(str(summary["best"]["path"])).read_text()  # type: ignore[index]
    assert "if item not in out:" in best and "out += [item]" in best
    store = from_url(f"sqlite:///{problem / '.petri' / 'petri.db'}")
    try:
        events = list(store.replay(str(summary["run_id"])))
    finally:
        store.close()
    crashed = [e.payload.get("crashed") for e in events if e.type == EVALUATED]
    assert [5] in crashed  # the line the original never ran, where the children were edited
    # The lines travel with each result through the queue: two workers, the same run.
    again = evolve_json(problem, "--seed", "2", "--max-evals", "1500", "--workers", "2")
    assert (again["evaluations"], again["best"]["id"]) == (  # type: ignore[index]
        summary["evaluations"],
        summary["best"]["id"],  # type: ignore[index]
    )
