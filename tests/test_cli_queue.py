"""`petri queue stats|dead|redrive` against a real SQLite queue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from petri.cli import app
from petri.runtime.queue import from_url
from petri.runtime.queue.task import Task
from petri.runtime.store import from_url as store_from_url

runner = CliRunner()


def _queue_with_dead_task(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    with from_url(url) as queue:
        dead_id = queue.enqueue(Task(kind="work", payload={"n": 1}, max_attempts=1))
        queue.enqueue(Task(kind="work", payload={"n": 2}))
        leased = queue.lease(["work"])
        assert leased is not None and leased.id == dead_id
        queue.nack(leased, "boom", "Traceback: boom")
    return url, dead_id


def test_stats_counts_tasks_per_status(tmp_path: Path) -> None:
    url, _ = _queue_with_dead_task(tmp_path)
    result = runner.invoke(app, ["queue", "stats", "--broker", url, "--json"])
    assert result.exit_code == 0, result.output
    counts = {row["status"]: row["tasks"] for row in json.loads(result.output)}
    assert counts["dead"] == 1
    assert counts["pending"] == 1


def test_dead_lists_the_error_and_redrive_brings_the_task_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    url, dead_id = _queue_with_dead_task(tmp_path)
    listed = runner.invoke(app, ["queue", "dead", "--broker", url, "--json"])
    rows = json.loads(listed.output)
    assert [(r["id"], r["error"]) for r in rows] == [(dead_id, "boom")]
    table = runner.invoke(app, ["queue", "dead", "--broker", url])
    assert dead_id in table.output and "boom" in table.output

    redriven = runner.invoke(app, ["queue", "redrive", "--broker", url, dead_id])
    assert redriven.exit_code == 0
    assert "re-driven 1 of 1" in redriven.output
    trail = store_from_url(f"sqlite:///{tmp_path / 'home' / 'dashboard.db'}")
    try:
        [entry] = [e.payload for e in trail.read("audit")]
    finally:
        trail.close()
    assert entry["action"] == "redrive" and entry["tasks"] == [dead_id]
    assert entry["who"].endswith("(cli)") and entry["at"] > 0
    with from_url(url) as queue:
        task = queue.get(dead_id)
        assert task is not None and task.status.value == "pending"


def test_a_bad_broker_url_is_one_line_naming_the_schemes(tmp_path: Path) -> None:
    result = runner.invoke(app, ["queue", "stats", "--broker", "ftp://nowhere"])
    assert result.exit_code == 1  # a backend error, not a problem-folder error
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "petri: error:" in lines[0]
    assert "sqlite" in lines[0] and "redis" in lines[0]
