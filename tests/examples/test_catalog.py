"""The bundled examples: every folder is in CATALOG.toml and its judge agrees with its kind.

A repair example fails its own tests while its reference fix (holdout/fixed.py) passes them and
the held-out tests; an improve example passes both; a score example evaluates, and its reference
program, when it has one, scores higher. Everything is judged in petri's sandbox.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from petri.config import CONFIG_FILE
from petri.problem import Problem, load_problem, read_source
from petri.sandbox import Evaluation, Status, WorkerPool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CATALOG: dict[str, dict[str, Any]] = tomllib.loads(
    (EXAMPLES / "CATALOG.toml").read_text(encoding="utf-8")
)
FIELDS = {"kind", "bug", "edits", "summary"}
#: The categories every benchmark must cover, then the others the catalog may use.
REQUIRED_BUGS = {
    "wrong-operator",
    "off-by-one",
    "wrong-identifier",
    "wrong-constant",
    "missing-statement",
    "swapped-arguments",
    "wrong-slice",
    "missing-base-case",
}
BUGS = REQUIRED_BUGS | {"missing-guard", "missing-clamp", "misplaced-statement"}
#: Examples written before holdout/ folders existed.
NO_HOLDOUT = {"fizzbuzz"}


def _named(kind: str) -> list[str]:
    return sorted(name for name, entry in CATALOG.items() if entry.get("kind") == kind)


def _judge(problem: Problem, *sources: str) -> list[Evaluation]:
    """Evaluate each source with the problem's judge, on one warm sandbox worker."""
    sandbox = problem.settings.sandbox.model_copy(update={"workers": 1})
    with WorkerPool(problem.judge_spec(), problem.settings.limits, sandbox) as pool:
        return [pool.evaluate(source) for source in sources]


def _holdout_problem(example: Path, dest: Path) -> Problem:
    """A copy of the example whose tests/ are its held-out tests."""
    program = load_problem(example).program
    (dest / "tests").mkdir(parents=True)
    shutil.copy(example / program, dest / program)
    shutil.copy(example / CONFIG_FILE, dest / CONFIG_FILE)
    for test in sorted((example / "holdout").glob("test_*.py")):
        shutil.copy(test, dest / "tests" / test.name)
    return load_problem(dest)


def _all_passed(evaluation: Evaluation) -> bool:
    tests = evaluation.tests
    return evaluation.status is Status.OK and len(tests) > 0 and evaluation.passed == len(tests)


#: Folders that are collections of their own: repositories for `petri swarm repair` (with
#: their own catalog) and goal files for `petri swarm`.
COLLECTIONS = {"openevolve", "repos", "swarm"}


def test_every_example_folder_is_catalogued() -> None:
    folders = {
        p.name
        for p in EXAMPLES.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in COLLECTIONS
    }
    assert sorted(set(CATALOG) - folders) == [], "catalogued but missing"
    assert sorted(folders - set(CATALOG)) == [], "example folders missing from CATALOG.toml"


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_entry_is_well_formed(name: str) -> None:
    entry = CATALOG[name]
    assert set(entry) <= FIELDS
    assert entry["kind"] in {"repair", "improve", "score"}
    assert isinstance(entry["edits"], int)
    assert entry["edits"] >= 0
    assert entry["summary"].strip()
    assert "\n" not in entry["summary"]
    if entry["kind"] == "repair":
        parts = entry["bug"].split("+")
        assert set(parts) <= BUGS
        assert len(parts) <= entry["edits"]
    else:
        assert "bug" not in entry


def test_catalog_covers_every_bug_category() -> None:
    repairs = [CATALOG[name] for name in _named("repair")]
    assert {part for entry in repairs for part in entry["bug"].split("+")} >= REQUIRED_BUGS
    assert sum(entry["edits"] >= 2 for entry in repairs) >= 3
    assert len(set(_named("repair")) - NO_HOLDOUT) >= 16
    assert len(_named("improve")) >= 2
    assert _named("score")


@pytest.mark.parametrize("name", _named("repair"))
def test_repair_example_fails_and_its_fix_passes(name: str, tmp_path: Path) -> None:
    example = EXAMPLES / name
    problem = load_problem(example)
    if name in NO_HOLDOUT:
        [buggy] = _judge(problem, problem.source)
        assert buggy.status is Status.FAILED
        assert buggy.failed >= 1
        return
    fixed = read_source(example / "holdout" / "fixed.py")
    buggy, repaired = _judge(problem, problem.source, fixed)
    assert buggy.status is Status.FAILED
    assert buggy.failed >= 1
    assert buggy.passed >= 1
    assert all(t.name.startswith("tests/") for t in buggy.tests)  # holdout/ stays out of search
    assert _all_passed(repaired)
    [held_out] = _judge(_holdout_problem(example, tmp_path), fixed)
    assert _all_passed(held_out)


@pytest.mark.parametrize("name", _named("improve"))
def test_improve_example_passes_its_tests_and_holdout(name: str, tmp_path: Path) -> None:
    example = EXAMPLES / name
    problem = load_problem(example)
    [own] = _judge(problem, problem.source)
    assert _all_passed(own)
    assert all(t.name.startswith("tests/") for t in own.tests)
    [held_out] = _judge(_holdout_problem(example, tmp_path), problem.source)
    assert _all_passed(held_out)


@pytest.mark.parametrize("name", _named("score"))
def test_score_example_evaluates(name: str) -> None:
    problem = load_problem(EXAMPLES / name)
    assert problem.judge == "evaluate"
    [evaluation] = _judge(problem, problem.source)
    assert evaluation.status is Status.OK
    assert "combined_score" in evaluation.metrics


@pytest.mark.parametrize(
    "name", [n for n in _named("score") if (EXAMPLES / n / "holdout" / "fixed.py").is_file()]
)
def test_score_reference_scores_higher(name: str) -> None:
    problem = load_problem(EXAMPLES / name)
    reference = read_source(EXAMPLES / name / "holdout" / "fixed.py")
    original, better = _judge(problem, problem.source, reference)
    assert better.metrics["combined_score"] > original.metrics["combined_score"]
