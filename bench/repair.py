"""Repair benchmark: how many bundled bugs petri repairs, and after how many evaluations.

Every ``kind = "repair"`` problem of examples/CATALOG.toml runs through the real path (queue,
local workers, sandbox, store) with the same budget and seeds, in three configurations measured
in one run:

* ``petri``       every operator, edit sites drawn by fault localization (Ochiai), and the
                  shadow test choosing among plausible patches before promotion
* ``unshadowed``  the same without the shadow test: the first plausible patch is promoted
* ``statements``  statement-level edits only (delete / copy / replace / swap): the classic
                  genetic-improvement baseline, with the same localization
* ``random``      every operator, edit sites drawn uniformly (no localization)

A repair counts when the best program passes every test of ``tests/`` (it is *plausible*); it
is then judged on ``holdout/`` (tests the search never saw) to tell real repairs from
overfitted ones. Evaluations to repair is the number of the first evaluation that passed every
test. For the median, a bug a configuration did not repair counts as the whole budget (a lower
bound on its real cost).
Goals: petri repairs >= 90% of the bugs within 2,000 evaluations, with a median evaluations to
repair >= 5x lower than the statement-only baseline.

Prints a table and writes bench/results/repair.json.

Usage: python bench/repair.py [--budget 2000] [--seeds 1] [--first-seed 1] [--only NAME ...]
       [--configs ...] [--out bench/results/repair.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from petri.config import load_settings
from petri.evolve.journal import RunState
from petri.problem import load_problem
from petri.runtime.store import from_url
from petri.sandbox import Status, evaluate_once

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "repair.json"
CONFIGS: dict[str, dict[str, Any]] = {
    "petri": {"operators": "all", "localize": True},
    "unshadowed": {"operators": "all", "localize": True, "shadow": False},
    "statements": {"operators": "statements", "localize": True},
    "random": {"operators": "all", "localize": False},
}
GOAL_REPAIRED = 0.9
GOAL_RATIO = 5.0


def repair_problems(only: list[str]) -> list[str]:
    catalog = tomllib.loads((ROOT / "examples" / "CATALOG.toml").read_text())
    names = sorted(n for n, e in catalog.items() if e.get("kind") == "repair")
    return [n for n in names if not only or n in only]


def first_repair(store_url: str, run_id: str) -> int | None:
    """The number of the first evaluation that passed every test, if any."""
    store = from_url(store_url)
    try:
        state = RunState.replay(run_id, store.replay(run_id))
    finally:
        store.close()
    return min((r.n for r in state.records.values() if r.feasible), default=None)


def holdout_passes(problem: Path, best: Path, work: Path) -> bool | None:
    """Judge the repaired program on the problem's held-out tests (None: it has none)."""
    holdout = problem / "holdout"
    tests = sorted(holdout.glob("test_*.py"))
    if not tests:
        return None
    folder = work / f"{problem.name}-holdout"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tests").mkdir(parents=True)
    for test in tests:
        shutil.copy(test, folder / "tests" / test.name)
    loaded = load_problem(problem)
    shutil.copy(best, folder / loaded.program)
    if (problem / "petri.toml").is_file():
        shutil.copy(problem / "petri.toml", folder / "petri.toml")
    judge = load_problem(folder)
    evaluation, _ = evaluate_once(
        judge.judge_spec(), judge.source, judge.settings.limits, judge.settings.sandbox
    )
    return evaluation.status is Status.OK


def run_one(name: str, config: str, seed: int, budget: int, work: Path) -> dict[str, Any]:
    from petri.evolve.run import start_run

    problem = work / config / f"{name}-{seed}"
    shutil.copytree(ROOT / "examples" / name, problem, ignore=shutil.ignore_patterns(".petri"))
    loaded = load_problem(problem)
    evolve = {**CONFIGS[config], "seed": seed, "max_evals": budget, "workers": 2}
    settings = load_settings(problem, evolve=evolve, home=work / "home")
    started = time.perf_counter()
    summary = start_run(loaded, settings)
    store_url = f"sqlite:///{problem / '.petri' / 'petri.db'}"
    first = first_repair(store_url, summary["run_id"])
    repaired = summary["status"] == "repaired"
    best = Path(summary["best"]["path"])
    return {
        "problem": name,
        "config": config,
        "seed": seed,
        "repaired": repaired,
        "evals_to_repair": first,
        "evaluations": summary["evaluations"],
        "holdout": holdout_passes(ROOT / "examples" / name, best, work) if repaired else None,
        "patch_lines": sum(
            1
            for line in summary["patch"].splitlines()
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ),
        "seconds": round(time.perf_counter() - started, 2),
    }


def aggregate(rows: list[dict[str, Any]], budget: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for config in CONFIGS:
        mine = [r for r in rows if r["config"] == config]
        if not mine:
            continue
        repaired = [r for r in mine if r["repaired"]]
        costs = [r["evals_to_repair"] if r["repaired"] else budget for r in mine]
        out[config] = {
            "runs": len(mine),
            "repaired": len(repaired),
            "repaired_share": round(len(repaired) / len(mine), 3),
            "holdout_passed": sum(1 for r in repaired if r["holdout"] is not False),
            "median_evals_to_repair": statistics.median(costs),
            "median_evals_repaired_only": (
                statistics.median(r["evals_to_repair"] for r in repaired) if repaired else None
            ),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=2000, help="evaluations per run")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per problem (1, 2, ...)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first of those seeds")
    parser.add_argument("--only", nargs="*", default=[], help="problem folder names")
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--out", type=Path, default=RESULTS, help="the JSON file to write")
    args = parser.parse_args()
    names = repair_problems(args.only)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="petri-bench-repair-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        for name in names:
            for config in args.configs:
                for seed in range(args.first_seed, args.first_seed + args.seeds):
                    row = run_one(name, config, seed, args.budget, work)
                    rows.append(row)
                    print(
                        f"{name:16} {config:10} seed {seed}  "
                        f"{'repaired' if row['repaired'] else '-':8} "
                        f"evals {row['evals_to_repair'] or '-':>5}  "
                        f"holdout {row['holdout']}  {row['seconds']:6.1f}s",
                        flush=True,
                    )
    summary = aggregate(rows, args.budget)
    report(summary, args.budget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "budget": args.budget,
        "seeds": args.seeds,
        "summary": summary,
        "runs": rows,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


def report(summary: dict[str, dict[str, Any]], budget: int) -> None:
    print(f"\n{'config':12} {'plausible':>10} {'holdout ok':>11} {'median evals':>13}")
    for config, s in summary.items():
        print(
            f"{config:12} {s['repaired']:>4}/{s['runs']:<5} {s['holdout_passed']:>11} "
            f"{s['median_evals_to_repair']:>13}"
        )
    petri, base = summary.get("petri"), summary.get("statements")
    if petri and base:
        ratio = base["median_evals_to_repair"] / max(petri["median_evals_to_repair"], 1)
        print(
            f"\npetri repaired {petri['repaired_share']:.0%} (goal >= {GOAL_REPAIRED:.0%}) within "
            f"{budget} evaluations; median evaluations to repair {ratio:.1f}x lower than "
            f"statement-only (goal >= {GOAL_RATIO:.0f}x)"
        )


if __name__ == "__main__":
    sys.exit(main())
