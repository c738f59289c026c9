"""The model an agent may use, and a ledger every worker of a run shares through the store.

Workers on several machines spend one budget: each call's usage is added to the run's
``swarm:{run}:usage`` object with compare-and-set, in the same transaction as its
``model_usage`` event, so the totals are exact however many workers call at once. A call that
finds the budget spent raises ``BudgetExhausted``; the task returns it as its result and the
coordinator stops the run cleanly (``petri resume RUN --max-tokens N`` goes on).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from petri.agents import journal
from petri.errors import StateConflict
from petri.llm.base import Ledger, Usage
from petri.runtime.store import NewEvent, Store


def usage_key(run_id: str) -> str:
    return f"swarm:{run_id}:usage"


class StoreLedger(Ledger):
    """A ``Ledger`` whose totals live in the run's store, shared by every worker."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        max_tokens: int | None = None,
        max_cost: float | None = None,
    ) -> None:
        super().__init__(max_tokens, max_cost)
        self.store = store
        self.run_id = run_id

    def _refresh(self) -> int:
        totals, version = self.store.get(usage_key(self.run_id))
        if isinstance(totals, Mapping):
            self.restore(int(totals.get("tokens", 0)), float(totals.get("cost_usd", 0.0)))
        return version

    def check(self) -> None:
        self._refresh()
        super().check()

    def charge(self, usage: Usage, backend: str, model: str) -> dict[str, Any]:
        while True:
            version = self._refresh()
            tokens = self.tokens + usage.total_tokens
            cost = self.cost_usd + usage.cost_usd
            event = {
                "backend": backend,
                "model": model,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
                "total_tokens": tokens,
                "total_cost_usd": cost,
            }
            record = NewEvent(self.run_id, journal.USAGE, event)
            try:
                totals = {"tokens": tokens, "cost_usd": cost}
                self.store.put(usage_key(self.run_id), totals, version, [record])
            except StateConflict:  # another worker's call was counted first: add to it
                continue
            self.restore(tokens, cost)
            break
        self.check_after()
        return event

    def check_after(self) -> None:
        """Raise ``BudgetExhausted`` once a total went over its budget."""
        reason = self._spent(inclusive=False)
        if reason:
            from petri.errors import BudgetExhausted

            raise BudgetExhausted(reason)


def model_factory(config: Mapping[str, Any], store: Store, run_id: str) -> Any:
    """The model a run's config names (None when offline), charging the run's shared ledger."""
    llm = config.get("llm") or {}
    if not llm or llm.get("backend", "offline") == "offline":
        return None
    from petri.llm import from_settings
    from petri.llm.settings import LlmSettings

    budget = config.get("budget") or {}
    tokens = budget.get("max_tokens")
    ledger = StoreLedger(
        store,
        run_id,
        max_tokens=int(tokens) if tokens is not None else None,
        max_cost=budget.get("max_cost"),
    )
    return from_settings(LlmSettings(**llm), ledger)


def rate_diff(model: Any, diff: str) -> tuple[float, str]:
    """A model's 0-1 rating of a change, with its reason; 0.5 (no opinion) when it cannot
    answer, so a model outage neither passes nor sinks a result on its own."""
    from pydantic import BaseModel, Field

    from petri.errors import ModelError
    from petri.llm.base import Message

    class Opinion(BaseModel):
        score: float = Field(..., ge=0.0, le=1.0)
        reason: str = ""

    ask = [
        Message(role="system", content="You review code changes. Rate how likely this diff "
                "is a correct, minimal fix, from 0 to 1."),
        Message(role="user", content=diff[:20_000]),
    ]  # fmt: skip
    try:
        opinion = model.structured(ask, Opinion)
    except ModelError as exc:
        return 0.5, f"no opinion: {exc}"
    return float(opinion.score), opinion.reason
