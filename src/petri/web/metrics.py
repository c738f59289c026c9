"""Prometheus ``/metrics`` (prometheus-client), computed from the runs on each scrape.

A registry per scrape: the figures are the stores', not counters kept by a process that may
have restarted since.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


def render_metrics(
    rows: Iterable[dict[str, Any]], queue: dict[str, int] | None = None
) -> tuple[bytes, str]:
    """The exposition text of the runs' gauges (and of the queue's, when the dashboard has
    one), and its content type."""
    registry = CollectorRegistry()
    runs = Gauge("petri_runs", "Runs by job and status.", ["job", "status"], registry=registry)
    work = Gauge(
        "petri_run_work",
        "Evaluations (evolve), promoted tasks (swarm) or genomes (ecosystem), summed by job.",
        ["job"],
        registry=registry,
    )
    living = Gauge(
        "petri_ecosystem",
        "Organisms and species alive in ecosystem runs, summed over the runs.",
        ["what"],
        registry=registry,
    )
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    alive: Counter[str] = Counter()
    for row in rows:
        job = str(row.get("job") or "unknown")
        status = str(row.get("status", "unknown"))
        counts[(job, status)] += 1
        totals[job] += int(row.get("evaluations", 0) or 0)
        if job == "ecosystem":
            best = row.get("best") or {}
            alive["organisms"] += int(best.get("population", 0))
            alive["species"] += int(best.get("species", 0))
    for (job, status), n in counts.items():
        runs.labels(job=job, status=status).set(n)
    for job, n in totals.items():
        work.labels(job=job).set(n)
    for what, n in alive.items():
        living.labels(what=what).set(n)
    if queue is not None:
        tasks = Gauge("petri_queue_tasks", "Tasks of the queue by status.", ["status"],
                      registry=registry)  # fmt: skip
        for status, n in queue.items():
            tasks.labels(status=status).set(n)
    return generate_latest(registry), CONTENT_TYPE_LATEST
