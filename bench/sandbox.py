"""Sandbox throughput: the warm pool against a fresh ``python -m pytest`` per candidate.

Measured in one run, with a pool of 2 workers driven by 2 threads (one per worker):

* trivial candidate, ``evaluate(program_path)`` judge        (goal: >= 500 evaluations/s)
* trivial candidate, one-test pytest judge: the same, plus pytest's per-test protocol (setup,
  call and teardown hooks, fixtures, reports), whose cost in a fresh fork is reported, not gated
* a small pytest problem (10 tests: parametrize + a fixture) through the pool
* the same problem as ``python -m pytest`` in a fresh subprocess per candidate, also 2 at a
  time (same interpreter, ``-p no:cacheprovider``, cwd a temp copy of the problem holding the
  candidate): what a user would run without petri.      (goal: pool >= 20x faster)

The problems are generated in a temporary folder. Every evaluation is checked (status and
passed count), so a broken sandbox cannot look fast. Prints a table and writes
bench/results/sandbox.json.

Usage: python bench/sandbox.py [--quick] [--seconds 3] [--baseline 40]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from petri.config import Limits, SandboxSettings
from petri.sandbox import Evaluation, JudgeSpec, Status, WorkerPool

RESULTS = Path(__file__).resolve().parent / "results" / "sandbox.json"
WORKERS = 2
GOAL_TRIVIAL_PER_S = 500.0
GOAL_RATIO = 20.0

# -- the problems -------------------------------------------------------------------------------

TRIVIAL_PROGRAM = """
    def solve(numbers):
        return sum(numbers)
"""

TRIVIAL_EVALUATE = """
    import importlib.util


    def evaluate(program_path):
        spec = importlib.util.spec_from_file_location("candidate", program_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        correct = module.solve([1, 2, 3]) == 6
        return {"correct": float(correct), "length": float(len(open(program_path).read()))}
"""

TRIVIAL_TEST = """
    from solution import solve


    def test_solve():
        assert solve([1, 2, 3]) == 6
"""

TEXTSTATS_PROGRAM = '''
    """Small text utilities."""

    import re
    from collections import Counter

    WORD = re.compile(r"[a-z0-9']+")


    def words(text):
        return WORD.findall(text.lower())


    def word_count(text):
        return len(words(text))


    def top_words(text, n=3):
        counts = Counter(words(text))
        return [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


    def slugify(title):
        return "-".join(words(title.replace("'", "")))


    def sentences(text):
        parts = re.split(r"(?<=[.!?])\\s+", text.strip())
        return [p for p in parts if p]
'''

TEXTSTATS_CONFTEST = """
    import pytest


    @pytest.fixture
    def article():
        return (
            "The quick brown fox jumps over the lazy dog. The dog sleeps! "
            "Does the fox care? The fox does not."
        )
"""

TEXTSTATS_TESTS = """
    import pytest

    from textstats import sentences, slugify, top_words, word_count, words


    @pytest.mark.parametrize(
        ("title", "slug"),
        [
            ("Hello World", "hello-world"),
            ("  Spaces   everywhere ", "spaces-everywhere"),
            ("It's a Dog's Life", "its-a-dogs-life"),
            ("Python 3.11 released!", "python-3-11-released"),
        ],
    )
    def test_slugify(title, slug):
        assert slugify(title) == slug


    def test_words_are_lowercase(article):
        assert all(w == w.lower() for w in words(article))


    def test_word_count(article):
        assert word_count(article) == 20


    def test_top_words(article):
        assert top_words(article, 2) == ["the", "fox"]


    def test_sentences(article):
        assert len(sentences(article)) == 4


    def test_empty_text():
        assert word_count("") == 0
        assert sentences("   ") == []


    def test_top_words_ties_are_alphabetical():
        assert top_words("b a c b a c", 3) == ["a", "b", "c"]
"""
TEXTSTATS_TESTS_N = 10


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    root.chmod(0o755)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip(), encoding="utf-8")
    return root


@dataclass(frozen=True)
class Case:
    """One benchmarked problem: its folder, judge and what every evaluation must show."""

    name: str
    root: Path
    program: str
    kind: str
    expect_passed: int

    @property
    def source(self) -> str:
        return (self.root / self.program).read_text()

    def candidate(self, i: int) -> str:
        # Each evaluation gets a distinct program text, as an evolution run would.
        return f"{self.source}\n# candidate {i}\n"

    def check(self, evaluation: Evaluation) -> None:
        if evaluation.status is not Status.OK or evaluation.passed != self.expect_passed:
            raise SystemExit(f"{self.name}: unexpected evaluation: {evaluation.to_dict()}")


def make_cases(tmp: Path) -> dict[str, Case]:
    evaluate = write(
        tmp / "trivial_evaluate",
        {"solution.py": TRIVIAL_PROGRAM, "evaluate.py": TRIVIAL_EVALUATE},
    )
    one_test = write(
        tmp / "trivial_pytest",
        {"solution.py": TRIVIAL_PROGRAM, "tests/test_solution.py": TRIVIAL_TEST},
    )
    textstats = write(
        tmp / "textstats",
        {
            "textstats.py": TEXTSTATS_PROGRAM,
            "tests/conftest.py": TEXTSTATS_CONFTEST,
            "tests/test_textstats.py": TEXTSTATS_TESTS,
        },
    )
    return {
        "trivial_evaluate": Case("trivial_evaluate", evaluate, "solution.py", "evaluate", 0),
        "trivial_pytest": Case("trivial_pytest", one_test, "solution.py", "tests", 1),
        "pytest_pool": Case("pytest_pool", textstats, "textstats.py", "tests", TEXTSTATS_TESTS_N),
    }


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Rate:
    evaluations: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.evaluations / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 3),
            "per_s": round(self.per_s, 1),
        }


def drive(run_one: Callable[[int], None], threads: int, seconds: float, limit: int) -> Rate:
    """Call ``run_one(i)`` from ``threads`` threads until ``seconds`` pass or ``limit`` calls."""
    lock = threading.Lock()
    counter = iter(range(limit))
    done = 0
    errors: list[BaseException] = []
    start = time.perf_counter()
    deadline = start + seconds
    last = start

    def loop() -> None:
        nonlocal done, last
        while time.perf_counter() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                run_one(i)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                return
            with lock:
                done += 1
                last = time.perf_counter()

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return Rate(done, last - start)


def bench_pool(case: Case, seconds: float) -> tuple[Rate, str, str | None]:
    spec = JudgeSpec(case.root, case.program, case.kind)  # type: ignore[arg-type]
    limits = Limits()
    settings = SandboxSettings(workers=WORKERS, jail="auto")
    with WorkerPool(spec, limits, settings) as pool:
        for i in range(20):  # warm up both workers
            case.check(pool.evaluate(case.candidate(-i)))

        def one(i: int) -> None:
            case.check(pool.evaluate(case.candidate(i)))

        rate = drive(one, WORKERS, seconds, limit=10**9)
        return rate, pool.jail, pool.warning


def bench_subprocess(case: Case, count: int, seconds: float, env: dict[str, str]) -> Rate:
    """A fresh ``python -m pytest`` per candidate, in a temp copy of the problem."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]

    def one(i: int) -> None:
        with tempfile.TemporaryDirectory(prefix="petri-bench-") as tmp:
            work = Path(tmp) / case.root.name
            shutil.copytree(case.root, work)
            (work / case.program).write_text(case.candidate(i))
            proc = subprocess.run(command, cwd=work, env=env, capture_output=True, check=False)
            if proc.returncode != 0 or f"{case.expect_passed} passed" not in proc.stdout.decode():
                raise SystemExit(f"pytest baseline failed:\n{proc.stdout.decode()[-2000:]}")

    one(-1)  # warm the OS caches, as the pool's warm-up does
    return drive(one, WORKERS, seconds, limit=count)


# -- report -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (about 10 s)")
    parser.add_argument("--seconds", type=float, help="time per pool measurement")
    parser.add_argument("--baseline", type=int, help="candidates run as subprocesses")
    args = parser.parse_args()
    seconds = args.seconds or (1.0 if args.quick else 4.0)
    baseline_n = args.baseline or (12 if args.quick else 60)

    with tempfile.TemporaryDirectory(prefix="petri-bench-") as tmp:
        cases = make_cases(Path(tmp))
        rates: dict[str, Rate] = {}
        jail, warning = "", None
        for name in ("trivial_evaluate", "trivial_pytest", "pytest_pool"):
            rates[name], jail, warning = bench_pool(cases[name], seconds)
        env = dict(os.environ)
        rates["pytest_subprocess"] = bench_subprocess(
            cases["pytest_pool"], baseline_n, seconds * 10, env
        )
        lean = {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        rates["pytest_subprocess_no_plugins"] = bench_subprocess(
            cases["pytest_pool"], baseline_n, seconds * 10, lean
        )
    report(rates, jail, warning, quick=args.quick)


def report(rates: dict[str, Rate], jail: str, warning: str | None, *, quick: bool) -> None:
    labels = {
        "trivial_evaluate": "pool, trivial, evaluate.py judge",
        "trivial_pytest": "pool, trivial, 1 pytest test",
        "pytest_pool": f"pool, pytest problem ({TEXTSTATS_TESTS_N} tests)",
        "pytest_subprocess": "python -m pytest per candidate",
        "pytest_subprocess_no_plugins": "  same, plugin autoload disabled",
    }
    if warning:
        print(warning)
    print(f"jail: {jail}; workers: {WORKERS}; threads: {WORKERS}; cpus: {os.cpu_count()}")
    print(f"{'measurement':<40} {'evals':>7} {'seconds':>8} {'evals/s':>9}")
    for key, label in labels.items():
        rate = rates[key]
        print(f"{label:<40} {rate.evaluations:>7} {rate.seconds:>8.2f} {rate.per_s:>9.1f}")
    trivial = rates["trivial_evaluate"].per_s
    ratio = rates["pytest_pool"].per_s / rates["pytest_subprocess"].per_s
    ratio_lean = rates["pytest_pool"].per_s / rates["pytest_subprocess_no_plugins"].per_s
    goal_trivial = trivial >= GOAL_TRIVIAL_PER_S
    goal_ratio = ratio >= GOAL_RATIO
    goal_ratio_lean = ratio_lean >= GOAL_RATIO
    print(
        f"trivial: {trivial:.0f}/s (evaluate.py judge); goal >= {GOAL_TRIVIAL_PER_S:.0f}/s:"
        f" {'met' if goal_trivial else 'MISSED'};"
        f" with one pytest test: {rates['trivial_pytest'].per_s:.0f}/s"
    )
    print(
        f"pool / subprocess on the pytest problem = {ratio:.1f}x;"
        f" goal >= {GOAL_RATIO:.0f}x: {'met' if goal_ratio else 'MISSED'}"
    )
    print(
        f"pool / subprocess without plugin autoload = {ratio_lean:.1f}x;"
        f" goal >= {GOAL_RATIO:.0f}x: {'met' if goal_ratio_lean else 'MISSED'}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "benchmark": "sandbox throughput",
        "quick": quick,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "jail": jail,
        "jail_warning": warning,
        "workers": WORKERS,
        "threads": WORKERS,
        "results": {key: rate.to_dict() for key, rate in rates.items()},
        "trivial_per_s": round(trivial, 1),
        "trivial_one_pytest_test_per_s": round(rates["trivial_pytest"].per_s, 1),
        "pool_vs_subprocess": round(ratio, 2),
        "pool_vs_subprocess_no_plugins": round(ratio_lean, 2),
        "goal_trivial_per_s": GOAL_TRIVIAL_PER_S,
        "goal_trivial_met": goal_trivial,
        "goal_ratio": GOAL_RATIO,
        "goal_ratio_met": goal_ratio,
        "goal_ratio_met_no_plugins": goal_ratio_lean,
    }
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")


if __name__ == "__main__":
    main()
