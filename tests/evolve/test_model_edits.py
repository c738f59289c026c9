"""``llm_edit`` in the engine, asking a real backend aimed at a loopback server that speaks the
OpenAI wire protocol: an answer that repairs, answers that do not apply, a budget, every k-th
child, resume without asking again, and keys kept out of the events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from judge_double import BUGGY, FakeEvaluator, started

from fake_servers import Behaviour, Vendor, answer
from petri.config import EvolveSettings
from petri.evolve.engine import Engine
from petri.evolve.evaluator import Job
from petri.evolve.journal import RunState
from petri.evolve.model_edits import MODEL_ANSWERED, ModelEditor, model_editor
from petri.evolve.results import Result
from petri.llm import Ledger
from petri.program.edits import Original
from petri.runtime.store.memory import MemoryStore
from petri.sandbox.outcome import Evaluation

FIX = """Flip the comparison:
<<<<<<< SEARCH
        if x < best:  # the bug: keeps the smallest
=======
        if x > best:
>>>>>>> REPLACE
"""
ELSEWHERE = """<<<<<<< SEARCH
    best = xs[0]
=======
    best = xs[-1]
>>>>>>> REPLACE
"""
MISSING = """<<<<<<< SEARCH
    if x <= best:
=======
    if x >= best:
>>>>>>> REPLACE
"""


class KeepingEvaluator(FakeEvaluator):
    """The judge double, keeping each evaluation for the model's prompt."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(fail_after)
        self.kept: dict[str, Evaluation] = {}

    def evaluate(self, jobs: Sequence[Job], deadline: float | None) -> dict[str, Result]:
        out = super().evaluate(jobs, deadline)
        self.kept.update({pid: r.evaluation for pid, r in out.items()})
        return out


def run(
    store: MemoryStore,
    vendor: Vendor,
    evaluator: KeepingEvaluator,
    source: str = BUGGY,
    *,
    ledger: Ledger | None = None,
    **settings: Any,
) -> RunState:
    evolve = EvolveSettings(**settings)
    editor = ModelEditor(
        vendor.model(ledger),
        Original.parse(source),
        store,
        "r1",
        evaluator.kept.get,
        every=evolve.llm_every,
        front=evolve.llm_front,
    )
    engine = Engine("r1", store, evaluator, evolve, model=editor)
    return engine.run(started(source))


def answered(store: MemoryStore) -> list[dict[str, Any]]:
    return [e.payload for e in store.read("r1") if e.type == MODEL_ANSWERED]


def test_an_answer_that_fixes_the_bug_repairs_the_run(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(answer(FIX))
    store, evaluator = MemoryStore(), KeepingEvaluator()
    state = run(store, openai_vendor, evaluator, seed=0, max_evals=200)
    assert state.promoted is not None and state.promoted.status == "repaired"
    best = state.born[state.promoted.id]
    assert best.op == "llm_edit" and [e.op for e in best.edits] == ["llm_edit"]
    assert best.edits[0].args == ("        if x < best:  # the bug: keeps the smallest\n",
                                  "        if x > best:\n")  # fmt: skip
    assert "if x > best:" in best.source
    # Generation 0 (the one that repaired) asked for children 0, 6, 12 and 18; the server had
    # one answer, the other calls failed and those children were bred by the other operators.
    assert len(openai_vendor.server.requests) == 4
    event, *failed = answered(store)
    assert event["answer"] == FIX and event["rejected"] == "" and event["total_tokens"] == 18
    assert [e["slot"] for e in failed] == [6, 12, 18] and all(e["error"] for e in failed)
    assert len(state.generations) == 1
    prompt = openai_vendor.server.requests[0].json["messages"][-1]["content"]
    assert BUGGY in prompt and "FAILING tests/test_largest.py::test_0" in prompt
    assert "3 of 5 tests pass" not in prompt and "2 of 5 tests pass" in prompt


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        (answer(MISSING), "not found in the source"),
        (answer("I would flip the comparison."), "no SEARCH/REPLACE block"),
        (answer("<<<<<<< SEARCH\n    best = xs[0]\n"), "not closed"),
    ],
)
def test_an_answer_that_does_not_apply_is_a_failed_proposal(
    openai_vendor: Vendor, behaviour: Behaviour, reason: str
) -> None:
    openai_vendor.server.push(behaviour)  # then 400s: the model fails, the search goes on
    store, evaluator = MemoryStore(), KeepingEvaluator()
    # the classic statement edits cannot flip the comparison: the run spends its budget
    state = run(store, openai_vendor, evaluator, seed=4, max_evals=60, llm_every=12,
                operators="statements")  # fmt: skip
    assert state.promoted is not None and state.evaluations >= 60
    assert not any(c.op == "llm_edit" for c in state.born.values())
    first, *rest = answered(store)
    assert reason in first["rejected"]
    # the model then fails three times in a row: the run asks it no more
    assert len(rest) == 3 and all(e["error"] and not e["answer"] for e in rest)


def test_an_edit_outside_the_evolve_block_is_a_failed_proposal(openai_vendor: Vendor) -> None:
    source = f"# EVOLVE-BLOCK-START\n{BUGGY}# EVOLVE-BLOCK-END\n\n\ndef smallest(xs):\n" \
        "    return min(xs)\n"  # fmt: skip
    outside = "<<<<<<< SEARCH\n    return min(xs)\n=======\n    return max(xs)\n>>>>>>> REPLACE\n"
    openai_vendor.server.push(answer(outside), answer(FIX))
    store, evaluator = MemoryStore(), KeepingEvaluator()
    state = run(store, openai_vendor, evaluator, source, seed=0, max_evals=200, llm_every=12)
    first, second = answered(store)[:2]
    assert "outside the EVOLVE-BLOCK" in first["rejected"] and second["rejected"] == ""
    prompt = openai_vendor.server.requests[0].json["messages"][-1]["content"]
    assert "def largest" in prompt and "def smallest" not in prompt  # the block only
    assert state.promoted is not None and state.promoted.status == "repaired"
    assert "return min(xs)" in state.born[state.promoted.id].source


def test_the_model_is_asked_for_every_kth_child(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(*[answer(ELSEWHERE)] * 3)
    store = MemoryStore()
    run(store, openai_vendor, KeepingEvaluator(), seed=2, max_evals=25, llm_every=8)
    assert [(e["generation"], e["slot"]) for e in answered(store)] == [(0, 0), (0, 8), (0, 16)]


def test_a_spent_budget_stops_the_calls_not_the_run(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(*[answer(ELSEWHERE)] * 10)  # 18 tokens a call
    store = MemoryStore()
    ledger = Ledger(max_tokens=30)
    state = run(store, openai_vendor, KeepingEvaluator(), ledger=ledger, seed=3, max_evals=100)
    assert len(openai_vendor.server.requests) == 2
    first, second = answered(store)
    assert first["error"] == "" and "token budget spent" in second["error"]
    assert state.promoted is not None  # the run went on to its end without the model


def test_resume_reads_the_recorded_answers_instead_of_asking_again(
    openai_vendor: Vendor,
) -> None:
    # Statement edits alone do not repair this bug: the run lasts all its generations.
    settings: dict[str, Any] = {"seed": 5, "max_evals": 80, "operators": "statements"}
    openai_vendor.server.push(*[answer(ELSEWHERE)] * 40)
    reference = run(MemoryStore(), openai_vendor, KeepingEvaluator(), **settings)
    asked = len(openai_vendor.server.requests)
    openai_vendor.server.requests.clear()
    store = MemoryStore()
    with pytest.raises(KeyboardInterrupt):  # killed while judging generation 1
        run(store, openai_vendor, KeepingEvaluator(fail_after=30), **settings)
    before = len(openai_vendor.server.requests)
    resumed = run(store, openai_vendor, KeepingEvaluator(), **settings)
    assert asked > before > 0 and len(openai_vendor.server.requests) == asked
    keys = [(e["generation"], e["slot"]) for e in answered(store)]
    assert len(keys) == len(set(keys))  # no child asked twice
    assert resumed.promoted == reference.promoted
    assert sorted(resumed.records) == sorted(reference.records)


def test_keys_never_reach_an_event(openai_vendor: Vendor) -> None:
    openai_vendor.server.push(answer(f"my key is {openai_vendor.key}\n{FIX}"))
    store = MemoryStore()
    run(store, openai_vendor, KeepingEvaluator(), seed=0, max_evals=50)
    text = json.dumps([e.payload for e in store.read("r1")])
    assert openai_vendor.key not in text and "my key is ***" in text


def test_offline_is_the_default_and_asks_nothing() -> None:
    assert EvolveSettings().llm is None
    assert model_editor(EvolveSettings(), BUGGY, MemoryStore(), "r1", lambda _: None) is None
