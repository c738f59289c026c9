"""Multi-fault localization: failing tests grouped by what they ran, each group ranked alone."""

from __future__ import annotations

import pytest

import petri.agents.repo.failure_groups as groups_module
from petri.agents.repo.failure_groups import failure_groups
from petri.agents.repo.localize import localize
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

Coverage = dict[str, dict[str, tuple[int, ...]]]

TEXTS = {
    "lib/parse.py": "def parse(text):\n    return text\n",
    "lib/a.py": "def area(x):\n    return x\n",
    "lib/b.py": "def bounds(x):\n    return x\n",
}
MODULES = {"lib/parse.py": "lib.parse", "lib/a.py": "lib.a", "lib/b.py": "lib.b"}


def _evaluation(passed: list[str], failed: list[str], coverage: Coverage) -> Evaluation:
    tests = [TestResult(name, TestOutcome.PASSED, 0.0) for name in passed]
    tests += [TestResult(name, TestOutcome.FAILED, 0.0) for name in failed]
    return Evaluation(Status.FAILED, tests=tuple(tests), file_coverage=coverage)


def _two_bugs_behind_a_parser() -> tuple[list[str], list[str], Coverage]:
    """Every test parses; three failures run a.py's bug, three b.py's; passing tests parse."""
    coverage: Coverage = {}
    for n in range(3):
        coverage[f"t_area_{n}"] = {"lib/parse.py": (1, 2), "lib/a.py": (1, 2)}
        coverage[f"t_bounds_{n}"] = {"lib/parse.py": (1, 2), "lib/b.py": (1, 2)}
        coverage[f"t_parse_{n}"] = {"lib/parse.py": (1, 2)}
    passed = [f"t_parse_{n}" for n in range(3)]
    failed = [f"t_area_{n}" for n in range(3)] + [f"t_bounds_{n}" for n in range(3)]
    return passed, failed, coverage


def test_failures_that_ran_different_code_form_different_groups() -> None:
    passed, failed, coverage = _two_bugs_behind_a_parser()
    assert failure_groups(coverage, passed, failed) == [
        ["t_area_0", "t_area_1", "t_area_2"],
        ["t_bounds_0", "t_bounds_1", "t_bounds_2"],
    ]
    # the same suite always gives the same groups
    assert failure_groups(coverage, passed, failed[::-1]) == failure_groups(
        coverage, passed, failed
    )


def test_few_or_too_many_failures_are_one_group(monkeypatch: pytest.MonkeyPatch) -> None:
    passed, failed, coverage = _two_bugs_behind_a_parser()
    assert failure_groups(coverage, passed, []) == []
    assert failure_groups(coverage, passed, failed[:2]) == [sorted(failed[:2])]
    monkeypatch.setattr(groups_module, "MAX_GROUPED", 5)
    assert failure_groups(coverage, passed, failed) == [sorted(failed)]


def test_failures_without_coverage_stay_apart_from_the_rest() -> None:
    passed, failed, coverage = _two_bugs_behind_a_parser()
    found = failure_groups(coverage, passed, [*failed, "t_crashed_at_import"])
    assert ["t_crashed_at_import"] in found
    assert sum(len(group) for group in found) == 7


def test_two_bugs_behind_a_shared_path_each_get_their_own_repair() -> None:
    passed, failed, coverage = _two_bugs_behind_a_parser()
    # Over all six failures the parser is the most suspicious (every failure runs it); per
    # group, each bug's own file is.
    found = localize(_evaluation(passed, failed, coverage), TEXTS, MODULES)
    assert [(c["file"], c["function"], c["tests"]) for c in found["clusters"]] == [
        ("lib/a.py", "area", ["t_area_0", "t_area_1", "t_area_2"]),
        ("lib/b.py", "bounds", ["t_bounds_0", "t_bounds_1", "t_bounds_2"]),
    ]
    # the shared path stays an alternative of each, should the repair of the first fail
    assert found["clusters"][0]["alternatives"] == [{"file": "lib/parse.py", "function": "parse"}]


def test_one_bug_behind_every_failure_is_seen_over_all_of_them() -> None:
    # Four failures run the parser's bug; two of them also run a.py, which passing tests run
    # too. The group of those two would point at a.py less surely than all four at the parser.
    coverage: Coverage = {
        "t_0": {"lib/parse.py": (2,), "lib/a.py": (2,)},
        "t_1": {"lib/parse.py": (2,), "lib/a.py": (2,)},
        "t_2": {"lib/parse.py": (2,), "lib/b.py": (2,)},
        "t_3": {"lib/parse.py": (2,), "lib/b.py": (2,)},
        "ok_0": {"lib/parse.py": (2,), "lib/a.py": (2,), "lib/b.py": (2,)},
        "ok_1": {"lib/parse.py": (2,), "lib/a.py": (2,), "lib/b.py": (2,)},
    }
    evaluation = _evaluation(["ok_0", "ok_1"], ["t_0", "t_1", "t_2", "t_3"], coverage)
    found = localize(evaluation, TEXTS, MODULES)
    assert [(c["file"], c["tests"]) for c in found["clusters"]] == [
        ("lib/parse.py", ["t_0", "t_1", "t_2", "t_3"])
    ]
