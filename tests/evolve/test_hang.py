"""A program whose every test loops forever: its baseline is probed in a few short rounds,
candidates get the probe's short timeout, and the search repairs it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from petri.cli import app
from petri.evolve.journal import RunState
from petri.runtime.store import from_url
from petri.sandbox import Status

pytestmark = pytest.mark.slow

#: The loop never ends: n //= 10 stops shrinking at 0, and 0 >= 0. The fix: n > 0.
DIGITS = '''\
"""Sums of decimal digits."""


def digit_sum(n: int) -> int:
    """The sum of the decimal digits of abs(n)."""
    n = abs(n)
    total = 0
    while n >= 0:
        total += n % 10
        n //= 10
    return total


def digital_root(n: int) -> int:
    """Digit sums taken again and again until one digit is left."""
    n = digit_sum(n)
    while n >= 10:
        n = digit_sum(n)
    return n
'''
TESTS = """\
import pytest

from digits import digit_sum, digital_root


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (7, 7), (10, 1), (123, 6), (9999, 36)])
def test_digit_sum(n: int, expected: int) -> None:
    assert digit_sum(n) == expected


def test_digit_sum_of_a_negative_number() -> None:
    assert digit_sum(-405) == 9


@pytest.mark.parametrize(("n", "expected"), [(5, 5), (38, 2), (99999, 9), (123456789, 9)])
def test_digital_root(n: int, expected: int) -> None:
    assert digital_root(n) == expected
"""
#: The per-test limit stays the default 5 s: the probe, not a smaller limit, keeps this quick.
CONFIG = 'program = "digits.py"\njudge = "tests"\n'


@pytest.fixture
def digits(
    make_problem: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    files = {"digits.py": DIGITS, "tests/test_digits.py": TESTS, "petri.toml": CONFIG}
    return make_problem(files, name="digits")


def test_petri_eval_reports_every_test_as_timed_out(digits: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(digits), "--json"])
    evaluation = json.loads(result.stdout)
    assert evaluation["status"] == "timeout"
    assert {t["outcome"] for t in evaluation["tests"]} == {"timeout"}
    limit = [t for t in evaluation["tests"] if t["message"] == "exceeded 5 s"]
    assert len(limit) == 1  # one test confirmed at the limit; the others were cut shorter
    assert "exceeded 5 s" in evaluation["message"]


def test_a_search_repairs_a_program_whose_every_test_loops_forever(digits: Path) -> None:
    args = ["evolve", str(digits), "--json", "--seed", "0", "--max-evals", "400"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "repaired"
    assert "-    while n >= 0:" in summary["patch"]  # the endless loop is what changed

    store = from_url(f"sqlite:///{digits / '.petri' / 'petri.db'}")
    state = RunState.replay(summary["run_id"], store.replay(summary["run_id"]))
    assert state.origin is not None and state.baseline is not None
    origin = state.records[state.origin.id]
    assert (origin.status, origin.passed, origin.failed) == (Status.TIMEOUT, 0, 10)
    # No test finished, so candidates get the probe's first timeout, not the 5 s limit ...
    assert state.baseline.test_timeout_s == 0.25
    # ... and candidates that still loop forever are cut by it: failures, not crashes.
    hung = [r for r in state.records.values() if r.id != origin.id and r.status is Status.TIMEOUT]
    assert hung
    assert all(r.failed >= 1 for r in hung)  # some may pass other tests first
