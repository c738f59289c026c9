"""The model interface every backend implements, and the ledger that budgets and bills calls.

``Model.complete`` is the public step: it checks the budget, calls the backend's ``_complete``
hook, prices the usage and charges the ledger, once for every backend. ``Model.structured`` asks
for JSON matching a pydantic schema and re-asks once with the validation error.
"""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from petri.errors import BudgetExhausted, ModelOutputError
from petri.llm.settings import LlmSettings

__all__ = ["Completion", "Ledger", "Message", "Model", "Usage", "extract_json"]

T = TypeVar("T", bound=BaseModel)


class Message(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    """Tokens one call consumed and what they cost at the configured prices."""

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Completion(BaseModel):
    """A model's whole answer to one call (streamed answers are assembled first)."""

    model_config = ConfigDict(frozen=True)

    text: str
    usage: Usage = Usage()
    model: str
    finish_reason: str | None = None


class Ledger:
    """Running token and cost totals of a run, against optional budgets.

    Every call is charged after it returns: ``on_usage`` receives a JSON-able event and, once a
    total exceeds its budget, ``BudgetExhausted`` is raised. ``check()`` before a call refuses
    to start one when nothing is left. A resumed run builds a ledger with its (possibly larger)
    budget and ``restore``s the totals its events recorded. Thread-safe: workers share one.
    """

    def __init__(
        self,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        on_usage: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.on_usage = on_usage
        self._tokens = 0
        self._cost = 0.0
        self._lock = threading.Lock()

    @property
    def tokens(self) -> int:
        return self._tokens

    @property
    def cost_usd(self) -> float:
        return self._cost

    def restore(self, tokens: int, cost: float) -> None:
        """Continue counting from the totals a previous session recorded."""
        with self._lock:
            self._tokens, self._cost = tokens, cost

    def check(self) -> None:
        """Raise ``BudgetExhausted`` when a budget is already spent (no room for another call)."""
        reason = self._spent(inclusive=True)
        if reason:
            raise BudgetExhausted(reason)

    def charge(self, usage: Usage, backend: str, model: str) -> dict[str, Any]:
        """Add one call's usage, report it to ``on_usage``, raise when a budget is exceeded."""
        with self._lock:
            self._tokens += usage.total_tokens
            self._cost += usage.cost_usd
            event: dict[str, Any] = {
                "backend": backend,
                "model": model,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
                "total_tokens": self._tokens,
                "total_cost_usd": self._cost,
            }
        if self.on_usage is not None:
            self.on_usage(event)  # the tokens are spent either way: the event comes first
        reason = self._spent(inclusive=False)
        if reason:
            raise BudgetExhausted(reason)
        return event

    def _spent(self, *, inclusive: bool) -> str:
        """Why the budget is spent ('' when it is not): a total over (or, inclusive, at) it."""
        hint = "resume with a larger budget"
        tokens, cost = self._tokens, self._cost

        def over(total: float, limit: float | None) -> bool:
            return limit is not None and (total >= limit if inclusive else total > limit)

        if over(tokens, self.max_tokens):
            return f"token budget spent: {tokens} of {self.max_tokens} tokens used; {hint}"
        if over(cost, self.max_cost):
            return f"cost budget spent: ${cost:.4f} of ${self.max_cost:.4f} used; {hint}"
        return ""


class Model(ABC):
    """A chat model. Backends implement ``_complete``; everything else is shared."""

    backend: ClassVar[str] = ""

    def __init__(self, settings: LlmSettings, ledger: Ledger | None = None) -> None:
        self.settings = settings
        self.ledger = ledger if ledger is not None else Ledger()

    @property
    def available(self) -> bool:
        """Whether a model answers at all; callers fall back to analysis and evolution if not."""
        return True

    @property
    def model_name(self) -> str:
        return self.settings.model_name

    def __repr__(self) -> str:
        # Settings name the key's variable or file, never the key; the SDK client stays hidden.
        return (
            f"{type(self).__name__}(model={self.model_name!r}, base_url={self.settings.base_url!r})"
        )

    def complete(
        self, messages: Sequence[Message], *, max_tokens: int | None = None, stream: bool = False
    ) -> Completion:
        """The model's answer to ``messages``, charged to the ledger.

        ``max_tokens`` lowers (never raises) the settings' ``max_tokens_per_call``; ``stream``
        reads the vendor's streaming API and returns the assembled answer with its usage.
        Raises ``BudgetExhausted`` (before or after the call) and ``ModelError`` after retries.
        """
        self.ledger.check()
        limit = self.settings.max_tokens_per_call
        if max_tokens is not None:
            limit = max(1, min(limit, max_tokens))
        raw = self._complete(list(messages), max_tokens=limit, stream=stream)
        cost = self.settings.cost_usd(raw.usage.input_tokens, raw.usage.output_tokens)
        usage = raw.usage.model_copy(update={"cost_usd": cost})
        completion = raw.model_copy(update={"usage": usage})
        self.ledger.charge(usage, self.backend, completion.model or self.model_name)
        return completion

    @abstractmethod
    def _complete(self, messages: list[Message], *, max_tokens: int, stream: bool) -> Completion:
        """One call to the vendor (with retries); usage in tokens, cost left at 0."""

    def structured(self, messages: Sequence[Message], schema: type[T], *, attempts: int = 2) -> T:
        """An instance of ``schema`` parsed from the model's JSON answer.

        An invalid answer (no JSON, malformed JSON, schema violation) is asked again with the
        error appended, up to ``attempts`` calls in all; then ``ModelOutputError`` is raised.
        """
        conversation = [*messages, Message(role="user", content=_schema_prompt(schema))]
        problem = ""
        for _ in range(max(1, attempts)):
            text = self.complete(conversation).text
            try:
                return schema.model_validate(extract_json(text))
            except ValidationError as exc:
                problem = _summarize(exc)
            except ValueError as exc:
                problem = str(exc)
            retry = f"That answer was invalid ({problem}). Reply again with only the JSON object."
            conversation += [
                Message(role="assistant", content=text),
                Message(role="user", content=retry),
            ]
        raise ModelOutputError(
            f"the model's answer is not a valid {schema.__name__} after {attempts} attempts: "
            f"{problem}"
        )


_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any:
    """The JSON value in a model's answer: a fenced ```json block, else the first object.

    Raises ``ValueError`` with a one-line reason when there is none or it is malformed.
    """
    for match in _FENCE.finditer(text):
        body = match.group(1).strip()
        if body.startswith(("{", "[")):
            return _loads(body)
    decoder = json.JSONDecoder()
    first_error: json.JSONDecodeError | None = None
    start = text.find("{")
    while start != -1:
        try:
            return decoder.raw_decode(text, start)[0]
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
        start = text.find("{", start + 1)
    if first_error is not None:
        raise ValueError(_describe_json_error(first_error))
    raise ValueError("no JSON object in the answer")


def _loads(body: str) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(_describe_json_error(exc)) from exc


def _describe_json_error(exc: json.JSONDecodeError) -> str:
    return f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"


def _summarize(exc: ValidationError, shown: int = 3) -> str:
    errors = exc.errors()
    parts = [f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in errors[:shown]]
    more = f" (and {len(errors) - shown} more)" if len(errors) > shown else ""
    return "schema violation: " + "; ".join(parts) + more


def _schema_prompt(schema: type[BaseModel]) -> str:
    return (
        "Answer with one JSON object matching this JSON Schema and nothing else "
        "(a ```json fenced block is fine):\n" + json.dumps(schema.model_json_schema())
    )
