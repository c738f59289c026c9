"""The repository swarm's planner: rounds of analysis, one repair task per failing spot.

Round *r* starts with an analysis of the repository as the promotions left it. Each cluster of
failing tests (same file, same function) becomes a repair task on that file; a task comes after
the tasks of the files its file imports (the import graph), so a fix in a dependency lands
before its dependents. That is an order, not a requirement: a dependency's repair that fails
does not cancel the repairs after it (their bugs are their own). Tasks on one file run side by
side and serialize at promotion, through compare-and-set. When a round made progress and tests
still fail (a bug that masked another now shows), the next round analyses again. A rejected
repair is tried again with another strategy: on the next file the analysis suspects for its
tests while there is one (the most suspicious line is not always at the bug when several bugs
interact), else with a larger budget and another seed; then it is given up with its reason.
With a model configured, every repair first judges the model's edits, then searches if none of
them works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from petri.agents.journal import SwarmState
from petri.agents.models import SwarmTask, TaskSpec, TaskState
from petri.agents.planning import Decision, GiveUp, Replan
from petri.agents.repo.imports import dependencies
from petri.agents.repo.workspace import file_key, pins_of

#: Largest evolve budget a replanned task may get.
MAX_BUDGET = 4000
#: What a repair moved to another file remembers of the one it started on.
HOME_KEYS = ("file", "function", "guards", "touches")


class RepoPlanner:
    def __init__(self, config: Mapping[str, Any]) -> None:
        swarm = config.get("swarm", {})
        self.mode = str(config.get("mode", "repair"))
        self.budget = int(swarm.get("task_evals", 1000))
        self.replans = int(swarm.get("replans", 2))
        self.rounds = int(swarm.get("rounds", 6))
        llm = config.get("llm") or {}
        self.model = bool(llm) and llm.get("backend", "offline") != "offline"

    def plan(self, state: SwarmState) -> list[TaskSpec]:
        return [analysis(state, 1)]

    def followup(
        self, task: SwarmTask, result: Mapping[str, Any], state: SwarmState
    ) -> list[TaskSpec]:
        if task.kind != "analyze":
            return []
        if self.mode == "improve":
            return self._improvements(task, result)
        return self._repairs(task, result)

    def _repairs(self, task: SwarmTask, result: Mapping[str, Any]) -> list[TaskSpec]:
        r = int(task.payload["round"])
        graph = nx.DiGraph([tuple(e) for e in result.get("graph", [])])
        clusters = sorted(
            result.get("clusters", []),
            key=lambda c: (len(dependencies(graph, c["file"])), c["file"], c["function"]),
        )
        covering = result.get("covering", {})
        messages = result.get("messages", {})
        specs: list[TaskSpec] = []
        for n, cluster in enumerate(clusters, start=1):
            rel = str(cluster["file"])
            deps = dependencies(graph, rel) - {rel}
            after = [s.id for s in specs if s.payload["file"] in deps]
            targets = list(cluster["tests"])
            payload = {
                "file": rel,
                "function": cluster["function"],
                "targets": targets,
                "guards": list(covering.get(rel, [])),
                "alternatives": [
                    {**alt, "guards": list(covering.get(alt["file"], []))}
                    for alt in cluster.get("alternatives", [])
                ],
                "messages": {t: messages.get(t, "") for t in targets},
                "budget": self.budget,
                "round": r,
                "base_pins": task.payload.get("pins", {}),
                "touches": [file_key(rel)],
                "use_model": self.model,  # with a model, its edits are judged first
            }
            title = f"{rel}: {cluster['function']} ({len(targets)} failing)"
            specs.append(TaskSpec(id=f"repair-{r}-{n}", kind="repair", capability="evolve",
                                  payload=payload, after=after, title=title))  # fmt: skip
        return specs

    def _improvements(self, task: SwarmTask, result: Mapping[str, Any]) -> list[TaskSpec]:
        if result.get("failed"):
            return []  # improving code whose suite fails would hide the failures
        graph = nx.DiGraph([tuple(e) for e in result.get("graph", [])])
        covering = result.get("covering", {})
        files = sorted(covering, key=lambda rel: (len(dependencies(graph, rel)), rel))
        specs: list[TaskSpec] = []
        for n, rel in enumerate(files, start=1):
            deps = dependencies(graph, rel) - {rel}
            payload = {"file": rel, "guards": list(covering[rel]), "budget": self.budget,
                       "round": 1, "base_pins": task.payload.get("pins", {}),
                       "touches": [file_key(rel)]}  # fmt: skip
            after = [s.id for s in specs if s.payload["file"] in deps]
            specs.append(TaskSpec(id=f"improve-{n}", kind="improve", capability="evolve",
                                  payload=payload, after=after, title=rel))  # fmt: skip
        return specs

    def decide(
        self, task: SwarmTask, reason: str, evidence: Mapping[str, Any], state: SwarmState
    ) -> Decision:
        if task.kind in ("analyze", "check"):
            if task.strategy >= 1:
                return GiveUp(f"{task.title or task.id}: {reason}")
            return Replan(dict(task.payload), f"{reason}; running it once more")
        payload = dict(task.payload)
        payload.pop("rebase", None)
        alternatives = list(payload.get("alternatives", []))
        if task.kind == "repair" and alternatives:
            return _elsewhere(task, payload, alternatives, reason)
        doubled = int(payload.get("doubled", 0))
        if doubled >= self.replans:
            return GiveUp(f"{task.title}: {reason} (tried {task.strategy + 1} strategies)")
        if (
            task.kind == "repair"
            and not _counted_as_fix(evidence)
            and _others_in_round(task, state)
        ):
            # Nothing here fixed its tests while other repairs of the round may change
            # why they fail: a larger budget on this file is likely wasted. If they still fail
            # after the round, the next analysis plans them afresh. (Whether the round has
            # other repairs is fixed by its plan, not by how far they got: a resumed run
            # decides the same.)
            return GiveUp(f"{task.title}: {reason}; no change to {payload['file']} fixed "
                          "its tests; the next round looks again")  # fmt: skip
        # Back on the file the analysis suspected most, with a larger budget and another seed.
        home = payload.pop("home", None)
        if isinstance(home, Mapping):
            payload.update(home)
        payload["doubled"] = doubled + 1
        payload["budget"] = min(MAX_BUDGET, int(payload.get("budget", self.budget)) * 2)
        how = f"evolve {payload['file']} with {payload['budget']} evaluations and another seed"
        title = _title(payload) if isinstance(home, Mapping) else None
        return Replan(payload, f"{reason}; next: {how}", title=title)

    def idle(self, state: SwarmState) -> list[TaskSpec]:
        r = current_round(state)
        if self.mode == "improve" or r >= self.rounds:
            return []
        promoted = [t for t in state.tasks.values()
                    if t.status is TaskState.PROMOTED and t.payload.get("round") == r]  # fmt: skip
        if not promoted or not remaining_failures(state):
            return []
        return [analysis(state, r + 1)]

    def outcome(self, state: SwarmState) -> str:
        first = state.tasks.get("analyze-1")
        if first is None or first.status not in (TaskState.DONE, TaskState.PROMOTED):
            return "failed"
        live = [p for p in state.promotions if not p.reverted and not p.task.startswith("revert:")]
        if self.mode == "improve":
            return "improved" if live else "unchanged"
        failing = remaining_failures(state)
        if live and not failing:
            return "repaired"
        return "partial" if live else "unchanged"


def _counted_as_fix(evidence: Mapping[str, Any]) -> bool:
    """The rejected result counted as a fix of its tests (the judge's fixes check passed)."""
    checks = (evidence.get("verdict") or {}).get("checks", [])
    fixes = [c for c in checks if c.get("name") == "fixes_failing_tests"]
    return not fixes or float(fixes[0].get("score", 0.0)) >= 1.0


def _others_in_round(task: SwarmTask, state: SwarmState) -> bool:
    """The task's round planned other repairs."""
    r = task.payload.get("round")
    return any(
        other.id != task.id and other.kind == "repair" and other.payload.get("round") == r
        for other in state.tasks.values()
    )


def _elsewhere(
    task: SwarmTask, payload: dict[str, Any], alternatives: list[Any], reason: str
) -> Replan:
    """The repair moved to the next file its tests point at, with the same budget (the file
    it started on is kept as its home, where a larger budget goes once the others failed)."""
    target, rest = alternatives[0], alternatives[1:]
    rel, function = str(target["file"]), str(target["function"])
    payload.setdefault("home", {key: payload.get(key) for key in HOME_KEYS})
    payload.update(file=rel, function=function, guards=list(target.get("guards", [])),
                   alternatives=rest, touches=[file_key(rel)])  # fmt: skip
    return Replan(
        payload, f"{reason}; next: repair {rel} ({function}) instead", title=_title(payload)
    )


def _title(payload: Mapping[str, Any]) -> str:
    return f"{payload['file']}: {payload['function']} ({len(payload.get('targets', []))} failing)"


def current_round(state: SwarmState) -> int:
    """The round of the latest analysis planned."""
    rounds = [int(t.payload.get("round", 1)) for t in state.tasks.values() if t.kind == "analyze"]
    return max(rounds, default=1)


def analysis(state: SwarmState, r: int) -> TaskSpec:
    payload = {"round": r, "pins": pins_of(state.values())}
    return TaskSpec(id=f"analyze-{r}", kind="analyze", capability="test", payload=payload,
                    priority=10, title=f"round {r}: run the suite and localize")  # fmt: skip


def remaining_failures(state: SwarmState) -> list[str]:
    """Failing tests of the latest look at the repository: the last check, else analysis."""
    latest: tuple[int, list[str]] | None = None
    for task in state.tasks.values():
        if task.kind not in ("check", "analyze") or task.status is not TaskState.DONE:
            continue
        result = state.results.get(task.queue_id, {})
        if latest is None or task.order > latest[0]:
            latest = (task.order, [str(t) for t in result.get("failed", [])])
    return latest[1] if latest else []
