"""The repository swarm's pieces on their own: discovering a repository, its import graph,
localizing failures across files, the planner's decisions, three-way merges."""

from __future__ import annotations

from pathlib import Path

import pytest

from petri.agents.journal import TASK_PLANNED, TASK_REPLANNED, SwarmState
from petri.agents.models import SwarmTask, TaskState
from petri.agents.planning import GiveUp, Replan
from petri.agents.repo.diffs import changed_lines, merge, unified
from petri.agents.repo.imports import dependencies, enclosing, import_graph, spans
from petri.agents.repo.layout import RepoLayout, discover, module_name
from petri.agents.repo.localize import localize
from petri.agents.repo.planner import RepoPlanner
from petri.errors import RepositoryError
from petri.runtime.store import Event, Store
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


PYPROJECT = '[tool.pytest.ini_options]\npythonpath = ["src"]\ntestpaths = ["tests"]\n'


def test_a_src_layout_is_discovered(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "pyproject.toml": PYPROJECT,
        "src/pkg/__init__.py": "", "src/pkg/a.py": "X = 1\n", "src/pkg/b.py": "from .a import X\n",
        "tests/test_a.py": "def test_x():\n    pass\n", "tests/conftest.py": "",
        "holdout/test_more.py": "", "setup.py": "", "docs/conf.py": "",
        "src/pkg/blob.py": b"\x00\x01", ".venv/lib/x.py": "",
    })  # fmt: skip
    layout = discover(root)
    assert layout.tests == ("tests",) and layout.paths == ("src",)
    assert layout.sources == ("src/pkg/__init__.py", "src/pkg/a.py", "src/pkg/b.py")
    assert (
        layout.modules["src/pkg/b.py"] == "pkg.b" and layout.modules["src/pkg/__init__.py"] == "pkg"
    )
    assert layout.holdout == "holdout"
    assert [s[0] for s in layout.skipped] == ["src/pkg/blob.py"]  # binary: never a candidate
    assert RepoLayout.from_json(layout.to_json()) == layout


def test_a_flat_layout_and_module_names(tmp_path: Path) -> None:
    root = write(tmp_path, {"m.py": "", "test_m.py": "def test_m():\n    pass\n"})
    layout = discover(root)
    assert layout.tests == ("test_m.py",) and layout.paths == () and layout.sources == ("m.py",)
    assert module_name("src/pkg/sub/__init__.py", ("src",)) == "pkg.sub"


@pytest.mark.parametrize(
    ("files", "holdout", "expected"),
    [
        ({"m.py": "x = 1\n"}, None, "no tests found"),
        ({"tests/test_m.py": "def test():\n    pass\n"}, None, "no Python source"),
        ({"m.py": "", "tests/test_m.py": "", "pyproject.toml": "[tool"}, None, "not valid TOML"),
        ({"m.py": "", "tests/test_m.py": ""}, "elsewhere", "not a folder"),
    ],
)
def test_a_repository_that_cannot_be_repaired_says_why(
    tmp_path: Path, files: dict[str, str | bytes], holdout: str | None, expected: str
) -> None:
    root = write(tmp_path / "repo", files)
    with pytest.raises(RepositoryError, match=expected):
        discover(root, holdout=holdout)


def test_a_missing_or_plain_file_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RepositoryError, match="does not exist"):
        discover(tmp_path / "nope")
    (tmp_path / "f.py").write_text("")
    with pytest.raises(RepositoryError, match="not a folder"):
        discover(tmp_path / "f.py")


def test_the_import_graph_resolves_relative_and_submodule_imports() -> None:
    sources = {
        "pkg/__init__.py": "from .core import run\n",
        "pkg/core.py": "from . import util\nimport pkg.models as models\n",
        "pkg/util.py": "import os\n",
        "pkg/models.py": "from pkg.util import helper\n",
        "pkg/broken.py": "def (:\n",
    }
    modules = {rel: rel.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
               for rel in sources}  # fmt: skip
    graph = import_graph(sources, modules)
    # ``from . import util`` imports the package too: its __init__ runs first.
    assert set(graph.edges) == {
        ("pkg/__init__.py", "pkg/core.py"),
        ("pkg/core.py", "pkg/__init__.py"),
        ("pkg/core.py", "pkg/util.py"),
        ("pkg/core.py", "pkg/models.py"),
        ("pkg/models.py", "pkg/util.py"),
    }
    assert dependencies(graph, "pkg/core.py") >= {"pkg/util.py", "pkg/models.py"}
    assert dependencies(graph, "missing.py") == set()


def test_spans_name_methods_and_nested_functions() -> None:
    text = "class A:\n    def f(self):\n        def g():\n            return 1\n        return g\n"
    found = spans(text)
    assert [s.name for s in found] == ["A.f", "A.f.g"]
    assert enclosing(found, 4) == "A.f.g" and enclosing(found, 5) == "A.f"
    assert enclosing(found, 1) == "<module>" and spans("def (:") == []


def _result(name: str, outcome: TestOutcome) -> TestResult:
    return TestResult(name, outcome, 0.0)


def test_failures_are_localized_to_the_most_suspicious_function() -> None:
    texts = {"lib/a.py": "def f():\n    return 1\n\ndef g():\n    return 2\n",
             "lib/b.py": "from lib.a import f\n\ndef h():\n    return f()\n"}  # fmt: skip
    modules = {"lib/a.py": "lib.a", "lib/b.py": "lib.b"}
    evaluation = Evaluation(
        Status.FAILED,
        tests=(_result("t_f", TestOutcome.FAILED), _result("t_h", TestOutcome.FAILED),
               _result("t_g", TestOutcome.PASSED), _result("t_none", TestOutcome.ERROR)),
        file_coverage={
            "t_f": {"lib/a.py": (1, 2)},
            "t_h": {"lib/b.py": (3, 4), "lib/a.py": (1, 2)},
            "t_g": {"lib/a.py": (4, 5)},
        },
    )  # fmt: skip
    found = localize(evaluation, texts, modules)
    assert found["clusters"] == [
        {"file": "lib/a.py", "function": "f", "tests": ["t_f", "t_h"],
         "alternatives": [{"file": "lib/b.py", "function": "h"}]}  # t_h also ran lib/b.py
    ]  # fmt: skip
    assert found["unlocalized"] == ["t_none"]
    assert found["covering"] == {"lib/a.py": ["t_g"]}
    assert ["lib/b.py", "lib/a.py"] in found["graph"]


def _analysis(state: SwarmState) -> SwarmTask:
    task = SwarmTask(id="analyze-1", kind="analyze", payload={"round": 1, "pins": {}})
    state.tasks[task.id] = task
    return task


def test_the_planner_orders_repairs_by_the_import_graph() -> None:
    planner = RepoPlanner({"mode": "repair", "swarm": {"task_evals": 50}})
    state = SwarmState("r")
    result = {
        "clusters": [{"file": "b.py", "function": "h", "tests": ["t2"]},
                     {"file": "a.py", "function": "f", "tests": ["t1"]},
                     {"file": "a.py", "function": "g", "tests": ["t3"]}],
        "graph": [["b.py", "a.py"]],
        "covering": {"a.py": ["t0"]},
        "messages": {"t1": "boom"},
    }  # fmt: skip
    specs = planner.followup(_analysis(state), result, state)
    by_file = [(s.id, s.payload["file"], s.after) for s in specs]
    assert by_file == [("repair-1-1", "a.py", []), ("repair-1-2", "a.py", []),
                       ("repair-1-3", "b.py", ["repair-1-1", "repair-1-2"])]  # fmt: skip
    assert specs[0].payload["guards"] == ["t0"] and specs[0].payload["touches"] == ["file:a.py"]
    assert specs[0].payload["budget"] == 50 and specs[0].payload["messages"] == {"t1": "boom"}


def test_the_planner_replans_with_more_budget_then_gives_up() -> None:
    planner = RepoPlanner({"mode": "repair", "swarm": {"replans": 1, "task_evals": 100}})
    state = SwarmState("r")
    payload = {"budget": 100, "file": "a.py"}
    task = SwarmTask(id="repair-1-1", kind="repair", title="a.py: f", payload=payload)
    decision = planner.decide(task, "rejected", {}, state)
    assert isinstance(decision, Replan) and decision.payload["budget"] == 200
    task.payload, task.strategy = decision.payload, 1
    assert isinstance(planner.decide(task, "rejected", {}, state), GiveUp)
    check = SwarmTask(id="check-1", kind="check")
    assert isinstance(planner.decide(check, "failed", {}, state), Replan)


def test_a_rejected_repair_moves_to_the_next_suspected_file_before_raising_its_budget() -> None:
    planner = RepoPlanner({"mode": "repair", "swarm": {"replans": 2, "task_evals": 100}})
    state = SwarmState("r")
    result = {
        "clusters": [{"file": "a.py", "function": "f", "tests": ["t1"],
                      "alternatives": [{"file": "b.py", "function": "h"}]}],
        "graph": [["b.py", "a.py"]],
        "covering": {"a.py": ["t0"], "b.py": ["t2"]},
    }  # fmt: skip
    (spec,) = planner.followup(_analysis(state), result, state)
    task = SwarmTask(id=spec.id, kind="repair", title=spec.title, payload=spec.payload)
    moved = planner.decide(task, "rejected", {}, state)
    assert isinstance(moved, Replan) and moved.title == "b.py: h (1 failing)"
    assert moved.payload["file"] == "b.py" and moved.payload["guards"] == ["t2"]
    assert moved.payload["touches"] == ["file:b.py"] and moved.payload["targets"] == ["t1"]
    assert moved.payload["budget"] == 100 and moved.payload["alternatives"] == []
    task.payload, task.strategy = moved.payload, 1
    # Nowhere else: a larger budget, back on the file the analysis suspected most.
    again = planner.decide(task, "rejected", {}, state)
    assert isinstance(again, Replan) and again.title == "a.py: f (1 failing)"
    assert again.payload["file"] == "a.py" and again.payload["guards"] == ["t0"]
    assert again.payload["touches"] == ["file:a.py"] and again.payload["budget"] == 200
    assert "home" not in again.payload
    task.payload, task.strategy = again.payload, 2
    last = planner.decide(task, "rejected", {}, state)
    assert isinstance(last, Replan) and last.title is None and last.payload["budget"] == 400
    task.payload, task.strategy = last.payload, 3
    assert isinstance(planner.decide(task, "rejected", {}, state), GiveUp)


def _verdict(fixed: list[str], still: tuple[str, ...] = ()) -> dict[str, object]:
    score = float(bool(fixed) and not still)
    check = {"name": "fixes_failing_tests", "weight": 0.4, "score": score,
             "evidence": {"fixed": fixed, "still_failing": list(still)}}  # fmt: skip
    return {"verdict": {"task": "x", "version": 1, "score": 0.3, "route": "reject",
                        "checks": [check]}}  # fmt: skip


def test_a_repair_that_fixed_nothing_waits_for_the_next_round_while_others_run() -> None:
    planner = RepoPlanner({"mode": "repair", "swarm": {"replans": 2, "task_evals": 100}})
    state = SwarmState("r")
    payload = {"file": "a.py", "budget": 100, "round": 1}
    task = SwarmTask(id="repair-1-1", kind="repair", title="a.py: f", payload=payload)
    state.tasks[task.id] = task
    alone = planner.decide(task, "rejected", _verdict([]), state)
    assert isinstance(alone, Replan) and alone.payload["budget"] == 200  # nothing else to wait for
    other = SwarmTask(id="repair-1-2", kind="repair", payload={"file": "b.py", "round": 1})
    state.tasks[other.id] = other  # it may change why a.py's tests fail
    for status in (TaskState.PLANNED, TaskState.REJECTED):  # the plan decides, not the timing
        other.status = status
        wait = planner.decide(task, "rejected", _verdict([]), state)
        assert isinstance(wait, GiveUp) and "the next round looks again" in wait.reason
    progress = planner.decide(task, "rejected", _verdict(["t1"]), state)
    assert isinstance(progress, Replan) and progress.payload["budget"] == 200
    little = planner.decide(task, "rejected", _verdict(["t1"], ("t7", "t8", "t9")), state)
    assert isinstance(little, GiveUp)  # t7-t9 failing as before: the next round looks again
    other.payload["round"] = 2
    assert isinstance(planner.decide(task, "rejected", _verdict([]), state), Replan)


def test_a_replan_with_a_title_renames_the_task_and_one_without_keeps_it() -> None:
    def event(seq: int, type_: str, payload: dict[str, object]) -> Event:
        return Event("r", seq, type_, payload, float(seq))

    planned = {"task": {"id": "repair-1-1", "kind": "repair", "title": "a.py: f (1 failing)"}}
    moved = {"task": "repair-1-1", "new_version": 2, "payload": {"file": "b.py"},
             "strategy": 1, "reason": "rejected", "title": "b.py: h (1 failing)"}  # fmt: skip
    state = SwarmState.replay("r", [event(1, TASK_PLANNED, planned),
                                    event(2, TASK_REPLANNED, moved)])  # fmt: skip
    assert state.tasks["repair-1-1"].title == "b.py: h (1 failing)"
    again = {k: v for k, v in moved.items() if k != "title"} | {"new_version": 3}
    state.apply(event(3, TASK_REPLANNED, again))
    assert state.tasks["repair-1-1"].title == "b.py: h (1 failing)"
    assert state.tasks["repair-1-1"].version == 3


def test_improve_mode_plans_one_task_per_covered_file_and_none_on_a_failing_suite() -> None:
    planner = RepoPlanner({"mode": "improve"})
    state = SwarmState("r")
    analysis = _analysis(state)
    result = {"graph": [["b.py", "a.py"]], "covering": {"a.py": ["t"], "b.py": ["t"]}}
    specs = planner.followup(analysis, result, state)
    assert [(s.kind, s.payload["file"], s.after) for s in specs] == [
        ("improve", "a.py", []), ("improve", "b.py", ["improve-1"])]  # fmt: skip
    assert planner.followup(analysis, {**result, "failed": ["t"]}, state) == []
    assert planner.outcome(state) == "failed"  # its analysis never finished


def test_three_way_merges_and_diffs() -> None:
    base = "a\nb\nc\nd\n"
    assert merge(base, "A\nb\nc\nd\n", "a\nb\nc\nD\n") == "A\nb\nc\nD\n"
    assert merge(base, "X\nb\nc\nd\n", "Y\nb\nc\nd\n") is None
    assert changed_lines(base, "a\nB\nc\nd\n") == 2
    assert unified(base, base, "f.py") == ""
    assert unified("x", "y", "f.py").endswith("\\ No newline at end of file\n")


@pytest.mark.parametrize(
    ("fixed", "otherwise", "route"),
    [
        (1, 0, "reject"),  # one of five, the rest failing as before: a special case
        (3, 1, "reject"),  # three of five, one still failing the same way
        (4, 0, "approve"),  # four of five: most of them, the last may wait for another bug
        (5, 0, "approve"),  # all of them
        (1, 4, "approve"),  # one, and every other fails otherwise: a masking bug's fix
        (0, 5, "reject"),  # none fixed
    ],
)
def test_a_repair_must_fix_its_tests_or_change_how_each_fails(
    fixed: int, otherwise: int, route: str
) -> None:
    from petri.agents.repo.rubric import repair_rubric

    targets = [f"t{n}" for n in range(5)]
    result = {"targets": targets, "fixed": targets[:fixed], "still_failing": targets[fixed:],
              "failing_otherwise": targets[fixed : fixed + otherwise], "regressions": [],
              "changed_lines": 1, "complexity": {"before": 3, "after": 3}}  # fmt: skip
    task = SwarmTask(id="repair-1-1", kind="repair", payload={"file": "a.py"})
    verdict = repair_rubric().judge(task, result, approve_at=0.9, review_at=0.7)
    assert verdict.route == route
    fixes = next(c for c in verdict.checks if c.name == "fixes_failing_tests")
    assert fixes.evidence["fixed"] == targets[:fixed]
    assert fixes.evidence.get("failing_otherwise", []) == targets[fixed : fixed + otherwise]


def test_how_a_test_failed_masks_addresses_and_skips_passing_tests() -> None:
    from petri.agents.repo.search import _failures
    from petri.evolve.results import Result

    def run(message: str) -> Result:
        return Result(Evaluation(Status.FAILED, tests=(
            TestResult("t_ok", TestOutcome.PASSED, 0.0),
            TestResult("t_bad", TestOutcome.FAILED, 0.0, message=message),
        )))  # fmt: skip

    first = _failures(run("assert <Leg object at 0x7f3a2c> == None"))
    assert first == {"t_bad": "failed: assert <Leg object at 0x?> == None"}
    assert _failures(run("assert <Leg object at 0x7f99ab> == None")) == first
    assert _failures(run("assert 3 == 4")) != first


#: The one file of the repository the merge tests publish: two functions, one line each.
BASE = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"


def _published(tmp_path: Path) -> tuple[Store, str]:
    """A run store holding a one-file repository (``m.py`` = BASE) and its digest."""
    from petri.agents.repo.workspace import publish
    from petri.runtime.store import from_url

    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "m.py").write_text(BASE)
    store = from_url(f"sqlite:///{tmp_path / 'petri.db'}")
    return store, publish(store, tmp_path / "repo")


def test_a_file_change_that_lost_its_race_is_merged_onto_the_newer_file(tmp_path: Path) -> None:
    from petri.agents.repo.mode import _rebase
    from petri.agents.repo.workspace import get_blob, merge_onto, put_blob

    store, digest = _published(tmp_path)
    base = BASE
    ours = base.replace("return 1", "return 10")  # this task's change, made on the round's file
    theirs = base.replace("return 2", "return 20")  # promoted by another task meanwhile
    change = {"blob": put_blob(store, ours), "task": "repair-1-2", "base": put_blob(store, base)}
    current = {"blob": put_blob(store, theirs), "task": "repair-1-1"}
    merged = merge_onto(store, digest, "m.py", change, current)
    assert merged is not None and merged["task"] == "repair-1-2"
    assert get_blob(store, merged["blob"]) == base.replace("1\n", "10\n").replace("2\n", "20\n")
    # onto the repository as published, when the state holds no file yet
    onto_snapshot = merge_onto(store, digest, "m.py", change, None)
    assert onto_snapshot is not None and get_blob(store, onto_snapshot["blob"]) == ours
    # the same lines changed twice: no merge, the task runs again on the newer file
    clash = {"blob": put_blob(store, base.replace("return 2", "return 30"))}
    assert merge_onto(store, digest, "m.py", {**change, "blob": clash["blob"]}, current) is None
    assert merge_onto(store, digest, "m.py", {"blob": change["blob"]}, current) is None  # no base
    # the swarm's rebase hook does the same for a repair's result, and nothing for other kinds
    rebase = _rebase(store, digest)
    task = SwarmTask(id="repair-1-2", kind="repair", payload={"file": "m.py"})
    result = {"change": {"key": "file:m.py", "base_version": 0, "value": change}}
    assert rebase(task, result, current, 1)["blob"] == merged["blob"]
    assert rebase(task, {"change": {"key": "total", "value": 3}}, current, 1) is None


def test_a_change_made_on_an_older_file_is_merged_at_promotion(tmp_path: Path) -> None:
    from petri.agents.promote import Promoter
    from petri.agents.repo.mode import _rebase
    from petri.agents.repo.workspace import get_blob, put_blob
    from petri.agents.shared import state_key

    store, digest = _published(tmp_path)
    base = BASE
    theirs = base.replace("return 2", "return 20")
    store.put(state_key("r", "file:m.py"), {"blob": put_blob(store, theirs)}, 0)  # version 1
    # The coder searched the round's file (version 0's) and found its change there.
    ours = base.replace("return 1", "return 10")
    value = {"blob": put_blob(store, ours), "task": "repair-1-2", "base": put_blob(store, base)}
    change = {"key": "file:m.py", "base_version": 0, "value": value}
    task = SwarmTask(id="repair-1-2", kind="repair", payload={"file": "m.py"})
    promoter = Promoter(store, "r", lambda kind: _rebase(store, digest))
    assert promoter.promote(task, {"change": change}, change, [])
    written, version = store.get(state_key("r", "file:m.py"))
    assert version == 2 and get_blob(store, written["blob"]) == theirs.replace("1\n", "10\n")
