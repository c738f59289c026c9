"""The dashboard's queue view: counts, dead tasks and re-drive behind CSRF, with an audit trail."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from petri.runtime.queue import from_url
from petri.runtime.queue.task import Task
from petri.runtime.store import from_url as store_from_url
from petri.web.app import create_app


def queue_with_a_dead_task(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    with from_url(url) as queue:
        dead = queue.enqueue(Task(kind="work", payload={"n": 1}, max_attempts=1))
        queue.enqueue(Task(kind="work", payload={"n": 2}))
        leased = queue.lease(["work"])
        assert leased is not None and leased.id == dead
        queue.nack(leased, "boom <b>", "Traceback: boom")
    return url, dead


def audit_events(tmp_path: Path) -> list[dict[str, object]]:
    store = store_from_url(f"sqlite:///{tmp_path / 'audit.db'}")
    try:
        return [e.payload for e in store.read("audit")]
    finally:
        store.close()


def app_for(tmp_path: Path, broker: str | None) -> TestClient:
    store = f"sqlite:///{tmp_path / 'audit.db'}"
    return TestClient(create_app(tmp_path / "home", broker=broker, store=store))


def test_the_queue_page_lists_dead_tasks_and_redrives_one_with_its_csrf_token(
    tmp_path: Path,
) -> None:
    url, dead = queue_with_a_dead_task(tmp_path)
    client = app_for(tmp_path, url)
    page = client.get("/queue").text
    assert dead in page and "boom &lt;b&gt;" in page
    token = re.search(r"name='csrf' value='([^']+)'", page)
    assert token is not None
    sent = client.post("/queue/redrive", data={"task": dead, "csrf": token.group(1)},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    counts = client.get("/api/queue").json()["counts"]
    assert counts.get("dead", 0) == 0 and counts["pending"] == 2
    assert 'petri_queue_tasks{status="pending"} 2.0' in client.get("/metrics").text
    [entry] = audit_events(tmp_path)
    assert entry["action"] == "redrive" and entry["tasks"] == [dead] and entry["redriven"] == 1
    assert "loopback" in str(entry["who"])


def test_a_missing_or_stale_csrf_token_changes_nothing(tmp_path: Path) -> None:
    url, dead = queue_with_a_dead_task(tmp_path)
    client = app_for(tmp_path, url)
    client.get("/queue")  # sets the cookie
    stale = client.post("/queue/redrive", data={"task": dead, "csrf": "old-token"})
    assert stale.status_code == 403 and "CSRF" in stale.json()["detail"]
    bare = client.post("/api/queue/redrive", json={"ids": [dead]})
    assert bare.status_code == 403
    assert client.get("/api/queue").json()["counts"]["dead"] == 1
    assert audit_events(tmp_path) == []


def test_the_api_redrives_with_the_header_and_rejects_malformed_bodies(tmp_path: Path) -> None:
    url, dead = queue_with_a_dead_task(tmp_path)
    client = app_for(tmp_path, url)
    client.get("/queue")
    token = client.cookies["petri_csrf"]
    headers = {"X-CSRF-Token": token}
    assert client.post("/api/queue/redrive", json={"ids": []}, headers=headers).status_code == 422
    assert client.post("/api/queue/redrive", json={"id": dead}, headers=headers).status_code == 422
    assert client.post("/api/queue/redrive", content=b"\xff", headers=headers).status_code == 422
    done = client.post("/api/queue/redrive", json={"ids": [dead, "nope"]}, headers=headers)
    assert done.json() == {"redriven": 1}


def test_without_a_broker_the_queue_view_says_how_to_name_one(tmp_path: Path) -> None:
    client = app_for(tmp_path, None)
    assert "--broker URL" in client.get("/queue").text
    missing = client.get("/api/queue")
    assert missing.status_code == 409 and "--broker" in missing.json()["detail"]


def test_actions_are_json_log_lines_when_a_log_file_is_set(tmp_path: Path) -> None:
    import json
    import logging

    from petri.web.logs import log_to

    url, dead = queue_with_a_dead_task(tmp_path)
    handler = log_to(tmp_path / "logs" / "dashboard.log")
    try:
        client = app_for(tmp_path, url)
        client.get("/queue")
        headers = {"X-CSRF-Token": client.cookies["petri_csrf"]}
        client.post("/api/queue/redrive", json={"ids": [dead]}, headers=headers)
    finally:
        logging.getLogger("petri").removeHandler(handler)
        handler.close()
    lines = [json.loads(x) for x in (tmp_path / "logs" / "dashboard.log").read_text().splitlines()]
    action = next(x for x in lines if x.get("action") == "redrive")
    assert action["tasks"] == [dead] and action["level"] == "info" and "loopback" in action["who"]
    assert action["time"].endswith("Z") and action["logger"] == "petri.web"
