"""The coordinator: release by dependencies, judge, route, promote with compare-and-set, retry,
replan, give up; everything an event, and a second run of the same events changes nothing."""

from __future__ import annotations

import random
from typing import Any

from swarm_toys import add, planner

from petri.agents import journal
from petri.agents.models import SwarmTask, TaskSpec, TaskState
from petri.agents.shared import SharedState
from petri.config import SwarmSettings
from petri.runtime.queue import RetryPolicy


def total(inline: Any, key: str = "total") -> Any:
    return SharedState(inline.store, inline.run_id).get(key)


def test_tasks_run_and_promote_in_dependency_order(inline: Any) -> None:
    first = add("a", 1)
    second = add("b", 10).model_copy(update={"depends_on": ["a"]})
    state = inline.run(planner(first, second))
    assert state.finished is not None and state.finished["status"] == "completed"
    assert [p.task for p in state.promotions] == ["a", "b"]
    assert total(inline) == (11, 2)
    types = inline.types()
    assert types.index("task_promoted") < [i for i, t in enumerate(types)
                                           if t == "task_released"][1]  # fmt: skip


def test_a_run_killed_after_its_start_but_before_its_plan_is_planned_on_resume(
    inline: Any,
) -> None:
    inline.store.append(inline.run_id, journal.SWARM_STARTED, {"mode": "test"})
    state = inline.run(planner(add("a", 1)))
    assert state.finished is not None and state.finished["status"] == "completed"
    assert inline.types().count(journal.SWARM_STARTED) == 1
    assert total(inline) == (1, 1)


def test_parallel_writers_of_one_object_lose_no_update(inline: Any) -> None:
    tasks = [add(f"t{n}", n) for n in range(1, 6)]
    coordinator = inline.coordinator(planner(*tasks), config={"mode": "test"})
    # Every task reads the object before any promotion: release all, run them, then settle.
    state = coordinator.run({"mode": "test"})
    assert total(inline)[0] == 15
    conflicts = [e for e in inline.store.replay(inline.run_id) if e.type == "state_conflict"]
    assert len(conflicts) == 4 and {c.payload["resolved"] for c in conflicts} == {"rebase"}
    assert state.counts()["promoted"] == 5


def test_a_lost_race_without_rebase_runs_the_task_again(inline: Any) -> None:
    tasks = [TaskSpec(id=f"s{n}", kind="toy.set", payload={"touches": ["log"]}) for n in range(3)]
    state = inline.run(planner(*tasks))
    value, _ = SharedState(inline.store, inline.run_id).get("log")
    assert sorted(value) == ["s0", "s1", "s2"]  # nothing overwritten
    rebased = [e.payload for e in inline.store.replay(inline.run_id) if e.type == "task_rebased"]
    assert rebased and all(p["new_version"] >= 2 for p in rebased)
    assert state.counts()["promoted"] == 3


def test_review_band_waits_and_the_run_says_so(inline: Any) -> None:
    state = inline.run(planner(add("a", 1, quality=0.8)))
    assert state.finished is None
    assert state.tasks["a"].status is TaskState.REVIEW
    request = next(iter(state.reviews.values()))
    assert request["score"] == 0.8 and request["checks"][0]["name"] == "quality"
    assert total(inline) == (None, 0)


def test_reject_replans_with_another_strategy_then_promotes(inline: Any) -> None:
    state = inline.run(planner(add("a", 1, quality=0.2, better=1.0)))
    assert state.tasks["a"].version == 2 and state.tasks["a"].strategy == 1
    assert state.tasks["a"].status is TaskState.PROMOTED
    types = inline.types()
    assert types.count("task_rejected") == 1 and "task_replanned" in types


def test_the_planner_gives_up_with_a_reason(inline: Any) -> None:
    state = inline.run(planner(add("a", 1, quality=0.1), replans=1))
    assert state.tasks["a"].status is TaskState.REJECTED
    assert state.gave_up and "gave up" in state.gave_up[0]["reason"]
    assert state.finished is not None and state.finished["status"] == "failed"


def test_dependents_of_a_task_given_up_are_cancelled(inline: Any) -> None:
    bad = add("a", 1, quality=0.1)
    after = add("b", 2).model_copy(update={"depends_on": ["a"]})
    state = inline.run(planner(bad, after, replans=0))
    assert state.tasks["b"].status is TaskState.CANCELLED
    assert state.finished is not None and state.finished["status"] == "failed"


def test_a_task_after_one_given_up_still_runs_once_it_settled(inline: Any) -> None:
    bad = add("a", 1, quality=0.1)
    after = add("b", 2).model_copy(update={"after": ["a"]})
    state = inline.run(planner(bad, after, replans=0))
    assert state.tasks["a"].status is TaskState.REJECTED
    assert state.tasks["b"].status is TaskState.PROMOTED
    types = inline.types()
    gave_up = types.index("planner_gave_up")
    assert gave_up < [i for i, t in enumerate(types) if t == "task_released"][1]  # b waited
    assert state.finished is not None and state.finished["status"] == "partial"


def test_a_failing_task_is_retried_then_failed_with_its_traceback(inline: Any) -> None:
    flaky = TaskSpec(id="f", kind="toy.flaky", payload={"always": True})
    settings = SwarmSettings(retries=3, retry_base_s=0.01, retry_jitter=0.0, replans=0)
    state = inline.run(planner(flaky, replans=0), settings=settings)
    assert state.tasks["f"].status is TaskState.FAILED
    failed = [e.payload for e in inline.store.replay(inline.run_id)
              if e.type == journal.TASK_FAILED]  # fmt: skip
    assert "flaky failure number 4" in failed[0]["error"]
    assert "RuntimeError" in failed[0]["context"]["traceback"]
    assert failed[0]["context"]["attempts"] == 4
    assert state.gave_up  # the planner was told


def test_a_task_that_recovers_within_its_retries_is_done_once(inline: Any) -> None:
    flaky = TaskSpec(id="f", kind="toy.flaky", payload={"fail": 2})
    state = inline.run(planner(flaky))
    assert state.tasks["f"].status is TaskState.DONE
    assert inline.types().count("task_done") == 1
    assert inline.types().count("task_failed") == 2


def test_retries_follow_the_configured_schedule(inline: Any) -> None:
    settings = SwarmSettings()  # the defaults: after 2 s, 4 s and 8 s, jittered
    coordinator = inline.coordinator(planner(), settings=settings)
    task = coordinator.runtime_task(SwarmTask(id="x", kind="toy.add"), now=0.0)
    assert task.max_attempts == 4
    policy, rng = RetryPolicy(), random.Random(1)
    for attempt, nominal in ((1, 2.0), (2, 4.0), (3, 8.0)):
        task.attempts = attempt
        delays = [policy.delay(task, rng) for _ in range(200)]
        assert min(delays) >= nominal * 0.75 and max(delays) <= nominal
        assert max(delays) - min(delays) > 0.1 * nominal  # jittered, not fixed


def test_resuming_a_finished_run_changes_nothing(inline: Any) -> None:
    inline.run(planner(add("a", 1)))
    before = inline.types()
    state = inline.run(planner(add("a", 1)))
    assert inline.types() == before and state.finished is not None


def test_agent_state_persists_across_tasks(inline: Any) -> None:
    inline.run(planner(add("a", 1), add("b", 2)))
    saved, _ = inline.store.get(f"swarm:{inline.run_id}:agent:toy-adder")
    assert saved["state"]["added"] == 3
    assert [h["task"] for h in saved["history"]] == ["a", "b"]
