"""``llm_edit`` proposals: a model asked for search/replace blocks, its answers recorded.

Each answer is recorded as a ``model_answered`` event the moment it arrives, keyed by the
generation and child slot it was asked for, with the rejection reason when it gives no edit;
a resumed run that breeds that generation again reads the answer back instead of asking, so
the model is never asked twice for one child and the run stays deterministic. Every failure
(the model unreachable or refusing, a spent budget, an answer with no block, a block that does
not apply or strays outside the EVOLVE-BLOCK) is a failed proposal: the breeder breeds that
child with the other operators. Once the budget is spent, or after ``MAX_FAILED_CALLS`` failed
calls in a row, the session asks no more (a resumed session tries again). Keys never reach
an event: answers and errors are redacted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from petri.config import EvolveSettings
from petri.errors import BudgetExhausted, ModelError, ModelOutputError
from petri.evolve.breed import Candidate
from petri.evolve.model_prompt import Results, build
from petri.llm import Ledger, Model, from_settings, redact
from petri.program.edits import Edit, Misfit, Original
from petri.program.op_llm import apply_blocks, llm_edit
from petri.program.search_replace import parse_search_replace
from petri.runtime.store import NewEvent, Store

MODEL_ANSWERED = "model_answered"
#: Failed calls in a row after which a session stops asking: an unreachable model would
#: otherwise cost its timeout and retries on every k-th child of the run.
MAX_FAILED_CALLS = 3


class ModelAnswered(BaseModel):
    """One model call for one child: the answer (or the error), why it gave no edit, usage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    TYPE: ClassVar[str] = MODEL_ANSWERED

    generation: int
    slot: int
    parent: str
    answer: str = ""
    error: str = ""  # the call failed: no answer
    rejected: str = ""  # the answer gave no edit: why
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0  # the run's totals after this call
    total_cost_usd: float = 0.0


class ModelEditor:
    """Asks ``model`` for edits of a run's programs (see the module docstring)."""

    def __init__(
        self,
        model: Model,
        original: Original,
        store: Store,
        run_id: str,
        results: Results,
        *,
        every: int,
        front: int,
    ) -> None:
        self.model = model
        self.original = original
        self.store = store
        self.run_id = run_id
        self.results = results
        self.every = every
        self.front = front
        self.silent = False  # the budget is spent, or the model failed too often in a row
        self.failed_calls = 0
        self.answers: dict[tuple[int, int], ModelAnswered] = {}
        for event in store.replay(run_id):
            if event.type == MODEL_ANSWERED:
                answer = ModelAnswered.model_validate(event.payload)
                self.answers[(answer.generation, answer.slot)] = answer
        if self.answers:
            last = max(self.answers.values(), key=lambda a: a.total_tokens)
            model.ledger.restore(last.total_tokens, last.total_cost_usd)

    def propose(
        self, parent: Candidate, elite: Sequence[Candidate], *, generation: int, slot: int
    ) -> Edit | None:
        """The model's edit of ``parent`` for child ``slot`` of ``generation``: the recorded
        answer when there is one, else a new call (recorded); None for a failed proposal."""
        answer = self.answers.get((generation, slot))
        if answer is None:
            if self.silent:
                return None
            answer = self._ask(parent, elite, generation, slot)
        if answer.error:
            return None
        return edit_of(self.original, parent, answer.answer)[0]

    def _ask(
        self, parent: Candidate, elite: Sequence[Candidate], generation: int, slot: int
    ) -> ModelAnswered:
        fields: dict[str, object] = {"generation": generation, "slot": slot, "parent": parent.id}
        conversation = build(parent, elite, self.results, shown=self.front)
        try:
            completion = self.model.complete(conversation)
        except ModelError as exc:  # unreachable, refusing or out of budget: search on without
            self.failed_calls += 1
            spent = isinstance(exc, BudgetExhausted)
            self.silent = spent or self.failed_calls >= MAX_FAILED_CALLS
            fields["error"] = redact(str(exc))
        else:
            self.failed_calls = 0
            text = redact(completion.text)
            fields["answer"] = text
            fields["rejected"] = edit_of(self.original, parent, text)[1]
            fields["input_tokens"] = completion.usage.input_tokens
            fields["output_tokens"] = completion.usage.output_tokens
        fields["total_tokens"] = self.model.ledger.tokens
        fields["total_cost_usd"] = self.model.ledger.cost_usd
        answer = ModelAnswered.model_validate(fields)
        self.store.append_many([NewEvent(self.run_id, MODEL_ANSWERED, answer.model_dump())])
        self.answers[(generation, slot)] = answer
        return answer


def edit_of(original: Original, parent: Candidate, answer: str) -> tuple[Edit | None, str]:
    """The ``llm_edit`` an answer makes of ``parent``, or None and why it makes none."""
    try:
        blocks = parse_search_replace(answer)
        if not blocks:
            return None, "the answer holds no SEARCH/REPLACE block"
        apply_blocks(original, parent.source, blocks)
    except (ModelOutputError, Misfit) as exc:
        return None, str(exc)
    edit = llm_edit(blocks)
    source = original.apply([*parent.edits, edit])
    if source is None:
        return None, "the edited program does not compile"
    if source == parent.source:
        return None, "the answer changes nothing"
    return edit, ""


def model_editor(
    evolve: EvolveSettings, source: str, store: Store, run_id: str, results: Results
) -> ModelEditor | None:
    """The editor the run's settings ask for; None offline (the default: no model calls).

    Raises ``ConfigError`` (no key) or ``MissingDriver`` (no SDK) from ``petri.llm``.
    """
    settings = evolve.llm
    if settings is None or settings.backend == "offline":
        return None
    ledger = Ledger(max_tokens=evolve.llm_max_tokens, max_cost=evolve.llm_max_cost)
    model = from_settings(settings, ledger)
    return ModelEditor(
        model,
        Original.parse(source),
        store,
        run_id,
        results,
        every=evolve.llm_every,
        front=evolve.llm_front,
    )
