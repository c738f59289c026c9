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

Part 2, end to end: the rate of ``petri evolve`` (queue, local workers, sandbox, store) on the
same problem with the failing program as the original (a program it cannot fix), with 1 and 2
workers, against part 1's rate on passing candidates with as many workers. One run of
``--evals`` evaluations follows each round of part 1, in the same process, so drift falls on
both alike. Goal: end to end >= 80% of the pool's rate on passing candidates. Each run's CPU
is counted by part of petri (``cpu_watch``: coordinator, local workers, sandbox) and, less a run
that judges only its original, divided by its candidates: with as many workers as cores, that
cost per candidate bounds the rate (the ceiling printed).

Prints a table and writes bench/results/evolve_throughput.json.

Usage: python bench/evolve_throughput.py [--quick] [--seconds 2] [--rounds 3] [--evals 240]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpu_watch import CpuWatch
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
    root: Path,
    workers: int,
    seconds: float,
    rounds: int,
    between: Callable[[int], None] = lambda _: None,
) -> tuple[dict[Mode, Rate], str]:
    """Each mode's rate in one warm pool of ``workers``, interleaved over ``rounds``;
    ``between(round)`` runs after each round (part 2's runs, so drift falls on both alike)."""
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
            between(r)
        return totals, pool.jail


def ratio(rates: dict[Mode, Rate], details: bool) -> float:
    """Failing candidates' rate over passing ones', with details on or off."""
    passing = rates[Mode("passing", details)].per_s
    return rates[Mode("failing", details)].per_s / passing if passing else 0.0


# -- part 2: end to end --------------------------------------------------------------------------

#: Evaluations of one ``petri evolve`` run (ten generations of 24 children).
E2E_EVALS = 240
GOAL_END_TO_END_VS_POOL = 0.8


def evolve_once(base: Path, workers: int, run: int, evals: int) -> tuple[Path, dict[str, Any]]:
    """One ``petri evolve`` run, through the real path (queue, local workers, sandbox, store),
    on a fresh copy of the problem with FAILING_PROGRAM as its original: its folder and
    summary."""
    from petri.config import load_settings
    from petri.evolve.run import start_run
    from petri.problem import load_problem

    root = write_problem(base / f"evolve-{workers}-{run}-{evals}", FAILING_PROGRAM)
    evolve = {"seed": run, "max_evals": evals, "workers": workers, "patience": 10**6,
              "repair_patience": 0}  # fmt: skip
    settings = load_settings(root, evolve=evolve, home=base / "home")
    return root, start_run(load_problem(root), settings)


def bench_evolve(base: Path, workers: int, run: int, evals: int) -> tuple[Rate, dict[str, float]]:
    """One run of ``evals`` evaluations: its rate and the CPU seconds of each part of petri.
    The rate is that of its generations: evaluations after the baseline over the time from the
    baseline's record to the last generation's, so that starting the workers' pools and
    writing the outputs (paid once per run, not per candidate) count in neither; the CPU
    seconds are the whole run's (``startup_cpu`` gives what to take off)."""
    from petri.runtime.store import from_url

    with CpuWatch() as watch:
        root, summary = evolve_once(base, workers, run, evals)
    store = from_url(f"sqlite:///{root / '.petri' / 'petri.db'}")
    try:
        events = list(store.replay(summary["run_id"]))
    finally:
        store.close()
    begin = next(e for e in events if e.type == "localized")
    generations = [e for e in events if e.type == "generation_done"]
    if summary["status"] == "repaired" or not generations:
        raise SystemExit(f"petri evolve with {workers} worker(s): unexpected run {summary}")
    last = generations[-1]
    return Rate(int(last.payload["evaluations"]) - 1, last.time - begin.time), watch.seconds()


def startup_cpu(base: Path, workers: int) -> dict[str, float]:
    """The CPU seconds of a run that judges its original only (starting the workers and their
    sandbox, the baseline, the outputs): what every run pays besides its candidates."""
    with CpuWatch() as watch:
        evolve_once(base, workers, 0, 1)
    return watch.seconds()


def per_candidate(
    cpu: dict[str, float], startup: dict[str, float], runs: int, evaluations: int
) -> dict[str, float]:
    """Milliseconds of CPU per candidate judged, by part of petri, once each run's startup is
    taken off."""
    return {
        role: round(1000 * max(0.0, seconds - runs * startup.get(role, 0.0)) / evaluations, 2)
        for role, seconds in sorted(cpu.items())
    }


def cpu_ceiling(spent: dict[str, float]) -> float:
    """Candidates per second that every core of the machine, busy with nothing else, would
    judge at this CPU cost per candidate."""
    total = sum(spent.values())
    return 1000 * (os.cpu_count() or 1) / total if total else 0.0


def e2e_ratio(rates: dict[Mode, Rate], rate: Rate) -> float:
    """``petri evolve``'s rate over the pool's on passing candidates (details off)."""
    passing = rates[Mode("passing", False)].per_s
    return rate.per_s / passing if passing else 0.0


# -- report ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about 15 s)")
    parser.add_argument("--seconds", type=float, help="time slice per mode and round")
    parser.add_argument("--rounds", type=int, help="rounds of every mode")
    parser.add_argument("--evals", type=int, help="evaluations of each petri evolve run")
    args = parser.parse_args()
    seconds = args.seconds or (0.5 if args.quick else 2.0)
    rounds = args.rounds or (1 if args.quick else 3)
    evals = args.evals or (E2E_EVALS // 2 if args.quick else E2E_EVALS)
    pools: dict[int, dict[Mode, Rate]] = {}
    e2e: dict[int, Rate] = {}
    cpu: dict[int, dict[str, float]] = {}
    jail = ""
    with tempfile.TemporaryDirectory(prefix="petri-bench-") as tmp:
        base = Path(tmp)
        base.chmod(0o755)
        root = write_problem(base / "textstats", TEXTSTATS_PROGRAM)
        for workers in WORKER_COUNTS:
            runs: list[tuple[Rate, dict[str, float]]] = []

            def between(
                r: int, workers: int = workers, runs: list[tuple[Rate, dict[str, float]]] = runs
            ) -> None:
                runs.append(bench_evolve(base, workers, r, evals))

            pools[workers], jail = bench_pool(root, workers, seconds, rounds, between)
            e2e[workers] = Rate(
                sum(r.evaluations for r, _ in runs), sum(r.seconds for r, _ in runs)
            )
            total = {role: sum(c.get(role, 0.0) for _, c in runs) for role in runs[0][1]}
            cpu[workers] = per_candidate(
                total, startup_cpu(base, workers), len(runs), len(runs) * (evals - 1)
            )
    report(pools, e2e, cpu, jail, quick=args.quick, seconds=seconds, rounds=rounds, evals=evals)


def report(
    pools: dict[int, dict[Mode, Rate]],
    e2e: dict[int, Rate],
    cpu: dict[int, dict[str, float]],
    jail: str,
    *,
    quick: bool,
    seconds: float,
    rounds: int,
    evals: int,
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
    end_to_end: dict[str, Any] = {}
    for workers, rate in e2e.items():
        share = e2e_ratio(pools[workers], rate)
        print(
            f"{workers} worker(s): petri evolve {rate.per_s:.1f} evaluations/s ({rate.evaluations}"
            f" in {rate.seconds:.2f} s) = {share:.2f} of the pool on passing candidates"
            f" (goal >= {GOAL_END_TO_END_VS_POOL:.2f}:"
            f" {'met' if share >= GOAL_END_TO_END_VS_POOL else 'MISSED'})"
        )
        spent = cpu[workers]
        ceiling = cpu_ceiling(spent)
        print(
            f"{workers} worker(s): CPU per candidate "
            + ", ".join(f"{role} {ms:.2f} ms" for role, ms in spent.items())
            + f"; all {os.cpu_count()} cores would judge at most {ceiling:.0f}/s"
            f" = {ceiling / pools[workers][Mode('passing', False)].per_s:.2f} of the pool"
        )
        end_to_end[str(workers)] = {
            "rate": rate.to_dict(),
            "vs_pool_passing": round(share, 3),
            "goal_met": share >= GOAL_END_TO_END_VS_POOL,
            "cpu_ms_per_candidate": spent,
            "cpu_ceiling_per_s": round(ceiling, 1),
        }
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
        "evolve_evaluations_per_run": evals,
        "end_to_end": end_to_end,
        "goal_end_to_end_vs_pool_passing": GOAL_END_TO_END_VS_POOL,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
