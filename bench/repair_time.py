"""Wall time to repair the bundled bugs with two versions of petri, alternating bug by bug.

Each bug of examples/CATALOG.toml (``kind = "repair"``) runs once with the code of ``--before``
(a source tree: its ``src/`` and ``bench/``, e.g. ``git archive BASE src bench examples``
unpacked) and once with this tree, in a fresh process each through ``bench/repair.py``'s
``run_one`` (``petri`` configuration, seed 1, budget 2,000). The order alternates from bug to
bug, so the machine's drift falls on both alike. Both versions must make the same runs (same
evaluations to repair): a difference is reported as an error, since only time may differ.

Prints one line per run and the medians; writes bench/results/repair_time.json.

Usage: python bench/repair_time.py --before TREE [--only NAME ...] [--budget 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from repair import ROOT, repair_problems

RESULTS = ROOT / "bench" / "results" / "repair_time.json"
ONE = """
import json, os, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import repair
with tempfile.TemporaryDirectory(prefix="petri-repair-time-") as tmp:
    os.chmod(tmp, 0o755)
    print(json.dumps(repair.run_one(sys.argv[2], "petri", 1, int(sys.argv[3]), Path(tmp))))
"""


def run(tree: Path, name: str, budget: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run(
        [sys.executable, "-c", ONE, str(tree / "bench"), name, str(budget)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree of the old code")
    parser.add_argument("--only", nargs="*", default=[], help="problem folder names")
    parser.add_argument("--budget", type=int, default=2000)
    args = parser.parse_args()
    if not (args.before / "src" / "petri").is_dir():
        parser.error(f"{args.before} has no src/petri; unpack the old code's src, bench, examples")
    trees = {"before": args.before.resolve(), "after": ROOT}
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(repair_problems(args.only)):
        for version in ("before", "after") if i % 2 == 0 else ("after", "before"):
            row = run(trees[version], name, args.budget) | {"version": version}
            rows.append(row)
            print(f"{name:16} {version:6} evals {row['evals_to_repair'] or '-':>5}"
                  f"  {row['seconds']:7.2f}s", flush=True)  # fmt: skip
        pair = [r for r in rows if r["problem"] == name]
        if pair[0]["evals_to_repair"] != pair[1]["evals_to_repair"]:
            raise SystemExit(f"{name}: the two versions made different runs: {pair}")
    summary = {
        v: statistics.median(r["seconds"] for r in rows if r["version"] == v and r["repaired"])
        for v in trees
    }
    before, after = summary["before"], summary["after"]
    print(f"median wall time to repair: before {before:.2f}s, after {after:.2f}s")
    RESULTS.write_text(
        json.dumps({"budget": args.budget, "median_s": summary, "runs": rows}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
