"""examples/swarm/stocktake end to end, offline: a planner that asks a mock API on loopback,
counters in parallel worker processes (one request fails and is retried), a judge, and a
compare-and-set conflict on the shared totals that is resolved without losing a count."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STOCKTAKE = Path(__file__).resolve().parents[2] / "examples" / "swarm" / "stocktake"


@pytest.mark.slow
def test_the_stocktake_goal_counts_everything_once(tmp_path: Path) -> None:
    ignore = shutil.ignore_patterns(".petri", "__pycache__")
    goal = Path(shutil.copytree(STOCKTAKE, tmp_path / "stocktake", ignore=ignore))
    done = subprocess.run(
        [sys.executable, "-m", "petri", "swarm", str(goal / "GOAL.toml"), "--json"],
        env={**os.environ, "PETRI_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "completed"
    totals = summary["state"]["totals"]["value"]
    assert totals == {"anchors": 3, "bolts": 1105, "gears": 57, "nuts": 365, "washers": 360}
    assert summary["state"]["report"]["value"]["units"] == 1890
    assert summary["conflicts"] >= 1  # the counters raced for the totals, and none was lost
    assert summary["tasks"]["promoted"] == 6
