"""The shared parts: messages, usage, the ledger and JSON extraction."""

from __future__ import annotations

import pydantic
import pytest

from petri.errors import BudgetExhausted
from petri.llm import Ledger, Message, Usage, extract_json


def test_message_roles_are_checked_and_frozen() -> None:
    with pytest.raises(pydantic.ValidationError):
        Message(role="tool", content="x")
    message = Message(role="user", content="x")
    with pytest.raises(pydantic.ValidationError):
        message.content = "y"  # type: ignore[misc]


def test_usage_totals() -> None:
    assert Usage(input_tokens=3, output_tokens=4).total_tokens == 7


def test_ledger_without_budget_counts_only() -> None:
    ledger = Ledger()
    event = ledger.charge(Usage(input_tokens=5, output_tokens=5, cost_usd=0.5), "b", "m")
    assert event["total_tokens"] == 10 and event["total_cost_usd"] == 0.5
    ledger.check()


def test_ledger_exactly_at_the_budget() -> None:
    ledger = Ledger(max_tokens=10)
    ledger.charge(Usage(input_tokens=5, output_tokens=5), "b", "m")  # reached, not exceeded
    with pytest.raises(BudgetExhausted, match="10 of 10 tokens"):
        ledger.check()  # but nothing is left for another call


def test_ledger_restore_and_a_new_budget() -> None:
    ledger = Ledger(max_cost=1.0)
    ledger.restore(500, 0.99)
    ledger.check()
    with pytest.raises(BudgetExhausted, match=r"\$1.0900 of \$1.0000"):
        ledger.charge(Usage(cost_usd=0.1), "b", "m")
    ledger.max_cost = 5.0  # the resumed run brought more
    ledger.check()
    assert ledger.tokens == 500 and ledger.cost_usd == pytest.approx(1.09)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here it is:\n```json\n{"a": [1, 2]}\n```\nDone.', {"a": [1, 2]}),
        ('```\n{"a": 2}\n```', {"a": 2}),
        ('```python\nprint(1)\n```\nthen {"a": 3}', {"a": 3}),
        ('```\nnot json\n```\n{"a": 4}', {"a": 4}),
        ('Use {braces} like {"a": "}"} here', {"a": "}"}),
        ("```json\n[1, 2]\n```", [1, 2]),
    ],
)
def test_extract_json(text: str, expected: object) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("no json here", "no JSON object in the answer"),
        ('{"a": 1,', "malformed JSON: Expecting property name"),
        ('```json\n{"a": }\n```', "malformed JSON: Expecting value at line 1 column 7"),
    ],
)
def test_extract_json_says_why_not(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        extract_json(text)
