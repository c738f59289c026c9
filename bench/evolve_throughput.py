"""Evolve throughput: what a search pays per candidate, from the raw pool to ``petri evolve``.

Part 1, the pool (measured here). The 10-test pytest problem of bench/sandbox.py (parametrize,
a conftest fixture), judged by a warm pool of 1 and of 2 workers (one driving thread per
worker) on two candidates of it:

* passing: the program as written, every test passes
* failing: every function returns a wrong constant, so all 10 tests fail their assertion (most
  of a search's candidates fail tests)

each with failure details off (what ``petri evolve``'s search asks for: failures are named, not
rendered) and on (``petri eval``'s default: each failure as pytest renders it). Goal: with
details off, the pool's rate on failing candidates >= 80% of its rate on passing ones.

The machine is shared and its speed drifts, so the rates compared are measured in the same run,
interleaved: each round gives every (candidate, details) pair the same time slice, and the
rates are totals over the rounds. Every evaluation is checked (status, passed and failed counts,
details present exactly when asked for), so a broken mode cannot look fast.

Part 2, end to end (``END_TO_END`` below): the rate of ``petri evolve`` on the same problem with
the failing program as the original (a program it cannot fix), against part 1's rate on
passing candidates. Not measured yet: a later change adds it there.

Prints a table and writes bench/results/evolve_throughput.json.

Usage: python bench/evolve_throughput.py [--quick] [--seconds 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petri.config import Limits, SandboxSettings
from petri.sandbox import Evaluation, JudgeSpec, Status, WorkerPool
from sandbox import (
    TEXTSTATS_CONFTEST,
    TEXTSTATS_PROGRAM,
    TEXTSTATS_TESTS,
    TEXTSTATS_TESTS_N,
    Rate,
    drive,
    write,
)

RESULTS = Path(__file__).resolve().parent / "results" / "evolve_throughput.json"
WORKER_COUNTS = (1, 2)
GOAL_FAILING_VS_PASSING = 0.8

#: Every function of the textstats program returns a wrong constant: all 10 tests fail.
FAILING_PROGRAM = '''
    """Small text utilities, all wrong."""


    def words(text):
        return ["X"]


    def word_count(text):
        return -1


    def top_words(text, n=3):
        return ["?"]


    def slugify(title):
        return "?"


    def sentences(text):
        return ["?"] * 9
'''

PROGRAMS = {"passing": TEXTSTATS_PROGRAM, "failing": FAILING_PROGRAM}


def write_problem(root: Path, program: str) -> Path:
    """The 10-test problem with ``program`` as its program (``textstats.py``)."""
    return write(
        root,
        {
            "textstats.py": program,
            "tests/conftest.py": TEXTSTATS_CONFTEST,
            "tests/test_textstats.py": TEXTSTATS_TESTS,
        },
    )


@dataclass(frozen=True)
class Mode:
    """One measured pair: which candidate, with or without failure details."""

    candidate: str
    details: bool

    @property
    def name(self) -> str:
        return f"{self.candidate}, details {'on' if self.details else 'off'}"

    def source(self, i: int) -> str:
        # Each evaluation gets a distinct program text, as a search would.
        return f"{textwrap.dedent(PROGRAMS[self.candidate]).lstrip()}\n# candidate {i}\n"

    def check(self, ev: Evaluation) -> None:
        passing = self.candidate == "passing"
        want = (Status.OK, TEXTSTATS_TESTS_N, 0) if passing else (Status.FAILED, 0, 10)
        rendered = {bool(t.details) for t in ev.tests}
        if (ev.status, ev.passed, ev.failed) != want or rendered != {self.details and not passing}:
            raise SystemExit(f"{self.name}: unexpected evaluation: {ev.to_dict()}")


MODES = tuple(Mode(c, d) for c in ("passing", "failing") for d in (False, True))


# -- part 1: the pool -----------------------------------------------------------------------------


def bench_pool(
    root: Path, workers: int, seconds: float, rounds: int
) -> tuple[dict[Mode, Rate], str]:
    """Each mode's rate in one warm pool of ``workers``, interleaved over ``rounds``."""
    spec = JudgeSpec(root, "textstats.py", "tests")
    settings = SandboxSettings(workers=workers, jail="auto")
    totals = {mode: Rate(0, 0.0) for mode in MODES}
    with WorkerPool(spec, Limits(), settings) as pool:
        for mode in MODES:  # warm every worker on every path
            for i in range(5 * workers):
                mode.check(pool.evaluate(mode.source(-i), failure_details=mode.details))
        for r in range(rounds):
            for mode in MODES if r % 2 == 0 else MODES[::-1]:  # drift falls on every mode alike

                def one(i: int, mode: Mode = mode) -> None:
                    mode.check(pool.evaluate(mode.source(i), failure_details=mode.details))

                rate = drive(one, workers, seconds, limit=10**9)
                total = totals[mode]
                totals[mode] = Rate(
                    total.evaluations + rate.evaluations, total.seconds + rate.seconds
                )
        return totals, pool.jail


def ratio(rates: dict[Mode, Rate], details: bool) -> float:
    """Failing candidates' rate over passing ones', with details on or off."""
    passing = rates[Mode("passing", details)].per_s
    return rates[Mode("failing", details)].per_s / passing if passing else 0.0


# -- part 2: end to end ---------------------------------------------------------------------------

#: ``petri evolve``'s evaluations/s on the problem with FAILING_PROGRAM as its original, per
#: worker count, against the pool's rate on passing candidates. Not measured yet: a later change
#: adds the measurement here and its results under "end_to_end" in the JSON.
END_TO_END: dict[int, Rate] = {}


# -- report ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about 15 s)")
    parser.add_argument("--seconds", type=float, help="time slice per mode and round")
    parser.add_argument("--rounds", type=int, help="rounds of every mode")
    args = parser.parse_args()
    seconds = args.seconds or (0.5 if args.quick else 2.0)
    rounds = args.rounds or (1 if args.quick else 3)
    pools: dict[int, dict[Mode, Rate]] = {}
    jail = ""
    with tempfile.TemporaryDirectory(prefix="petri-bench-") as tmp:
        root = write_problem(Path(tmp) / "textstats", TEXTSTATS_PROGRAM)
        for workers in WORKER_COUNTS:
            pools[workers], jail = bench_pool(root, workers, seconds, rounds)
    report(pools, jail, quick=args.quick, seconds=seconds, rounds=rounds)


def report(
    pools: dict[int, dict[Mode, Rate]], jail: str, *, quick: bool, seconds: float, rounds: int
) -> None:
    print(f"jail: {jail}; cpus: {os.cpu_count()}; {rounds} round(s) of {seconds:g} s per mode")
    print(f"{'workers':>7}  {'candidates':<22} {'evals':>7} {'seconds':>8} {'evals/s':>9}")
    for workers, rates in pools.items():
        for mode in MODES:
            rate = rates[mode]
            print(
                f"{workers:>7}  {mode.name:<22} {rate.evaluations:>7} {rate.seconds:>8.2f}"
                f" {rate.per_s:>9.1f}"
            )
    met = {w: ratio(rates, details=False) >= GOAL_FAILING_VS_PASSING for w, rates in pools.items()}
    for workers, rates in pools.items():
        print(
            f"{workers} worker(s): failing / passing = {ratio(rates, details=False):.2f} with"
            f" details off (goal >= {GOAL_FAILING_VS_PASSING:.2f}:"
            f" {'met' if met[workers] else 'MISSED'}), {ratio(rates, details=True):.2f} with"
            " details on"
        )
    pool: dict[str, Any] = {}
    for workers, rates in pools.items():
        pool[str(workers)] = {
            "rates": {mode.name: rate.to_dict() for mode, rate in rates.items()},
            "failing_vs_passing_details_off": round(ratio(rates, details=False), 3),
            "failing_vs_passing_details_on": round(ratio(rates, details=True), 3),
            "goal_met": met[workers],
        }
    data = {
        "benchmark": "evolve throughput",
        "quick": quick,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "jail": jail,
        "problem": f"bench/sandbox.py's textstats, {TEXTSTATS_TESTS_N} tests",
        "seconds_per_mode_and_round": seconds,
        "rounds": rounds,
        "pool": pool,
        "goal_failing_vs_passing": GOAL_FAILING_VS_PASSING,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
