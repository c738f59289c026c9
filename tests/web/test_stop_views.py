"""Stopping a run from the dashboard: the form and the API behind CSRF, with an audit trail;
unknown runs are 404, ended runs 409, malformed bodies 422, and a refused request changes
nothing."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from petri.evolve import journal
from petri.evolve.events import RunFinished
from petri.runtime.runs import RunInfo, register
from petri.runtime.stop import stop_requested
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url
from petri.web.queue_views import CSRF_COOKIE
from petri.web.stop_views import add_stop_views, stop_form

RUN = "r20260101-000000-aaaaaa"
TOKEN = "t" * 32


def setup(tmp_path: Path) -> tuple[TestClient, Store, RunInfo]:
    home = tmp_path / "home"
    info = RunInfo(RUN, str(tmp_path), f"sqlite:///{tmp_path / 'run.db'}", "", "", time.time())
    register(home, info)
    audit = store_from_url(f"sqlite:///{tmp_path / 'audit.db'}")
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # as the dashboard's app does: the offending input (here binary) is not echoed
        return JSONResponse({"detail": str(len(exc.errors()))}, status_code=422)

    add_stop_views(app, home, audit, guarded=False)
    client = TestClient(app)
    client.cookies.set(CSRF_COOKIE, TOKEN)
    return client, audit, info


def requested(info: RunInfo) -> bool:
    store = store_from_url(info.store)
    try:
        return stop_requested(store, info.run_id) is not None
    finally:
        store.close()


def test_the_form_stops_a_run_and_redirects_to_its_page(tmp_path: Path) -> None:
    client, audit, info = setup(tmp_path)
    sent = client.post(f"/runs/{RUN[:10]}/stop", data={"csrf": TOKEN, "reason": " lunch "},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == f"/runs/{RUN}"
    assert requested(info)
    [entry] = [e.payload for e in audit.read("audit")]
    assert entry["action"] == "stop" and entry["run"] == RUN and entry["reason"] == "lunch"
    assert "loopback" in str(entry["who"]) and entry["kind"] == "evolve"


def test_the_api_stops_a_run_with_or_without_a_reason(tmp_path: Path) -> None:
    client, audit, info = setup(tmp_path)
    headers = {"X-CSRF-Token": TOKEN}
    answer = client.post(f"/api/runs/{RUN}/stop", json={"reason": "why not"}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["run"] == RUN and body["stop_requested"] is True and body["reason"] == "why not"
    assert client.post(f"/api/runs/{RUN}/stop", headers=headers).status_code == 200
    assert requested(info) and len(audit.read("audit")) == 2


def test_a_missing_or_stale_csrf_token_changes_nothing(tmp_path: Path) -> None:
    client, audit, info = setup(tmp_path)
    stale = client.post(f"/runs/{RUN}/stop", data={"csrf": "old-token"})
    assert stale.status_code == 403 and "CSRF" in stale.json()["detail"]
    assert client.post(f"/runs/{RUN}/stop", data={}).status_code == 403
    assert client.post(f"/api/runs/{RUN}/stop", json={}).status_code == 403
    wrong = client.post(f"/api/runs/{RUN}/stop", json={}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    client.cookies.clear()  # a header without its cookie
    lone = client.post(f"/api/runs/{RUN}/stop", json={}, headers={"X-CSRF-Token": TOKEN})
    assert lone.status_code == 403
    assert not requested(info) and audit.read("audit") == []


def test_unknown_ended_and_malformed_are_refused(tmp_path: Path) -> None:
    client, audit, info = setup(tmp_path)
    headers = {"X-CSRF-Token": TOKEN}
    unknown = client.post("/api/runs/r-nope/stop", json={}, headers=headers)
    assert unknown.status_code == 404 and "no run" in unknown.json()["detail"]
    assert client.post("/runs/r-nope/stop", data={"csrf": TOKEN}).status_code == 404
    for bad in ({"reason": 5}, {"reason": "x" * 501}, {"why": "x"}, ["x"]):
        assert client.post(f"/api/runs/{RUN}/stop", json=bad, headers=headers).status_code == 422
    raw = client.post(f"/api/runs/{RUN}/stop", content=b"\xff", headers=headers)
    assert raw.status_code == 422
    long_form = client.post(f"/runs/{RUN}/stop", data={"csrf": TOKEN, "reason": "x" * 501})
    assert long_form.status_code == 422
    assert not requested(info) and audit.read("audit") == []

    store = store_from_url(info.store)
    try:
        done = RunFinished(status="improved", best="x", evaluations=3, duration_s=1.0, out="o")
        store.append_many([journal.event(RUN, done)])
    finally:
        store.close()
    ended = client.post(f"/api/runs/{RUN}/stop", json={}, headers=headers)
    assert ended.status_code == 409 and "already ended (improved)" in ended.json()["detail"]
    assert not requested(info) and audit.read("audit") == []


def test_the_form_is_escaped() -> None:
    html = stop_form("r1'<x>", "tok'en<")
    assert "<x>" not in html and "tok'en" not in html
    assert "action='/runs/r1%27%3Cx%3E/stop'" in html
    assert "value='tok&#x27;en&lt;'" in html
    assert "name='reason'" in html and "<button>stop run</button>" in html
