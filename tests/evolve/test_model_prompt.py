"""What the model is shown: the program or only its EVOLVE blocks, the failing tests or the
metrics, the best program and the most different members of the front, as diffs."""

from __future__ import annotations

from petri.evolve.breed import Candidate
from petri.evolve.model_prompt import build, diverse
from petri.program.edits import Edit
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

SOURCE = "def area(w, h):\n    return w + h\n"


def member(name: str, source: str, *edits: Edit) -> Candidate:
    return Candidate(name, edits, (), "mutate", 1, source)


def text(parent: Candidate, front: list[Candidate], results: dict[str, Evaluation]) -> str:
    system, user = build(parent, front, results.get, shown=2)
    assert system.role == "system" and "SEARCH/REPLACE" in system.content
    return user.content


def test_the_program_and_its_failing_tests() -> None:
    failing = TestResult("tests/test_area.py::test_square", TestOutcome.FAILED, 0.1, "2 != 4")
    passing = TestResult("tests/test_area.py::test_zero", TestOutcome.PASSED, 0.1)
    results = {"p": Evaluation(Status.FAILED, (failing, passing))}
    shown = text(member("p", SOURCE), [], results)
    assert f"```python\n{SOURCE}```" in shown
    assert "1 of 2 tests pass" in shown
    assert "FAILING tests/test_area.py::test_square (failed): 2 != 4" in shown
    assert "test_zero" not in shown


def test_metrics_when_the_judge_is_a_score() -> None:
    results = {"p": Evaluation(Status.OK, metrics={"score": 0.25, "runtime": 1.5})}
    shown = text(member("p", SOURCE), [], results)
    assert "metrics runtime = 1.5, score = 0.25" in shown


def test_only_the_evolve_block_is_shown() -> None:
    source = "import os\n# EVOLVE-BLOCK-START\nx = 1\n# EVOLVE-BLOCK-END\nprint(os.sep)\n"
    shown = text(member("p", source), [], {})
    assert "```python\nx = 1\n```" in shown
    assert "import os" not in shown and "print(os.sep)" not in shown
    assert "not evaluated yet" in shown


def test_the_best_and_diverse_front_members_as_diffs() -> None:
    a, b, c = Edit("x", 1), Edit("y", 2), Edit("z", 3)
    parent = member("p", SOURCE, a)
    best = member("b", SOURCE.replace("w + h", "w * h"), a, b)
    near = member("n", SOURCE.replace("w + h", "w * h + 0"), a, b)
    far = member("f", SOURCE.replace("w + h", "h - w"), c)
    results = {"b": Evaluation(Status.OK, metrics={"score": 1.0})}
    assert diverse(parent, best, [best, near, far], 1) == [far]
    shown = text(parent, [best, near, far], results)
    assert "The best program so far (status ok; metrics score = 1)" in shown
    assert "-    return w + h\n+    return w * h\n" in shown
    assert shown.index("+    return h - w") < shown.index("+    return w * h + 0")
