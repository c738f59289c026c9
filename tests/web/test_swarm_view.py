"""The dashboard's view of a swarm run, on a real run started by ``petri swarm``: its tasks with
their states, the result waiting for review, the judge's evidence, the logs, the workers and
what they hold, every text from the run escaped and nothing secret."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from petri.runtime.runs import RunInfo, lookup
from petri.runtime.store import NewEvent
from petri.runtime.store import from_url as store_from_url
from petri.web.swarm_view import LOG_BYTES, LOG_LINES, swarm_sections

AGENTS = Path(__file__).resolve().parent.parent / "agents"  # swarm_toys lives there
# a waits for review (0.8), f fails once then passes, r is rejected until the planner gives up
GOAL = """
name = "view me"
agents = ["swarm_toys"]

[[tasks]]
id = "a"
kind = "toy.add"
title = "<script>alert(1)</script> add"
payload = {n = 5, quality = 0.8, better = 1.0, touches = ["total"]}

[[tasks]]
id = "f"
kind = "toy.flaky"
title = "flaky one"
payload = {fail = 1}

[[tasks]]
id = "r"
kind = "toy.add"
title = "poor"
depends_on = ["f"]
payload = {n = 1, key = "other", quality = 0.1, touches = ["other"]}

[swarm]
workers = 1
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunInfo:
    """A swarm run, started by the real command, that waits for review of task a."""
    root = tmp_path_factory.mktemp("swarm-view")
    home = root / "home"
    goal = root / "goal" / "GOAL.toml"
    goal.parent.mkdir()
    goal.write_text(GOAL)
    env = {**os.environ, "PETRI_HOME": str(home), "PYTHONPATH": str(AGENTS)}
    env = {k: v for k, v in env.items() if not k.startswith("PETRI_") or k == "PETRI_HOME"}
    argv = [sys.executable, "-m", "petri", "swarm", str(goal), "--json"]
    ran = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout)
    assert summary["status"] == "waiting_for_review"
    return lookup(home, str(summary["run_id"]))


def rows(html: str, table: str) -> list[list[str]]:
    """The cells of each body row of the table with id ``table`` (text as rendered, unescaped)."""

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth = 0  # tables open inside the one read (1: its own rows)
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "table" and (self.depth or ("id", table) in attrs):
                self.depth += 1
            elif self.depth == 1 and tag == "tr":
                self.rows.append([])
            elif self.depth == 1 and tag == "td":
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag == "table" and self.depth:
                self.depth -= 1
            elif tag == "td" and self.cell is not None and self.depth == 1:
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None and self.depth == 1:
                self.cell.append(data)

    parser = Cells()
    parser.feed(html)
    return [r for r in parser.rows if r]


def copy(run: RunInfo, folder: Path) -> RunInfo:
    """The run with its events in a copy of its store (SQLite: the database file)."""
    source = Path(run.store.removeprefix("sqlite:///"))
    for path in source.parent.glob(source.name + "*"):  # the -wal and -shm files too
        shutil.copy(path, folder / path.name)
    return dataclasses.replace(run, store=f"sqlite:///{folder / source.name}")


def section(sections: list[str], heading: str) -> str:
    [found] = [s for s in sections if s.startswith(f"<h2>{heading}</h2>")]
    return found


def test_the_task_graph_shows_each_task_state_dependencies_and_score(run: RunInfo) -> None:
    graph = rows(section(swarm_sections(run), "Task graph"), "task-graph")
    by_task = {r[0]: r for r in graph}
    assert [r[0] for r in graph] == ["a", "f", "r"]
    assert by_task["a"][2:4] == ["<script>alert(1)</script> add", "review"]
    assert by_task["a"][6] == "0.80"
    assert by_task["f"][3] == "done" and by_task["f"][7] == "2"  # it ran twice
    assert by_task["r"][3] == "rejected" and by_task["r"][4] == "f"


def test_the_waiting_review_is_listed_with_its_evidence_and_a_link_to_decide(
    run: RunInfo,
) -> None:
    queue = section(swarm_sections(run), "Review queue")
    [row] = rows(queue, "review-queue")
    assert row[0] == f"{run.run_id}:a@1" and row[1] == "a" and row[3] == "0.80"
    assert "<a href='/reviews'>" in queue
    assert "<details><summary>evidence and diff</summary>" in queue and "+5" in queue
    assert "<form" not in queue  # deciding lives on /reviews, behind its token


def test_each_task_has_its_verdicts_reasons_and_log_collapsed(run: RunInfo) -> None:
    details = section(swarm_sections(run), "Evidence and logs")
    a = details.split("id='detail-a'")[1].split("id='detail-f'")[0]
    assert "<details><summary>a: evidence, 0.80 review</summary>" in a
    assert "quality" in a and "{&quot;quality&quot;: 0.8}" in a
    f = details.split("id='detail-f'")[1].split("id='detail-r'")[0]
    assert "task_failed: RuntimeError: flaky failure number 1" in f  # the retried error
    assert re.search(r"#\d+ task_done .*tries", f)  # the worker's result, in its log
    r = details.split("id='detail-r'")[1]
    assert all(f"r@{v}: score 0.10, route reject" in r for v in (1, 2, 3))
    assert "planner_gave_up: the judge scored 0.10" in r
    assert details.count("<details>") == details.count("</details>") == 6


def test_workers_and_the_running_task_they_hold(run: RunInfo, tmp_path: Path) -> None:
    """A task leased by a worker shows as running, held by the one worker with its capability;
    its log is bounded and secret-looking values are masked."""
    run = copy(run, tmp_path)  # the other tests see the run as the command left it
    store = store_from_url(run.store)
    task = {"id": "late", "kind": "toy.add", "title": "<img src=x onerror=alert(1)>",
            "payload": {"n": 1}}  # fmt: skip
    try:
        store.append_many(
            [
                NewEvent(run.run_id, "task_planned", {"task": task, "reason": "test"}),
                NewEvent(run.run_id, "task_released", {"task": "late", "version": 1}),
                NewEvent(run.run_id, "task_leased", {"task": f"{run.run_id}/late@1",
                                                     "kind": "swarm:default", "attempt": 1}),
                *[NewEvent(run.run_id, "agent_note", {"task": "late", "line": f"step {i}" * 20,
                                                      "api_key": "sk-never-shown"})
                  for i in range(LOG_LINES + 10)],
            ]
        )  # fmt: skip
    finally:
        store.close()
    sections = swarm_sections(run)
    html = "".join(sections)
    graph = {r[0]: r for r in rows(section(sections, "Task graph"), "task-graph")}
    assert graph["late"][3] == "running"
    [worker] = rows(section(sections, "Workers"), "workers")
    assert worker[2] == "late" and "default" in worker[1].split(", ")
    log = html.split("<summary>late: log (")[1]
    assert log.startswith(f"{LOG_LINES} lines)")
    shown = log.split("<pre>")[1].split("</pre>")[0]
    assert 0 < len(shown) <= LOG_BYTES * 1.3  # escaping lengthens it a little
    assert f"step {LOG_LINES + 9}" in shown and "step 0" not in shown  # the newest are kept
    assert "sk-never-shown" not in html and "&quot;api_key&quot;: &quot;***&quot;" in shown
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_names_and_text_from_the_run_are_escaped_and_usage_shown(run: RunInfo) -> None:
    sections = swarm_sections(run)
    html = "".join(sections)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; add" in html
    assert "http://" not in html and "https://" not in html  # no external asset
    usage = rows(section(sections, "Model usage"), "usage")
    assert usage == [["0"], ["$0.0000"]]


def test_a_lease_that_names_its_worker_shows_that_worker_alone(
    run: RunInfo, tmp_path: Path
) -> None:
    run = copy(run, tmp_path)
    store = store_from_url(run.store)
    task = {"id": "named", "kind": "toy.add", "title": "named", "payload": {"n": 1}}
    try:
        store.append_many(
            [
                NewEvent(run.run_id, "worker_joined", {"worker": "other:2",
                                                       "capabilities": ["default"]}),
                NewEvent(run.run_id, "task_planned", {"task": task, "reason": "test"}),
                NewEvent(run.run_id, "task_released", {"task": "named", "version": 1}),
                NewEvent(run.run_id, "task_leased", {"task": f"{run.run_id}/named@1",
                                                     "kind": "swarm:default", "attempt": 1,
                                                     "worker": "other:2"}),
            ]
        )  # fmt: skip
    finally:
        store.close()
    held = {r[0]: r[2] for r in rows(section(swarm_sections(run), "Workers"), "workers")}
    assert held["other:2"] == "named"
    assert all(h == "" for w, h in held.items() if w != "other:2")
