"""Event log append rate on SQLite: batched (``append_many``) vs one transaction per event.

Goal (issue 3): >= 100,000 events/s batched. Prints a table and writes bench/results/events.json.
Usage: python bench/events.py [--events 200000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from petri.runtime.store import NewEvent
from petri.runtime.store.sqlite import SqliteStore

RESULTS = Path(__file__).resolve().parent / "results" / "events.json"


def batched(store: SqliteStore, n: int, batch: int) -> float:
    events = [NewEvent("bench", "evaluated", {"i": i, "score": i * 0.5}) for i in range(n)]
    start = time.perf_counter()
    for at in range(0, n, batch):
        store.append_many(events[at : at + batch])
    return n / (time.perf_counter() - start)


def single(store: SqliteStore, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        store.append("single", "evaluated", {"i": i, "score": i * 0.5})
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--single", type=int, default=5_000, help="events, one per transaction")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        store.append("warmup", "x")
        rate_batched = batched(store, args.events, args.batch)
        rate_single = single(store, args.single)
        assert len(store.read("bench", after_seq=args.events - 1)) == 1
        store.close()
    rows = [
        ("sqlite append_many", f"batch {args.batch}", args.events, rate_batched),
        ("sqlite append", "1 per transaction", args.single, rate_single),
    ]
    print(f"{'mode':<20} {'batching':<18} {'events':>8} {'events/s':>12}")
    for mode, batching, n, rate in rows:
        print(f"{mode:<20} {batching:<18} {n:>8} {rate:>12,.0f}")
    ratio = rate_batched / rate_single
    goal = rate_batched >= 100_000
    print(
        f"batched / single = {ratio:.1f}x;"
        f" goal >= 100,000 events/s batched: {'met' if goal else 'MISSED'}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "event log append",
                "python": platform.python_version(),
                "batch": args.batch,
                "batched_events_per_s": round(rate_batched),
                "single_events_per_s": round(rate_single),
                "ratio": round(ratio, 2),
                "goal_events_per_s": 100_000,
                "goal_met": goal,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
