"""A search's evaluation task: what the result it keeps holds."""

from __future__ import annotations

from pathlib import Path

from petri.config import Limits, SandboxSettings
from petri.evolve.tasks import judge
from petri.sandbox import JudgeSpec, WorkerPool

TESTS = """
from halve import halve


def test_even():
    assert halve(4) == 2


def test_odd():
    assert halve(5) == 2
"""


def test_a_search_result_names_failures_without_rendering_them(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "halve.py").write_text("def halve(n):\n    return n / 2\n")
    (tmp_path / "tests" / "test_halve.py").write_text(TESTS)
    spec = JudgeSpec(tmp_path, "halve.py", "tests")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        result = judge(pool, "def halve(n):\n    return n / 2\n").to_json()
        rendered = pool.evaluate("def halve(n):\n    return n / 2\n").to_dict()
    assert (result["status"], result["passed"], result["failed"]) == ("failed", 1, 1)
    failed = result["tests"][1]
    assert failed["outcome"] == "failed"
    assert failed["message"] == "assert 2.5 == 2"
    assert "details" not in failed
    assert "assert halve(5) == 2" in rendered["tests"][1]["details"]  # what the search skips
