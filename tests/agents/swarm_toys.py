"""Small agents the swarm tests run: they add to shared state, score on demand, fail on demand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from petri.agents.agent import Agent, agent
from petri.agents.models import Goal, SwarmTask, TaskSpec
from petri.agents.planning import GoalPlanner
from petri.agents.rubric import Check, Rubric


def _quality(task: SwarmTask, result: Mapping[str, Any]) -> tuple[float, dict[str, Any]]:
    return float(result.get("quality", 1.0)), {"quality": result.get("quality", 1.0)}


@agent
class Adder(Agent):
    """Adds ``n`` to the shared ``total``; a lost race is rebased by adding to what is there."""

    name = "toy-adder"
    kinds = ("toy.add",)
    rubric = Rubric([Check("quality", 1.0, _quality)])

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        key = str(task.payload.get("key", "total"))
        total, version = self.ctx.shared.get(key)
        self.state["added"] = self.state.get("added", 0) + int(task.payload["n"])
        quality = float(task.payload.get("quality", 1.0))
        if task.payload.get("strategy") and "better" in task.payload:
            quality = float(task.payload["better"])
        return {"n": task.payload["n"], "quality": quality, "diff": f"+{task.payload['n']}",
                "change": {"key": key, "base_version": version,
                           "value": (total or 0) + int(task.payload["n"])}}  # fmt: skip

    @classmethod
    def rebase(cls, task: SwarmTask, result: Mapping[str, Any], current: Any, version: int) -> Any:
        return (current or 0) + int(result["n"])


@agent
class Setter(Agent):
    """Writes a value computed from what it read; a lost race makes the task run again."""

    name = "toy-setter"
    kinds = ("toy.set",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        value, version = self.ctx.shared.get("log")
        new = [*(value or []), task.id]
        return {"change": {"key": "log", "base_version": version, "value": new}}


@agent
class Flaky(Agent):
    """Raises until it has been tried ``fail`` times (its attempts are in its saved state)."""

    name = "toy-flaky"
    kinds = ("toy.flaky",)

    def state_key(self, task: SwarmTask) -> str:
        return f"flaky:{task.id}"

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        tries = self.state.get("tries", 0) + 1
        self.state["tries"] = tries
        if tries <= int(task.payload.get("fail", 0)) or task.payload.get("always"):
            raise RuntimeError(f"flaky failure number {tries}")
        return {"tries": tries}


@agent(capability="gpu")
class Gpu(Agent):
    """Needs a worker with the ``gpu`` capability."""

    name = "toy-gpu"
    kinds = ("toy.gpu",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        return {"ran": True}


def planner(*tasks: TaskSpec, replans: int = 1) -> GoalPlanner:
    return GoalPlanner(Goal(name="test", tasks=list(tasks)), replans)


def add(tid: str, n: int, **payload: Any) -> TaskSpec:
    return TaskSpec(id=tid, kind="toy.add", payload={"n": n, "touches": ["total"], **payload})


@agent(capability="test")
class Checker(Agent):
    """Checks a state given as values: every key holds unless its value is "bad"."""

    name = "toy-checker"
    kinds = ("toy.check",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        values = task.payload["values"]
        return {"holds": sorted(f"ok:{k}" for k, v in values.items() if v != "bad")}


@agent
class Writer(Agent):
    """Writes ``payload["value"]`` to ``payload["key"]``."""

    name = "toy-writer"
    kinds = ("toy.write",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        key = str(task.payload["key"])
        _, version = self.ctx.shared.get(key)
        value = task.payload["value"]
        return {"change": {"key": key, "base_version": version, "value": value}}


class ToyWorld:
    """Expects ``ok:KEY`` for every key promoted so far; a check task reports what holds."""

    check_kinds = frozenset({"toy.check"})

    def expected(self, state: Any, upto: int) -> list[str]:
        return sorted({f"ok:{p.key}" for p in state.promotions[:upto] if not p.reverted
                       and not p.task.startswith("revert:")})  # fmt: skip

    def check_task(self, check_id: str, values: Mapping[str, Any], expected: Any) -> TaskSpec:
        return TaskSpec(id=check_id, kind="toy.check", capability="test",
                        payload={"values": dict(values)})  # fmt: skip

    def violations(self, result: Mapping[str, Any], expected: Any) -> list[str]:
        return [e for e in expected if e not in set(result.get("holds", []))]

    def revert(self, promotion: Any, current: Any) -> Any:
        return promotion.before if promotion.before is not None else "reverted"


def write(tid: str, key: str, value: Any) -> TaskSpec:
    return TaskSpec(id=tid, kind="toy.write", payload={"key": key, "value": value,
                                                       "touches": [key]})  # fmt: skip
