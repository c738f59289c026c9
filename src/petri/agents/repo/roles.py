"""The repository swarm's built-in roles: analyzer, coder and tester (the judge is a rubric,
the planner runs in the coordinator).

- The **analyzer** runs the whole suite in the sandbox with per-file coverage, localizes each
  failing test to the file and function its lines point at most (Ochiai over the suite), and
  reads the import graph.
- The **coder** changes one file: it runs ``evolve`` on it (the rest of the repository
  read-only) against the task's tests, or, with a model configured, first judges the model's
  search/replace edits like any candidate. Its result is the change, with the evidence of the
  tests it fixed and broke.
- The **tester** runs the whole suite and the held-out tests on a state of the shared
  repository: the consistency check after promotions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from petri.agents.agent import Agent, agent
from petri.agents.models import SwarmTask
from petri.agents.repo.context import Repo
from petri.agents.repo.localize import localize, outcomes
from petri.agents.repo.search import improve_file, repair_file
from petri.errors import JudgeError
from petri.runtime.worker import PermanentError


@agent
class Analyzer(Agent):
    """Runs the suite with per-file coverage; localizes failures; reads the import graph."""

    name = "analyzer"
    capability = "test"
    kinds = ("analyze",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        repo = Repo.of(self.ctx, task)
        program = repo.layout.sources[0]
        try:
            with repo.pool(program) as pool:
                evaluation = pool.evaluate(repo.text(program), file_coverage=True)
        except JudgeError as exc:  # the repository's own suite cannot run: retrying cannot help
            raise PermanentError(str(exc)) from exc
        texts = {rel: repo.text(rel) for rel in repo.layout.sources}
        found = localize(evaluation, texts, repo.layout.modules)
        holdout = _holdout(repo)
        return {"ok": True, **found, **holdout}


@agent
class Coder(Agent):
    """Changes one file so that its target tests pass and its guard tests keep passing."""

    name = "coder"
    capability = "evolve"
    kinds = ("repair", "improve")

    def state_key(self, task: SwarmTask) -> str:
        return f"coder:{task.payload.get('file', '')}"

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        repo = Repo.of(self.ctx, task)
        if task.kind == "improve":
            result = improve_file(self.ctx, repo, task)
        else:
            result = repair_file(self.ctx, repo, task)
        self.state["last"] = {"task": task.id, "version": task.version, "ok": result.get("ok")}
        return result


@agent
class Tester(Agent):
    """Runs the whole suite and the held-out tests on a state of the shared repository."""

    name = "tester"
    capability = "test"
    kinds = ("check",)

    def handle(self, task: SwarmTask) -> dict[str, Any]:
        repo = Repo.of(self.ctx, task)
        program = repo.layout.sources[0]
        with repo.pool(program) as pool:
            evaluation = pool.evaluate(repo.text(program))
        passed, failed, _ = outcomes(evaluation)
        held = _holdout(repo)
        holds = [f"tests::{t}" for t in passed]
        holds += [f"holdout::{t}" for t in held.get("holdout_passed", [])]
        summary = {
            "passed": len(passed),
            "failed": len(failed),
            "holdout_passed": len(held.get("holdout_passed", [])),
            "holdout_failed": len(held.get("holdout_failed", [])),
        }
        return {"ok": True, "holds": holds, "failed": failed, **held, "summary": summary}


def _holdout(repo: Repo) -> dict[str, Any]:
    """The held-out tests' outcomes on this state (nothing when the repository has none)."""
    held = repo.layout.holdout
    if not held:
        return {}
    program = repo.layout.sources[0]
    try:
        with repo.pool(program, tests=(held,)) as pool:
            evaluation = pool.evaluate(repo.text(program))
    except JudgeError as exc:
        return {"holdout_error": str(exc)}
    passed, failed, _ = outcomes(evaluation)
    return {"holdout_passed": passed, "holdout_failed": failed}


def result_tests(result: Mapping[str, Any], key: str) -> list[str]:
    return [str(t) for t in result.get(key, [])]
