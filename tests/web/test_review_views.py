"""The dashboard's review queue: approve a waiting swarm result, see the run resume."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from swarm_waiting import waiting

from petri.runtime.runs import lookup
from petri.runtime.store import from_url
from petri.web.app import create_app

__all__ = ["waiting"]  # the fixture, used by name


def decisions(home: Path, run_id: str) -> list[dict[str, Any]]:
    info = lookup(home, run_id)
    store = from_url(info.store)
    try:
        kinds = ("review_approved", "review_rejected")
        return [e.payload for e in store.replay(run_id) if e.type in kinds]
    finally:
        store.close()


@pytest.mark.slow
def test_approving_a_review_records_who_and_resumes_the_run(waiting: tuple[Path, str]) -> None:
    home, run_id = waiting
    client = TestClient(create_app(home))
    listed = client.get("/api/reviews").json()
    assert [r["run"] for r in listed] == [run_id]
    page = client.get("/reviews").text
    token = re.search(r"name='csrf' value='([^']+)'", page)
    assert token is not None and listed[0]["id"] in page
    stale = client.post("/reviews/decide", data={"id": listed[0]["id"], "decision": "approve",
                                                 "csrf": "old"})  # fmt: skip
    assert stale.status_code == 403 and decisions(home, run_id) == []
    sent = client.post(
        "/reviews/decide",
        data={"id": listed[0]["id"], "decision": "approve", "note": "fine", "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/runs/{run_id}"
    [decision] = decisions(home, run_id)
    assert decision["decision"] == "approve" and decision["note"] == "fine"
    assert "loopback" in decision["who"]
    deadline = time.monotonic() + 180
    while client.get(f"/api/runs/{run_id}").json()["status"] != "completed":
        assert time.monotonic() < deadline, "the run did not resume"
        time.sleep(0.2)
    assert client.get("/api/reviews").json() == []


def test_bad_decisions_are_4xx_and_change_nothing(tmp_path: Path) -> None:
    client = TestClient(create_app(tmp_path / "home"))
    assert "Nothing waits for a review" in client.get("/reviews").text
    token = client.cookies["petri_csrf"]
    headers = {"X-CSRF-Token": token}
    unknown = client.post("/api/reviews/nope", json={"decision": "approve"}, headers=headers)
    assert unknown.status_code == 404 and "no result waiting" in unknown.json()["detail"]
    odd = client.post("/api/reviews/nope", json={"decision": "maybe"}, headers=headers)
    assert odd.status_code == 422
    assert client.post("/api/reviews/nope", json={"decision": "approve"}).status_code == 403
