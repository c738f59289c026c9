"""The worker's checks on what a candidate's child reports (see petri.sandbox.child_reports).

The frames themselves are exercised end to end in test_harness_inprocess and the adversarial
suite; here are the bounds that need no child.
"""

from __future__ import annotations

from petri.sandbox.child_reports import DETAILS_LIMIT, MAX_DETAILS, Verdict


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
