"""The contract every remote backend keeps, run against each vendor's loopback server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from fake_servers import (
    Vendor,
    answer,
    cut,
    hang,
    malformed,
    rate_limited,
    status,
)
from petri.errors import BudgetExhausted, ModelError, ModelOutputError
from petri.llm import Ledger, Message

ASK = [Message(role="system", content="be brief"), Message(role="user", content="say hi")]


class Verdict(BaseModel):
    passed: bool
    reason: str


@pytest.mark.parametrize("stream", [False, True])
def test_complete_returns_text_usage_and_cost(vendor: Vendor, stream: bool) -> None:
    vendor.server.push(answer("hello there, world", input_tokens=1000, output_tokens=200))
    completion = vendor.model().complete(ASK, stream=stream)
    assert completion.text == "hello there, world"
    assert completion.model == "test-model"
    assert completion.finish_reason in {"stop", "end_turn"}
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (1000, 200)
    # 1000 * $3/M + 200 * $15/M
    assert completion.usage.cost_usd == pytest.approx(0.006)
    sent = vendor.server.requests[0].json
    assert sent["model"] == "test-model"
    assert bool(sent.get("stream")) is stream
    assert "say hi" in json.dumps(sent["messages"])


def test_max_tokens_is_the_lower_of_call_and_settings(vendor: Vendor) -> None:
    vendor.server.push(answer("a"), answer("b"))
    model = vendor.model(max_tokens_per_call=50)
    model.complete(ASK, max_tokens=10)
    model.complete(ASK, max_tokens=500)
    assert [r.json["max_tokens"] for r in vendor.server.requests] == [10, 50]


def test_structured_valid_answer(vendor: Vendor) -> None:
    vendor.server.push(answer('Sure:\n```json\n{"passed": true, "reason": "ok"}\n```'))
    verdict = vendor.model().structured(ASK, Verdict)
    assert verdict == Verdict(passed=True, reason="ok")
    prompt = json.dumps(vendor.server.requests[0].json)
    assert "JSON Schema" in prompt and "passed" in prompt


def test_structured_reasks_with_the_error(vendor: Vendor) -> None:
    vendor.server.push(answer('{"passed": "maybe"}'), answer('{"passed": false, "reason": "no"}'))
    verdict = vendor.model().structured(ASK, Verdict)
    assert verdict == Verdict(passed=False, reason="no")
    second = json.dumps(vendor.server.requests[1].json["messages"])
    assert "invalid" in second and "reason" in second and '\\"passed\\": \\"maybe\\"' in second


def test_structured_invalid_twice_raises(vendor: Vendor) -> None:
    vendor.server.push(answer("no JSON here"), answer('{"passed": true'))
    with pytest.raises(ModelOutputError) as caught:
        vendor.model().structured(ASK, Verdict)
    message = str(caught.value)
    assert "Verdict" in message and "malformed JSON" in message and "\n" not in message
    assert len(vendor.server.requests) == 2


def test_retry_after_is_honoured(vendor: Vendor) -> None:
    vendor.server.push(rate_limited("1"), answer("after the wait"))
    assert vendor.model().complete(ASK).text == "after the wait"
    first, second = vendor.server.requests
    assert second.at - first.at >= 0.95  # no upper bound: slow machines exist


def test_server_error_then_success(vendor: Vendor) -> None:
    vendor.server.push(status(500), answer("recovered"))
    assert vendor.model().complete(ASK, stream=True).text == "recovered"
    assert len(vendor.server.requests) == 2


def test_malformed_body_is_retried(vendor: Vendor) -> None:
    vendor.server.push(malformed(), answer("fine"))
    assert vendor.model().complete(ASK).text == "fine"


def test_stream_cut_short_is_retried(vendor: Vendor) -> None:
    vendor.server.push(cut(), answer("whole"))
    assert vendor.model().complete(ASK, stream=True).text == "whole"
    assert len(vendor.server.requests) == 2


def test_hang_times_out_retries_then_fails(vendor: Vendor) -> None:
    vendor.server.push(hang(5), hang(5))
    model = vendor.model(timeout_s=0.5, max_retries=1)
    with pytest.raises(ModelError) as caught:
        model.complete(ASK)
    message = str(caught.value)
    assert "timed out after 0.5 s after 2 attempts" in message and "llm.timeout_s" in message
    assert len(vendor.server.requests) == 2


def test_retries_exhausted_name_the_status(vendor: Vendor) -> None:
    vendor.server.push(status(503), status(503))
    with pytest.raises(ModelError, match=r"server error 503 after 2 attempts"):
        vendor.model(max_retries=1).complete(ASK)


@pytest.mark.parametrize(
    ("code", "expected"),
    [(400, "refused the request (400"), (401, "refused the key (401)"), (404, "not found")],
)
def test_other_4xx_fail_at_once(vendor: Vendor, code: int, expected: str) -> None:
    vendor.server.push(status(code))
    with pytest.raises(ModelError) as caught:
        vendor.model().complete(ASK)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(vendor.server.requests) == 1


def test_unreachable_endpoint(vendor: Vendor) -> None:
    port = vendor.server.url.split(":")[2].split("/")[0]
    vendor.server.close()  # nothing listens on the port any more
    model = vendor.model(max_retries=0)
    with pytest.raises(ModelError, match=rf"cannot reach http://127.0.0.1:{port}"):
        model.complete(ASK)


def test_usage_events_through_the_ledger(
    vendor: Vendor, events: tuple[list[dict[str, Any]], Any]
) -> None:
    seen, on_usage = events
    vendor.server.push(answer("a", 100, 10), answer("b", 200, 20))
    model = vendor.model(Ledger(on_usage=on_usage))
    model.complete(ASK)
    model.complete(ASK, stream=True)
    assert [e["total_tokens"] for e in seen] == [110, 330]
    assert seen[1] == {
        "backend": vendor.name,
        "model": "test-model",
        "input_tokens": 200,
        "output_tokens": 20,
        "cost_usd": pytest.approx(0.0009),
        "total_tokens": 330,
        "total_cost_usd": pytest.approx(0.00045 + 0.0009),
    }
    json.dumps(seen)  # JSON-able, as events must be


def test_token_budget_stops_and_resumes_with_more(vendor: Vendor) -> None:
    vendor.server.push(answer("a", 60, 10), answer("b", 60, 10))
    model = vendor.model(Ledger(max_tokens=100))
    model.complete(ASK)
    with pytest.raises(BudgetExhausted, match="token budget spent: 140 of 100"):
        model.complete(ASK)
    with pytest.raises(BudgetExhausted):  # refused before any request
        model.complete(ASK)
    assert len(vendor.server.requests) == 2

    resumed = Ledger(max_tokens=1000)
    resumed.restore(model.ledger.tokens, model.ledger.cost_usd)
    vendor.server.push(answer("c", 60, 10))
    assert vendor.model(resumed).complete(ASK).text == "c"
    assert resumed.tokens == 210


def test_cost_budget_stops(vendor: Vendor) -> None:
    vendor.server.push(answer("a", 1_000_000, 0))  # $3.00
    model = vendor.model(Ledger(max_cost=2.5))
    with pytest.raises(BudgetExhausted, match=r"cost budget spent: \$3.0000 of \$2.5000"):
        model.complete(ASK)


def test_key_sent_only_in_the_auth_header(vendor: Vendor) -> None:
    vendor.server.push(answer("a"))
    vendor.model().complete(ASK)
    request = vendor.server.requests[0]
    carrying = [name.lower() for name, value in request.headers.items() if vendor.key in value]
    assert carrying in (["authorization"], ["x-api-key"])
    assert vendor.key not in request.raw.decode() and vendor.key not in request.path
