"""The dashboard's pages, JSON API, live stream, metrics and token, on real runs' stores."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from petri.config import load_settings
from petri.ecosystem.corpus import bundled_corpus
from petri.ecosystem.run import start_ecosystem
from petri.evolve.run import start_run
from petri.problem import load_problem
from petri.runtime.runs import RunInfo, register
from petri.web.app import create_app
from petri.web.security import needs_token

TOKEN = "t0ken-for-the-dashboard-tests"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A petri home holding a finished ecosystem run, an evolve run and a run with no events."""
    root = tmp_path_factory.mktemp("web")
    eco = {"width": 12, "height": 12, "organisms": 60, "ticks": 6, "snapshot_every": 3}
    settings = load_settings(ecosystem=eco, home=root / "home")
    start_ecosystem(bundled_corpus(), settings, state_dir=root / "state")
    problem = root / "fizzbuzz"
    shutil.copytree(EXAMPLES / "fizzbuzz", problem)
    evolve = {"max_evals": 60, "seed": 1, "workers": 1}
    start_run(load_problem(problem), load_settings(problem, evolve=evolve, home=root / "home"))
    store = "sqlite:///" + str(root / "empty" / "x.db")
    register(
        root / "home", RunInfo("r20000101-000000-dead00", str(root), store, "", str(root), 9e8)
    )
    return root / "home"


def run_id(client: TestClient) -> str:
    rows = client.get("/api/runs", params={"q": "ecosystem"}).json()
    return str(rows[0]["run"])


def test_the_api_lists_runs_and_searches_them(home: Path) -> None:
    client = TestClient(create_app(home))
    rows = client.get("/api/runs").json()
    assert sorted(r["job"] for r in rows) == ["ecosystem", "evolve", "evolve"]
    finished = next(r for r in rows if r["job"] == "ecosystem")
    assert finished["status"] == "finished" and finished["generations"] == "6 ticks"
    assert {r["status"] for r in rows if r["job"] == "evolve"} >= {"no events"}
    assert client.get("/api/runs", params={"q": "no such thing"}).json() == []
    one = client.get(f"/api/runs/{finished['run'][:-2]}").json()  # a unique prefix names it
    assert one["run"] == finished["run"] and one["job"] == "ecosystem"


def test_events_are_paged(home: Path) -> None:
    client = TestClient(create_app(home))
    rid = run_id(client)
    first = client.get(f"/api/runs/{rid}/events", params={"limit": 4}).json()
    assert [e["seq"] for e in first["events"]] == [1, 2, 3, 4] and first["next"] == 4
    assert first["events"][0]["type"] == "ecosystem_started"
    rest = client.get(f"/api/runs/{rid}/events", params={"after": 4, "limit": 1000}).json()
    assert rest["next"] is None and rest["events"][-1]["type"] == "ecosystem_finished"


def test_the_stream_sends_every_event_then_ends_with_the_run(home: Path) -> None:
    client = TestClient(create_app(home, poll_s=0.01))
    rid = run_id(client)
    with client.stream("GET", f"/api/runs/{rid}/stream", headers={"Last-Event-ID": "3"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        frames = [line for line in r.iter_lines() if line.startswith("data: ")]
    events: list[dict[str, Any]] = [json.loads(f[6:]) for f in frames]
    assert events[0]["seq"] == 4 and events[-1]["type"] == "ecosystem_finished"
    assert [e["seq"] for e in events] == list(range(4, 4 + len(events)))


def test_pages_render_runs_and_a_run_escaped_and_without_outside_addresses(home: Path) -> None:
    client = TestClient(create_app(home))
    page = client.get("/", params={"q": "<script>"}).text
    assert "&lt;script&gt;" in page and "<script>" not in page.split("</style>")[1]
    rid = run_id(client)
    runs = client.get("/").text
    assert f"/runs/{rid}" in runs
    eco = client.get(f"/runs/{rid}").text
    assert "ecosystem_finished" in eco and "EventSource" in eco
    assert "Phylogeny of the dominant species" in eco and "<img" in eco  # the job's own view
    evolve = next(r["run"] for r in client.get("/api/runs").json() if r["status"] != "no events"
                  and r["job"] == "evolve")  # fmt: skip
    view = client.get(f"/runs/{evolve}").text
    assert "Pareto front" in view and "Lineage of the best program" in view
    for text in (runs, eco, view):
        assert not re.search(r"(src|href)=[\'\"]?https?:", text)  # every asset is petri's own


def test_metrics_count_runs_by_job_and_status(home: Path) -> None:
    body = TestClient(create_app(home)).get("/metrics").text
    assert 'petri_runs{job="ecosystem",status="finished"} 1.0' in body
    assert 'petri_runs{job="evolve",status="no events"} 1.0' in body
    assert "petri_run_work" in body
    assert 'petri_ecosystem{what="organisms"}' in body and 'petri_ecosystem{what="species"}' in body


def test_bad_requests_are_clear_json_errors(home: Path) -> None:
    client = TestClient(create_app(home))
    missing = client.get("/api/runs/r-nope")
    assert missing.status_code == 404 and "no run" in missing.json()["detail"].lower()
    assert client.get("/runs/r-nope").status_code == 404
    rid = run_id(client)
    assert client.get(f"/api/runs/{rid}/events", params={"limit": 0}).status_code == 422
    assert client.get(f"/api/runs/{rid}/events", params={"after": "x"}).status_code == 422
    assert client.get("/api/runs/" + "r" * 300).status_code == 422


def test_a_token_guards_every_request_and_is_never_echoed(home: Path) -> None:
    client = TestClient(create_app(home, token=TOKEN))
    refused = client.get("/api/runs")
    assert refused.status_code == 401 and TOKEN not in refused.text
    assert client.get("/api/runs", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    first = client.get("/", params={"token": TOKEN}, follow_redirects=False)
    assert first.status_code == 303 and "token" not in first.headers["location"]
    assert "httponly" in first.headers["set-cookie"].lower()
    page = client.get("/")  # the cookie the redirect set
    assert page.status_code == 200 and TOKEN not in page.text
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_only_loopback_goes_without_a_token() -> None:
    assert not needs_token("127.0.0.1") and not needs_token("::1")
    assert not needs_token("localhost")
    assert needs_token("0.0.0.0") and needs_token("192.168.1.4") and needs_token("example.org")


def test_a_run_whose_store_does_not_answer_is_a_4xx_json_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    register(home, RunInfo("r20000101-000000-beef00", str(tmp_path), "redis://127.0.0.1:1/0",
                           "", str(tmp_path), 9e8))  # fmt: skip
    client = TestClient(create_app(home))
    events = client.get("/api/runs/r20000101-000000-beef00/events")
    assert events.status_code == 424 and "redis" in events.json()["detail"].lower()
    row = client.get("/api/runs/r20000101-000000-beef00").json()
    assert row["status"].startswith("unreadable")  # the listing says so instead of failing


def evolve_run(client: TestClient) -> str:
    rows = client.get("/api/runs").json()
    return next(str(r["run"]) for r in rows if r["job"] == "evolve" and r["evaluations"])


def test_an_evolve_runs_evaluations_are_paged_newest_first(home: Path) -> None:
    client = TestClient(create_app(home))
    rid = evolve_run(client)
    total = client.get(f"/api/runs/{rid}").json()["evaluations"]
    first = client.get(f"/api/runs/{rid}/evaluations", params={"limit": 10}).json()
    numbers = [e["n"] for e in first["evaluations"]]
    assert numbers == list(range(total, total - 10, -1)) and first["next"] == total - 9
    older = client.get(f"/api/runs/{rid}/evaluations", params={"before": first["next"]}).json()
    assert older["evaluations"][0]["n"] == total - 10
    last = client.get(f"/api/runs/{rid}/evaluations", params={"before": 1}).json()
    assert last == {"evaluations": [], "next": None}
    assert {"status", "duration_s", "memory", "objectives"} <= set(older["evaluations"][0])
    failed = client.get(f"/api/runs/{rid}/evaluations", params={"status": "failed"}).json()
    assert all(e["status"] == "failed" for e in failed["evaluations"])
    page = client.get(f"/runs/{rid}", params={"before": total - 4}).text
    assert "id='evaluation-rows'" in page and f"<td>{total - 5}</td>" in page
    assert f"<td>{total}</td><td>" not in page.split("id='evaluation-rows'")[1].split("</table>")[0]
    eco = run_id(client)
    assert client.get(f"/api/runs/{eco}/evaluations").status_code == 404  # not an evolve run
    assert client.get(f"/api/runs/{rid}/evaluations", params={"limit": 0}).status_code == 422


def test_the_view_alone_is_what_the_page_redraws(home: Path) -> None:
    client = TestClient(create_app(home))
    rid = evolve_run(client)
    view = client.get(f"/runs/{rid}/view")
    assert view.status_code == 200 and "Pareto front" in view.text
    assert "<html" not in view.text and "server-timing" in view.headers
    assert view.text in client.get(f"/runs/{rid}").text  # kept, not drawn twice
    assert "Phylogeny" in client.get(f"/runs/{run_id(client)}/view").text


def test_the_stream_starts_after_the_sequence_the_page_has(home: Path) -> None:
    client = TestClient(create_app(home, poll_s=0.01))
    rid = run_id(client)
    with client.stream("GET", f"/api/runs/{rid}/stream", params={"after": 5}) as answer:
        frames = [line for line in answer.iter_lines() if line.startswith("data: ")]
    assert json.loads(frames[0][6:])["seq"] == 6


def test_metrics_give_evaluation_outcomes_and_latency(home: Path) -> None:
    client = TestClient(create_app(home))
    rid = evolve_run(client)
    total = client.get(f"/api/runs/{rid}").json()["evaluations"]
    body = client.get("/metrics").text
    outcomes = re.findall(r'^petri_evaluations\{outcome="(\w+)"\} (\S+)$', body, re.M)
    assert outcomes and sum(float(n) for _, n in outcomes) == total
    assert f'petri_evaluation_seconds_bucket{{le="+Inf"}} {float(total)}' in body
    assert "petri_evaluation_seconds_sum" in body
    assert 'petri_model_usage{what="tokens"} 0.0' in body  # no swarm run here
