"""A judged program's result: its JSON round trip, and the one place where a worker leaves it
and the coordinator finds it."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from petri.evolve.evaluator import Job, QueueEvaluator
from petri.evolve.results import Result, load_result, result_key, save_result
from petri.evolve.tasks import KIND, evaluate_task
from petri.runtime.queue import Task
from petri.runtime.queue.memory import MemoryQueue
from petri.runtime.store import from_url as store_from_url
from petri.runtime.store.memory import MemoryStore
from petri.sandbox.outcome import Evaluation, Status, TestOutcome, TestResult

TESTS = (TestResult("t::a", TestOutcome.PASSED, 0.01), TestResult("t::b", TestOutcome.FAILED, 0.02))
RESULT = Result(Evaluation(Status.FAILED, TESTS, {"score": 1.5}, duration_s=0.25), {3: 0.5, 7: 1.0})


@settings(deadline=None)
@given(
    st.sampled_from(Status),
    st.dictionaries(st.integers(1, 5000), st.floats(0, 1), max_size=6),
)
def test_a_result_survives_its_json(status: Status, suspiciousness: dict[int, float]) -> None:
    result = Result(Evaluation(status, TESTS, message="m"), suspiciousness)
    assert Result.from_json(json.loads(json.dumps(result.to_json()))) == result


def test_a_result_is_saved_once() -> None:
    store = MemoryStore()
    assert load_result(store, "r1", "p1") is None
    save_result(store, "r1", "p1", RESULT)
    save_result(store, "r1", "p1", Result.crashed("a second attempt"))  # results are deterministic
    assert load_result(store, "r1", "p1") == RESULT
    assert load_result(store, "r2", "p1") is None  # results belong to their run
    assert result_key("r1", "p1") != result_key("r2", "p1")


def test_a_worker_finds_a_stored_result_and_judges_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'petri.db'}"
    store = store_from_url(url)
    save_result(store, "r1", "p1", RESULT)
    # No snapshot "missing" was published: judging would raise instead of answering.
    payload = {"store": url, "run_id": "r1", "program_id": "p1", "problem": "missing"}
    assert evaluate_task(Task(KIND, payload | {"source": "x = 1\n"})) == {"cached": True}
    store.close()


def test_the_coordinator_takes_stored_results_without_queueing() -> None:
    queue, store = MemoryQueue(), MemoryStore()
    save_result(store, "r1", "p1", RESULT)
    evaluator = QueueEvaluator(queue, store, store_url="memory://", run_id="r1", problem="d")
    assert evaluator.evaluate([Job("p1", "x = 1\n")], None) == {"p1": RESULT}
    assert queue.get(evaluator.task_id("p1")) is None


def test_a_dead_lettered_task_becomes_a_crashed_result() -> None:
    queue, store = MemoryQueue(), MemoryStore()

    def failing_worker() -> None:
        task = queue.lease()
        if task is not None:
            queue.nack(task, "the sandbox kept failing", retry=False)

    ticks = itertools.count()
    evaluator = QueueEvaluator(
        queue,
        store,
        store_url="memory://",
        run_id="r1",
        problem="d",
        poll_s=0.0,
        tick=failing_worker,
        clock=lambda: float(next(ticks)),
    )
    results = evaluator.evaluate([Job("p1", "x = 1\n")], None)
    assert results is not None
    evaluation = results["p1"].evaluation
    assert evaluation.status is Status.CRASHED and evaluation.passed == 0
    assert "the sandbox kept failing" in evaluation.message
