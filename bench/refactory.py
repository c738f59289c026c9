"""Refactory benchmark: how many real student bugs petri repairs from their tests alone.

The Refactory dataset (five introductory Python assignments, in ../shared/benchmarks/refactory)
holds each question's wrong student submissions, an instructor reference and a test suite as
input/output text files. This benchmark draws a seeded sample of wrong submissions per question,
turns each into a petri problem (the submission as the program, one pytest test per input/output
pair, calling the function the way the dataset's tests do) and runs ``petri evolve`` on it with a
fixed evaluation budget, offline.

A submission is *repaired* when the best program passes every test, and *correct* when it also
agrees with the instructor's reference on generated inputs: the tests' calls with their arguments
mutated (elements dropped, repeated, shuffled, sorted, numbers shifted ...), kept only where the
reference and a seeded sample of the question's correct submissions all return the same value
(so an input outside the task's unstated preconditions, such as an unsorted sequence for a
sequential search over a sorted one, is never held against a repair). Programs run in a child
interpreter with CPU, memory and wall-time limits.

Counted, never skipped: submissions that do not parse (petri cannot start on them; they count as
not repaired) and submissions that already pass every test here (reported apart, not as repairs).
Evaluations to repair is the number of the first evaluation that passed every test; medians are
over repaired submissions, and over all with an unrepaired one counted as the whole budget.

Prints a table per question and overall, and writes bench/results/refactory.json.

With ``--donors N``, each run is also given N of the question's correct submissions (never one
of the judges) as donors (``petri evolve --donors``): other solutions of the task, whose
functions lend statements and bodies to the repair. Each repair's size is reported as the
lines its patch changes, so a repair that rewrote a function shows as one.

Usage: python bench/refactory.py [--per-question 20] [--budget 2000] [--seed 0] [--jobs 1]
       [--workers 2] [--time-limit 0] [--questions 1 2 ...] [--donors 0] [--out PATH]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
#: Where the dataset's archive is looked for: beside the checkout, or one folder further up.
DATASETS = tuple(
    base / "shared" / "benchmarks" / "refactory" / "data.zip" for base in ROOT.parents[:2]
)
CACHE = ROOT / "bench" / ".cache" / "refactory"
RESULTS = ROOT / "bench" / "results" / "refactory.json"
QUESTIONS = (1, 2, 3, 4, 5)
PROGRAM = "submission.py"
#: Correct submissions that must agree with the reference for a generated input to count.
JUDGES = 20
#: Generated inputs tried, and kept at most, per question.
CANDIDATES = 300
KEPT = 80
CALL_TIMEOUT_S = 1.0
GOAL_REPAIRED = 0.7
GOAL_CORRECT = 0.6


# --- the dataset -------------------------------------------------------------------------------


def dataset_root(zip_path: Path | None, cache: Path = CACHE) -> Path:
    """The extracted ``data`` folder, extracting the archive into the gitignored cache once."""
    if zip_path is None:
        zip_path = next((p for p in DATASETS if p.is_file()), DATASETS[0])
    if not zip_path.is_file():
        sys.exit(f"refactory: {zip_path} not found; pass the dataset's data.zip with --data")
    data = cache / "data"
    stamp = cache / ".extracted"
    if not stamp.is_file() or stamp.read_text() != str(zip_path.stat().st_mtime_ns):
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(cache)
        stamp.write_text(str(zip_path.stat().st_mtime_ns))
    return data


@dataclass(frozen=True)
class Question:
    number: int
    folder: Path
    tests: list[tuple[str, str]]  #: (call expression, expected value's repr)
    reference: str
    globals_src: str

    @classmethod
    def load(cls, data: Path, number: int) -> Question:
        folder = data / f"question_{number}"
        tests = []
        for given in sorted((folder / "ans").glob("input_*.txt")):
            expected = given.with_name(given.name.replace("input_", "output_"))
            tests.append((given.read_text().strip(), expected.read_text().strip()))
        glob_file = folder / "code" / "global.py"
        return cls(
            number,
            folder,
            tests,
            (folder / "code" / "reference" / "reference.py").read_text(),
            glob_file.read_text() if glob_file.is_file() else "",
        )

    def submissions(self, kind: str) -> list[Path]:
        return sorted((self.folder / "code" / kind).glob("*.py"))


def sample(question: Question, per_question: int, seed: int) -> list[Path]:
    """A seeded sample of the question's wrong submissions, in file-name order."""
    wrong = question.submissions("wrong")
    rng = random.Random(f"refactory-{seed}-{question.number}")
    return sorted(rng.sample(wrong, min(per_question, len(wrong))))


# --- problem folders ---------------------------------------------------------------------------


def program_text(question: Question, submission: str) -> str:
    """The submission under the instructor's globals, which evolution may not edit."""
    if not question.globals_src.strip():
        return submission
    return (
        f"{question.globals_src.rstrip()}\n\n# EVOLVE-BLOCK-START\n"
        f"{submission.rstrip()}\n# EVOLVE-BLOCK-END\n"
    )


def tests_text(question: Question) -> str:
    """One pytest test per input/output pair, calling the function as the dataset's tests do."""
    lines = [
        f'"""Question {question.number}\'s tests, from its input/output files."""',
        "",
        "from submission import *  # noqa: F403",
        "",
    ]
    for number, (call, expected) in enumerate(question.tests, 1):
        lines += ["", f"def test_{number:03}():", f"    assert ({call}) == ({expected})", ""]
    return "\n".join(lines)


def make_problem(
    question: Question, submission: Path, folder: Path, donors: Iterable[Path] = ()
) -> Path:
    (folder / "tests").mkdir(parents=True)
    for donor in donors:
        (folder / "donors").mkdir(exist_ok=True)
        (folder / "donors" / donor.name).write_text(program_text(question, donor.read_text()))
    (folder / PROGRAM).write_text(program_text(question, submission.read_text()))
    (folder / "tests" / "test_submission.py").write_text(tests_text(question))
    (folder / "petri.toml").write_text(
        f'program = "{PROGRAM}"\njudge = "tests"\n\n[limits]\ntest_timeout_s = 2.0\n'
        "wall_time_s = 30.0\ncpu_time_s = 30\n"
    )
    return folder


# --- running programs on inputs, outside petri -------------------------------------------------

_RUNNER = r"""
import io, json, signal, sys
job = json.load(sys.stdin)
sys.stdin = io.StringIO("")
real_out, sys.stdout = sys.stdout, io.StringIO()
def alarm(*_):
    raise TimeoutError
signal.signal(signal.SIGALRM, alarm)
space = {"__name__": "submission"}
out = []
try:
    signal.setitimer(signal.ITIMER_REAL, job["timeout"] * 4)
    exec(compile(job["source"], "submission.py", "exec"), space)
    signal.setitimer(signal.ITIMER_REAL, 0)
except BaseException as exc:
    out = ["!load " + type(exc).__name__] * len(job["calls"])
for call in job["calls"][len(out):]:
    sys.stdout = io.StringIO()
    try:
        signal.setitimer(signal.ITIMER_REAL, job["timeout"])
        value = repr(eval(call, space))
    except BaseException as exc:
        value = "!" + type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    out.append(value)
real_out.write(json.dumps(out))
"""


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))


def run_calls(source: str, calls: list[str], timeout: float = CALL_TIMEOUT_S) -> list[str]:
    """The repr of each call's value in ``source``'s namespace, or ``!Error`` (child process)."""
    if not calls:
        return []
    job = json.dumps({"source": source, "calls": calls, "timeout": timeout})
    budget = timeout * (len(calls) + 4) + 5
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _RUNNER],
            input=job,
            check=False,
            capture_output=True,
            text=True,
            timeout=budget,
            preexec_fn=_limit_child,
            cwd=tempfile.gettempdir(),
        )
        values = json.loads(done.stdout)
    except (subprocess.TimeoutExpired, ValueError):
        return ["!killed"] * len(calls)
    return [str(v) for v in values] if len(values) == len(calls) else ["!killed"] * len(calls)


# --- generated inputs --------------------------------------------------------------------------


def parse_call(call: str) -> tuple[str, list[Any]] | None:
    """``name(literal, ...)`` as its name and argument values, or None for anything else."""
    try:
        node = ast.parse(call, mode="eval").body
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            return None
        return node.func.id, [ast.literal_eval(arg) for arg in node.args]
    except (SyntaxError, ValueError):
        return None


def _pool(values: Iterable[Any]) -> list[Any]:
    """Every scalar inside ``values``, for mutations to draw replacements from."""
    found: list[Any] = []
    for value in values:
        if isinstance(value, list | tuple):
            found += _pool(value)
        else:
            found.append(value)
    return found


def mutate(value: Any, rng: random.Random, pool: list[Any]) -> Any:
    """A nearby value of the same type: a sequence reshaped, a number shifted, a scalar swapped."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return rng.choice(
            [value + rng.randint(-3, 3), -value, 0, *(p for p in pool if type(p) is int)]
        )
    if isinstance(value, str):
        same = [p for p in pool if isinstance(p, str)]
        return rng.choice(same) if same else value
    if isinstance(value, list | tuple):
        return type(value)(_reshape(list(value), rng, pool))
    return value


def _reshape(items: list[Any], rng: random.Random, pool: list[Any]) -> list[Any]:
    move = rng.randrange(8)
    if move == 0 or not items:
        return [*items, mutate(rng.choice(items), rng, pool) if items else rng.choice(pool)]
    index = rng.randrange(len(items))
    if move == 1:
        return items[:index] + items[index + 1 :]
    if move == 2:
        return [*items[:index], items[index], *items[index:]]
    if move == 3:
        return rng.sample(items, len(items))
    if move == 4:
        return _sorted(items, reverse=False)
    if move == 5:
        return _sorted(items, reverse=True)
    if move == 6:
        return [*items[:index], mutate(items[index], rng, pool), *items[index + 1 :]]
    return []


def _sorted(items: list[Any], *, reverse: bool) -> list[Any]:
    try:
        return sorted(items, reverse=reverse)
    except TypeError:
        return items


def generate_calls(tests: list[tuple[str, str]], rng: random.Random, count: int) -> list[str]:
    """Up to ``count`` distinct calls: the tests' calls with one or two arguments mutated."""
    parsed = [p for p in (parse_call(call) for call, _ in tests) if p is not None]
    if not parsed:
        return []
    pool = _pool(arg for _, args in parsed for arg in args)
    calls: dict[str, None] = {}
    for _ in range(count * 4):
        name, args = rng.choice(parsed)
        args = list(args)
        for _ in range(rng.randint(1, 2)):
            if args:
                where = rng.randrange(len(args))
                args[where] = mutate(args[where], rng, pool)
        calls[f"{name}({', '.join(map(repr, args))})"] = None
        if len(calls) >= count:
            break
    return list(calls)


def oracle(question: Question, seed: int) -> tuple[list[str], list[str], list[Path]]:
    """Generated calls on which the reference and every judging correct submission agree, the
    reference's values on them, and the judges."""
    rng = random.Random(f"refactory-inputs-{seed}-{question.number}")
    calls = generate_calls(question.tests, rng, CANDIDATES)
    full = program_text(question, question.reference)
    expected = run_calls(full, calls)
    correct = question.submissions("correct")
    judges = rng.sample(correct, min(JUDGES, len(correct)))
    keep = [not value.startswith("!") for value in expected]
    for judge in judges:
        values = run_calls(program_text(question, judge.read_text()), calls)
        keep = [k and v == e for k, v, e in zip(keep, values, expected, strict=True)]
    chosen = [i for i, k in enumerate(keep) if k][:KEPT]
    return [calls[i] for i in chosen], [expected[i] for i in chosen], judges


def lenders(question: Question, judges: list[Path], count: int, seed: int) -> list[Path]:
    """``count`` correct submissions to lend code to repairs (``--donors``), never a judge: a
    repair made of a donor's code is judged by other submissions and the reference."""
    judging = set(judges)
    others = [path for path in question.submissions("correct") if path not in judging]
    rng = random.Random(f"refactory-donors-{seed}-{question.number}")
    return sorted(rng.sample(others, min(count, len(others))))


# --- one submission ----------------------------------------------------------------------------


def first_repair(store_url: str, run_id: str) -> int | None:
    """The number of the first evaluation that passed every test, if any."""
    from petri.evolve.journal import RunState
    from petri.runtime.store import from_url

    store = from_url(store_url)
    try:
        state = RunState.replay(run_id, store.replay(run_id))
    finally:
        store.close()
    return min((r.n for r in state.records.values() if r.feasible), default=None)


@dataclass(frozen=True)
class Job:
    question: Question
    submission: Path
    seed: int
    budget: int
    workers: int
    time_limit: float
    calls: list[str]
    expected: list[str]
    work: Path
    donors: tuple[Path, ...] = ()


def run_submission(job: Job) -> dict[str, Any]:
    """Evolve one wrong submission and judge the result; one row of the results."""
    from petri.config import load_settings
    from petri.errors import PetriError
    from petri.evolve.run import start_run
    from petri.problem import load_problem
    from petri.sandbox import Status, evaluate_once

    started = time.perf_counter()
    folder = make_problem(job.question, job.submission, job.work / job.submission.stem, job.donors)
    row: dict[str, Any] = {"question": job.question.number, "submission": job.submission.name}
    row |= {"outcome": "unrepaired", "evals_to_repair": None, "evaluations": 0, "correct": False}
    try:
        ast.parse(job.submission.read_text())
    except SyntaxError:
        return row | {"outcome": "unparseable", "seconds": 0.0}
    loaded = load_problem(folder)
    baseline, _ = evaluate_once(
        loaded.judge_spec(), loaded.source, loaded.settings.limits, loaded.settings.sandbox
    )
    if baseline.status is Status.OK:
        return row | {"outcome": "passes_tests", "seconds": round(time.perf_counter() - started, 1)}
    evolve: dict[str, Any] = {"seed": job.seed, "max_evals": job.budget, "workers": job.workers}
    if job.donors:
        evolve["donors"] = "donors"
    if job.time_limit:
        evolve["time_limit_s"] = job.time_limit
    settings = load_settings(folder, evolve=evolve, home=job.work / "home")
    try:
        summary = start_run(loaded, settings)
    except PetriError as exc:
        return row | {"outcome": f"error: {exc}", "seconds": time.perf_counter() - started}
    row["evaluations"] = summary["evaluations"]
    if summary["status"] == "repaired":
        best = Path(summary["best"]["path"]).read_text()
        values = run_calls(best, job.calls)
        row |= {
            "outcome": "repaired",
            "evals_to_repair": first_repair(
                f"sqlite:///{folder / '.petri' / 'petri.db'}", summary["run_id"]
            ),
            "correct": values == job.expected,
            "disagreements": sum(v != e for v, e in zip(values, job.expected, strict=True)),
            "patch": summary["patch"],
            "patch_lines": changed_lines(summary["patch"]),
        }
    shutil.rmtree(folder, ignore_errors=True)
    return row | {"seconds": round(time.perf_counter() - started, 1)}


def changed_lines(patch: str) -> int:
    """Lines a unified diff removes or adds."""
    return sum(
        1 for line in patch.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


# --- the report --------------------------------------------------------------------------------


def aggregate(rows: list[dict[str, Any]], budget: int) -> dict[str, Any]:
    """Counts and medians over ``rows``: repaired and correct among those that fail the tests."""
    failing = [r for r in rows if r["outcome"] != "passes_tests"]
    repaired = [r for r in failing if r["outcome"] == "repaired"]
    costs = [r["evals_to_repair"] for r in repaired]
    return {
        "sampled": len(rows),
        "passes_tests": len(rows) - len(failing),
        "failing": len(failing),
        "unparseable": sum(1 for r in rows if r["outcome"] == "unparseable"),
        "repaired": len(repaired),
        "correct": sum(1 for r in repaired if r["correct"]),
        "repaired_share": round(len(repaired) / len(failing), 3) if failing else None,
        "correct_share": (
            round(sum(1 for r in repaired if r["correct"]) / len(failing), 3) if failing else None
        ),
        "median_evals_repaired": statistics.median(costs) if costs else None,
        "median_evals_all": (
            statistics.median(costs + [budget] * (len(failing) - len(repaired)))
            if failing
            else None
        ),
        "median_patch_lines": (
            statistics.median(r["patch_lines"] for r in repaired if "patch_lines" in r)
            if any("patch_lines" in r for r in repaired)
            else None
        ),
    }


def report(summary: dict[str, dict[str, Any]]) -> None:
    print(
        f"\n{'question':10} {'sampled':>7} {'passing':>7} {'failing':>7} {'repaired':>14} "
        f"{'correct':>14} {'median evals':>13} {'patch lines':>11}"
    )
    for name, s in summary.items():
        share = s["repaired_share"] or 0.0
        right = s["correct_share"] or 0.0
        print(
            f"{name:10} {s['sampled']:>7} {s['passes_tests']:>7} {s['failing']:>7} "
            f"{s['repaired']:>5} ({share:>5.0%}) {s['correct']:>5} ({right:>5.0%}) "
            f"{_or_dash(s['median_evals_repaired']):>13} {_or_dash(s['median_patch_lines']):>11}"
        )


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def run_all(jobs: list[Job], parallel: int, done: Callable[[dict[str, Any]], None]) -> None:
    if parallel <= 1:
        for job in jobs:
            done(run_submission(job))
        return
    with ProcessPoolExecutor(parallel) as pool:
        for future in as_completed([pool.submit(run_submission, job) for job in jobs]):
            done(future.result())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-question", type=int, default=20, help="wrong submissions each")
    parser.add_argument("--budget", type=int, default=2000, help="evaluations per submission")
    parser.add_argument("--seed", type=int, default=0, help="sample, inputs and runs seed")
    parser.add_argument("--jobs", type=int, default=1, help="submissions evolved at once")
    parser.add_argument("--workers", type=int, default=2, help="evaluation processes per run")
    parser.add_argument("--time-limit", type=float, default=0.0, help="seconds per run; 0: none")
    parser.add_argument("--questions", type=int, nargs="*", default=list(QUESTIONS))
    parser.add_argument("--data", type=Path, default=None, help="the dataset's data.zip")
    parser.add_argument(
        "--donors",
        type=int,
        default=0,
        help="correct submissions (never the judges) given to each run as donors; 0: tests alone",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results file")
    args = parser.parse_args()
    bad = [q for q in args.questions if q not in QUESTIONS]
    if bad or args.donors < 0 or min(args.per_question, args.budget, args.jobs, args.workers) < 1:
        parser.error(
            f"questions are {list(QUESTIONS)}; --per-question, --budget, --jobs and --workers "
            "must be at least 1, --donors at least 0"
        )
    return args


def interleave(groups: list[list[Job]]) -> list[Job]:
    """One job of each question in turn, so that a run stopped early stays balanced."""
    return [job for row in zip_longest(*groups) for job in row if job is not None]


def build_jobs(args: argparse.Namespace, work: Path) -> tuple[list[Job], dict[str, int]]:
    data = dataset_root(args.data)
    groups: list[list[Job]] = []
    inputs: dict[str, int] = {}
    for number in args.questions:
        question = Question.load(data, number)
        calls, expected, judges = oracle(question, args.seed)
        donors = tuple(lenders(question, judges, args.donors, args.seed))
        inputs[f"q{number}"] = len(calls)
        groups.append(
            [
                Job(
                    question,
                    submission,
                    args.seed,
                    args.budget,
                    args.workers,
                    args.time_limit,
                    calls,
                    expected,
                    work,
                    donors,
                )
                for submission in sample(question, args.per_question, args.seed)
            ]
        )
    return interleave(groups), inputs


def summarize(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    summary = {
        f"q{n}": aggregate([r for r in rows if r["question"] == n], args.budget)
        for n in args.questions
    }
    summary["overall"] = aggregate(rows, args.budget)
    return summary


def write_results(
    rows: list[dict[str, Any]], args: argparse.Namespace, inputs: dict[str, int], total: int
) -> dict[str, Any]:
    """Write the results so far (``complete`` once every job is in); return the summary."""
    rows = sorted(rows, key=lambda r: (r["question"], r["submission"]))
    summary = summarize(rows, args)
    payload = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "complete": len(rows) == total,
        "generated_inputs": inputs,
        "summary": summary,
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_suffix(".tmp")
    partial.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(partial, args.out)
    return summary


def main() -> int:
    args = parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="petri-bench-refactory-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o755)
        jobs, inputs = build_jobs(args, work)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns) as bar:
            task = bar.add_task("refactory", total=len(jobs))

            def done(row: dict[str, Any]) -> None:
                rows.append(row)
                write_results(rows, args, inputs, len(jobs))
                bar.console.print(
                    f"q{row['question']} {row['submission']:18} {row['outcome']:12} "
                    f"correct {row['correct']!s:5} evals {row['evals_to_repair'] or '-':>5} "
                    f"{row['seconds']:6.1f}s"
                )
                bar.advance(task)

            run_all(jobs, args.jobs, done)
    summary = write_results(rows, args, inputs, len(jobs))
    report(summary)
    overall = summary["overall"]
    print(
        f"\npetri repaired {overall['repaired_share'] or 0:.0%} (goal >= {GOAL_REPAIRED:.0%}) and "
        f"correctly {overall['correct_share'] or 0:.0%} (goal >= {GOAL_CORRECT:.0%}) of the "
        f"{overall['failing']} sampled submissions that fail their tests, "
        f"{args.budget} evaluations each"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
