"""A run whose evaluations are done only by a separately started ``petri worker`` (as on
another machine), over a real Redis broker and store; and results that do not depend on how
many workers evaluate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from petri.cli import app

pytestmark = pytest.mark.slow


def copy_fizz(examples: Path, dest: Path) -> Path:
    shutil.copytree(examples / "fizzbuzz", dest, ignore=shutil.ignore_patterns(".petri"))
    return dest


def test_a_worker_started_elsewhere_does_every_evaluation(
    tmp_path: Path, examples: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    problem = copy_fizz(examples, tmp_path / "fizz")
    worker = subprocess.Popen(
        [sys.executable, "-m", "petri", "worker", "--broker", redis_url, "--store", redis_url],
        cwd=tmp_path,
        env={**os.environ, "PETRI_HOME": str(tmp_path / "worker-home")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        result = CliRunner().invoke(
            app,
            [
                "evolve",
                str(problem),
                "--seed",
                "7",  # a seed that repairs in under 150 evaluations: the test stays short
                "--operators",
                "statements",  # the draws of that seed do not move when operators are added
                "--max-evals",
                "300",
                "--json",
                "--workers",
                "0",
                "--broker",
                redis_url,
                "--store",
                redis_url,
            ],
        )
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=60)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "repaired"
    assert worker.returncode == 0, err.decode()


def test_the_number_of_workers_does_not_change_the_result(
    tmp_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    outcomes = []
    for workers in ("1", "3"):
        problem = copy_fizz(examples, tmp_path / f"fizz-{workers}")
        args = ["evolve", str(problem), "--seed", "9", "--max-evals", "150", "--json"]
        result = CliRunner().invoke(app, [*args, "--workers", workers])
        assert result.exit_code == 0, result.stderr
        summary = json.loads(result.stdout)
        pareto = json.loads((Path(summary["out"]) / "pareto.json").read_text())
        outcomes.append((summary["best"]["id"], summary["evaluations"], pareto))
    assert outcomes[0] == outcomes[1]
