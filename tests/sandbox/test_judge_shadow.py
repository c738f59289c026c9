"""The shadow judge in the sandbox: it records the calls a suite makes, and calls functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ProblemWriter
from petri.config import Limits, SandboxSettings
from petri.sandbox import JudgeSpec, Status, evaluate_once
from petri.sandbox.judge_shadow import PLAN_FILE, pack, unpack

PROGRAM = '''
def discount(total: int) -> int:
    """Orders of 100 or more get 10 off."""
    if total > 100:
        return total - 10
    return total


def push(items: list, x: int) -> None:
    items.append(x)


def spin(n: int) -> int:
    while n:
        pass
    return 0
'''

TESTS = """
from shop import discount, push


def test_small():
    assert discount(50) == 50


def test_big():
    assert discount(200) == 190


def test_edge():
    assert discount(100) == 90


def test_push():
    xs = [1]
    push(xs, 2)
    assert xs == [1, 2]
"""


def _run(root: Path, plan: dict[str, object], source: str = PROGRAM) -> list[object]:
    (root / PLAN_FILE).write_text(json.dumps(plan))
    spec = JudgeSpec(root, "shop.py", "shadow")
    evaluation, _ = evaluate_once(spec, source, Limits(), SandboxSettings())
    assert evaluation.status is Status.OK, evaluation.message
    return unpack(evaluation.artifacts)


@pytest.fixture(scope="module")
def root(write_problem: ProblemWriter) -> Path:
    return write_problem({"shop.py": PROGRAM, "tests/test_shop.py": TESTS}, name="shadow")


def test_record_gives_each_call_of_a_test_with_its_outcome(root: Path) -> None:
    rows = _run(root, {"mode": "record", "limit": 100})
    assert rows == [
        ["discount", "((50,), {})", "tests/test_shop.py::test_small", True],
        ["discount", "((200,), {})", "tests/test_shop.py::test_big", True],
        ["discount", "((100,), {})", "tests/test_shop.py::test_edge", False],
        ["push", "(([1], 2), {})", "tests/test_shop.py::test_push", True],
    ]


def test_record_keeps_at_most_its_limit(root: Path) -> None:
    assert len(_run(root, {"mode": "record", "limit": 2})) == 2


def test_call_reports_results_changed_arguments_exceptions_and_hangs(root: Path) -> None:
    inputs = [
        ["discount", "((101,), {})"],
        ["push", "(([], 5), {})"],
        ["discount", "(('x',), {})"],
        ["spin", "((1,), {})"],
        ["nowhere", "((), {})"],
    ]
    rows = _run(root, {"mode": "call", "inputs": inputs, "timeout_s": 0.2})
    assert rows == [["91", "(101,)"], ["None", "([5], 5)"], "! TypeError", "hang", "! missing"]


def test_call_skips_the_rest_after_too_many_hangs(root: Path) -> None:
    inputs = [["spin", "((1,), {})"]] * 5
    rows = _run(root, {"mode": "call", "inputs": inputs, "timeout_s": 0.1})
    assert rows == ["hang", "hang", "hang", "skip", "skip"]


def test_pack_and_unpack_round_trip_within_the_artifact_bounds() -> None:
    rows = [["f", "x" * 150, "t", True]] * 1000
    packed = pack(rows)
    assert all(len(text) <= 7_000 for text in packed.values())
    back = unpack(packed)
    assert 0 < len(back) < len(rows) and back == rows[: len(back)]
    assert unpack(pack([])) == []
