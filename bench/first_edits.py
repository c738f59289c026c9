"""First edits on real student bugs: how many of the edits petri draws only make every test raise.

An edit that turns a program into one whose every test call raises (``value(...)`` where
``max(...)`` was, ``abs`` around a list) costs an evaluation and teaches the search nothing: a
repair never goes through it. This benchmark draws the first edits a search would draw (the
breeder's operator mix, fault localization off) on the Refactory sample's wrong submissions
that fail their tests (``bench/refactory.py``'s sample and tests), runs each edited program
on its question's test calls in a child interpreter, and counts, per operator, the edits after
which every call raises while the original returned on at least one.

Run it on two trees to compare versions of the operators (``PYTHONPATH=OTHER/src``): the same
seeds draw the same edits wherever the operators agree.

Prints a table per operator and writes bench/results/first_edits.json (or ``--out PATH``).

Usage: python bench/first_edits.py [--per-question 20] [--draws 100] [--seed 0] [--jobs 2]
       [--data PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import ast
import json
import platform
import random
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

sys.path.insert(0, str(Path(__file__).resolve().parent))

import refactory
from petri.errors import ProgramError
from petri.evolve.breed import OPERATOR_MIX
from petri.program.edits import Original
from petri.program.operators import propose

RESULTS = refactory.ROOT / "bench" / "results" / "first_edits.json"


def raises_everywhere(values: list[str]) -> bool:
    """Every call raised (``run_calls`` spells an exception ``!Name``)."""
    return bool(values) and all(v.startswith("!") for v in values)


def _same(value: str, expected: str) -> bool:
    try:
        return bool(ast.literal_eval(value) == ast.literal_eval(expected))
    except (ValueError, SyntaxError):
        return value == expected


def drawn_edits(original: Original, draws: int, seed: int) -> list[tuple[str, str]]:
    """(operator, edited source) of ``draws`` first edits, each from its own seeded generator."""
    found = []
    for k in range(draws):
        edit = propose(original, random.Random(f"{seed}:{k}"), mix=OPERATOR_MIX)
        source = None if edit is None else original.apply([edit])
        if edit is not None and source is not None:
            found.append((edit.op, source))
    return found


def census(question: refactory.Question, path: Path, draws: int, seed: int) -> Counter[str]:
    """Per operator: ``drawn:OP`` and ``raises:OP`` counts for one submission, and
    ``submissions`` 1 (empty when it passes its tests, cannot be parsed, or raises on every
    call already)."""
    source = refactory.program_text(question, path.read_text(errors="replace"))
    calls = [call for call, _ in question.tests]
    values = refactory.run_calls(source, calls)
    passes = all(_same(v, want) for v, (_, want) in zip(values, question.tests, strict=True))
    counts: Counter[str] = Counter()
    if passes or raises_everywhere(values):
        return counts
    try:
        original = Original.parse(source)
    except ProgramError:
        return counts
    counts["submissions"] = 1
    for op, edited in drawn_edits(original, draws, seed):
        counts[f"drawn:{op}"] += 1
        if raises_everywhere(refactory.run_calls(edited, calls)):
            counts[f"raises:{op}"] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-question", type=int, default=20)
    parser.add_argument("--draws", type=int, default=100, help="first edits per submission")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed (as refactory.py)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions run side by side")
    parser.add_argument("--data", type=Path, default=None, help="the dataset's data.zip")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    root = refactory.dataset_root(args.data)
    work = [
        (question, path)
        for question in (refactory.Question.load(root, n) for n in refactory.QUESTIONS)
        for path in refactory.sample(question, args.per_question, args.seed)
    ]
    total: Counter[str] = Counter()
    columns = (TextColumn("first edits"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress, ThreadPoolExecutor(args.jobs) as pool:
        bar = progress.add_task("", total=len(work))
        futures = [pool.submit(census, q, p, args.draws, args.seed) for q, p in work]
        for future in futures:
            total.update(future.result())
            progress.advance(bar)
    report(total, args.out)
    return 0


def report(total: Counter[str], out: Path) -> None:
    ops = sorted(
        {key.split(":", 1)[1] for key in total if ":" in key}, key=lambda op: -total[f"raises:{op}"]
    )
    rows: dict[str, dict[str, Any]] = {}
    print(f"\n{'operator':18} {'drawn':>7} {'every test raises':>18}")
    for op in ops:
        drawn, raises = total[f"drawn:{op}"], total[f"raises:{op}"]
        rows[op] = {"drawn": drawn, "raises": raises}
        print(f"{op:18} {drawn:>7} {raises:>10} ({raises / drawn:4.0%})")
    drawn = sum(r["drawn"] for r in rows.values())
    raises = sum(r["raises"] for r in rows.values())
    print(f"{'all':18} {drawn:>7} {raises:>10} ({raises / max(drawn, 1):4.1%})")
    print(f"over {total['submissions']} submissions that fail their tests without always raising")
    out.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "submissions": total["submissions"],
        "drawn": drawn,
        "raises": raises,
        "share": round(raises / max(drawn, 1), 4),
    }
    machine = {"python": platform.python_version(), "platform": platform.platform()}
    out.write_text(
        json.dumps({"machine": machine, "summary": summary, "operators": rows}, indent=1) + "\n"
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main())
