"""The worker's checks on what a candidate's child reports (see petri.sandbox.child_reports).

The frames themselves are exercised end to end in test_harness_inprocess and the adversarial
suite; here are the bounds that need no child.
"""

from __future__ import annotations

from petri.sandbox.child_reports import DETAILS_LIMIT, MAX_DETAILS, ChildReports, Verdict
from petri.sandbox.framing import encode


def test_details_kept_are_bounded() -> None:
    verdict = Verdict(units=["a", "b", "c"])
    for index in range(3):
        verdict.record(index, "failed")
    verdict.keep_details(0, "x" * DETAILS_LIMIT + "the end")
    verdict.keep_details(1, {"forged": True})
    assert verdict.results[0]["details"].endswith("the end")
    assert len(verdict.results[0]["details"]) == DETAILS_LIMIT
    assert "details" not in verdict.results[1]
    verdict.detailed = MAX_DETAILS  # the evaluation's share is spent
    verdict.keep_details(2, "more")
    assert "details" not in verdict.results[2]


def test_a_crash_line_is_kept_only_when_it_is_a_line_number() -> None:
    verdict = Verdict(units=["a", "b"])
    reports = ChildReports(
        [0, 1], verdict, nonce="n", unit_timeout=5.0, basis=0.0, max_line=0,
        file_lines=None, program="",
    )  # fmt: skip
    for index, line in ((0, 7), (1, "7; rm -rf /")):
        reports.feed(encode({"ev": "start", "i": index, "nonce": "n"}))
        reports.feed(encode({"ev": "result", "i": index, "outcome": "failed", "line": line,
                             "nonce": "n"}))  # fmt: skip
    assert verdict.results[0]["line"] == 7
    assert "line" not in verdict.results[1]
    assert not verdict.flags  # a line that is not one is dropped, not a violation
