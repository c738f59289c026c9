"""A swarm run whose one result waits for a person, started by the real command (a fixture
the review tests share)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AGENTS = Path(__file__).resolve().parent.parent / "agents"  # swarm_toys lives there
GOAL = """
name = "review me"
agents = ["swarm_toys"]

[[tasks]]
id = "a"
kind = "toy.add"
payload = {n = 5, quality = 0.8, better = 1.0, touches = ["total"]}

[swarm]
workers = 1
"""


@pytest.fixture
def waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A swarm run whose one result waits for a person (started by the real command)."""
    monkeypatch.syspath_prepend(str(AGENTS))
    monkeypatch.setenv("PYTHONPATH", str(AGENTS))
    home = tmp_path / "home"
    goal = tmp_path / "goal" / "GOAL.toml"
    goal.parent.mkdir()
    goal.write_text(GOAL)
    env = {**os.environ, "PETRI_HOME": str(home)}
    argv = [sys.executable, "-m", "petri", "swarm", str(goal), "--json"]
    ran = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert ran.returncode == 0, ran.stderr
    summary = json.loads(ran.stdout)
    assert summary["status"] == "waiting_for_review"
    return home, str(summary["run_id"])
