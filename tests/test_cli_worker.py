"""`petri worker`: a real worker process joins a SQLite queue and runs its tasks."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from petri.cli import app
from petri.runtime.queue import from_url
from petri.runtime.queue.task import Task, TaskStatus

JOBS = """
from pathlib import Path


def square(task):
    n = task.payload["n"]
    Path(task.payload["out"], f"{n}.txt").write_text(str(n * n))


HANDLERS = {"square": square}
NOT_A_DICT = [square]
"""


def _petri(*args: str) -> list[str]:
    return [sys.executable, "-m", "petri", *args]


def test_a_worker_runs_every_task_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "jobs.py").write_text(JOBS)
    out = tmp_path / "out"
    out.mkdir()
    url = f"sqlite:///{tmp_path / 'q.db'}"
    with from_url(url) as queue:
        queue.enqueue_many(
            [Task(kind="square", payload={"n": n, "out": str(out)}) for n in range(20)]
        )
    worker = subprocess.Popen(
        _petri("worker", "--broker", url, "--handlers", "jobs", "--concurrency", "2"),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a bound on waiting, not a performance check
        while time.monotonic() < deadline:
            with from_url(url) as queue:
                if queue.stats().get(TaskStatus.DONE, 0) == 20:
                    break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "2 process(es)" in err
    assert sorted(int(p.stem) for p in out.iterdir()) == list(range(20))
    assert (out / "7.txt").read_text() == "49"


@pytest.mark.parametrize(
    ("handlers", "named"),
    [
        ("no_such_jobs_module", "cannot import handlers module"),
        ("jobs:NOT_A_DICT", "must be a non-empty dict"),
        ("jobs:MISSING", "must be a non-empty dict"),
    ],
)
def test_bad_handlers_are_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handlers: str, named: str
) -> None:
    (tmp_path / "jobs.py").write_text(JOBS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the command adds the cwd to it
    url = f"sqlite:///{tmp_path / 'q.db'}"
    result = CliRunner().invoke(app, ["worker", "--broker", url, "--handlers", handlers])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and named in lines[0]
    sys.modules.pop("jobs", None)


def test_worker_help_names_its_options() -> None:
    result = CliRunner().invoke(app, ["worker", "--help"], env={"COLUMNS": "120"})
    for option in ("--broker", "--handlers", "--concurrency"):
        assert option in result.output
