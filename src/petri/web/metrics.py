"""Prometheus ``/metrics`` (prometheus-client), computed from the runs on each scrape.

A registry per scrape: the figures are the stores' (evolve runs through the dashboard's index),
not counters kept by a process that may have restarted since. Evaluation latency is a histogram
family built from the recorded durations, so it is exact whenever the dashboard started.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from petri.web.evolve_index import EvolveIndex

#: Upper bounds (seconds) of the evaluation latency histogram.
LATENCY_BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass
class Scrape:
    """What one scrape reads: the runs' rows, the index of evolve runs, the queue's counts and
    lease ages (None without a queue), and the model usage summed over swarm runs."""

    rows: list[dict[str, Any]]
    index: EvolveIndex
    queue: Mapping[str, int] | None = None
    lease_ages: list[float] = field(default_factory=list)
    usage: Mapping[str, float] = field(default_factory=dict)

    def evolve_runs(self) -> list[str]:
        return [str(r["run"]) for r in self.rows if r.get("job") == "evolve"]


class _Latency(Collector):
    def __init__(self, index: EvolveIndex, runs: list[str]) -> None:
        self.index, self.runs = index, runs

    def collect(self) -> Iterator[Metric]:
        counts, total = self.index.latency(self.runs, LATENCY_BOUNDS)
        buckets = [(str(b), float(n)) for b, n in zip(LATENCY_BOUNDS, counts, strict=False)]
        buckets.append(("+Inf", float(counts[-1])))
        yield HistogramMetricFamily(
            "petri_evaluation_seconds",
            "Time to judge one program, over the evolve runs.",
            buckets=buckets,
            sum_value=total,
        )


def render_metrics(scrape: Scrape) -> tuple[bytes, str]:
    """The exposition text of one scrape, and its content type."""
    registry = CollectorRegistry()
    _runs(registry, scrape.rows)
    outcomes = Gauge("petri_evaluations", "Evaluations of the evolve runs by outcome.",
                     ["outcome"], registry=registry)  # fmt: skip
    for outcome, n in scrape.index.outcomes(scrape.evolve_runs()).items():
        outcomes.labels(outcome=outcome).set(n)
    registry.register(_Latency(scrape.index, scrape.evolve_runs()))
    model = Gauge("petri_model_usage", "Model tokens and cost (USD) spent by the swarm runs.",
                  ["what"], registry=registry)  # fmt: skip
    model.labels(what="tokens").set(scrape.usage.get("tokens", 0.0))
    model.labels(what="cost_usd").set(scrape.usage.get("cost_usd", 0.0))
    if scrape.queue is not None:
        _queue(registry, scrape.queue, scrape.lease_ages)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def _runs(registry: CollectorRegistry, rows: Iterable[dict[str, Any]]) -> None:
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
        counts[(job, str(row.get("status", "unknown")))] += 1
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


def _queue(registry: CollectorRegistry, counts: Mapping[str, int], ages: list[float]) -> None:
    tasks = Gauge("petri_queue_tasks", "Tasks of the queue by status.", ["status"],
                  registry=registry)  # fmt: skip
    for status, n in counts.items():
        tasks.labels(status=status).set(n)
    oldest = Gauge("petri_queue_oldest_lease_seconds",
                   "Age of the oldest lease held on the queue's tasks (0: none).",
                   registry=registry)  # fmt: skip
    oldest.set(max(ages, default=0.0))
