"""Genomes judged in petri's sandbox, once per distinct genome.

The world never runs organism code in the coordinator: each new genome goes to a warm pool of
jailed workers as a candidate of a tiny problem (the genome as ``organism.py``, the
environment's script as ``evaluate.py``), and what comes back is its phenotype (the tasks it
performs) and its cost (instructions run). A genome that crashes, hangs or is cut off performs
nothing and costs the most. Batches run on all workers at once, and a batch may be judged while
the world computes its next tick (``submit``, then ``collect``); the answer for a genome does
not depend on which worker judged it or when, so a run is the same with any number of workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from petri.config import Limits, SandboxSettings
from petri.ecosystem.environments import MAX_OPS, Environment
from petri.sandbox import JudgeSpec, Status, WorkerPool

#: Wall time of one genome's judgement: organisms are a few lines; a stuck one is cut here.
JUDGE_WALL_S = 1.0
#: Memory of one judgement: a genome is a few lines; `1 << b` on a 32-bit b would take 256 MiB
#: and most of a second before failing, this makes it fail at once.
JUDGE_MB = 128


@dataclass(frozen=True)
class Phenotype:
    """What a genome does in its environment: a task bit mask and its cost in instructions."""

    tasks: int
    ops: int

    def to_json(self) -> list[int]:
        return [self.tasks, self.ops]

    @classmethod
    def from_json(cls, data: object) -> Phenotype:
        if not isinstance(data, list) or len(data) != 2:
            raise ValueError(f"a phenotype is [tasks, ops], got {data!r}")
        return cls(int(data[0]), int(data[1]))


#: The phenotype of a genome that could not be judged to the end.
NOTHING = Phenotype(0, MAX_OPS)


def write_problem(folder: Path, env: Environment) -> JudgeSpec:
    """The judge's problem folder for ``env`` (written once per run) and its spec."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "organism.py").write_text("def organism(a, b):\n    return a\n")
    (folder / "evaluate.py").write_text(env.judge_source())
    return JudgeSpec(root=folder, program="organism.py", kind="evaluate")


class Judge:
    """A warm sandbox pool for one environment; ``judge_many`` maps genome ids to phenotypes.

    Use as a context manager (the pool starts on entry and stops on exit).
    """

    _threads: ThreadPoolExecutor

    def __init__(
        self, folder: Path, env: Environment, sandbox: SandboxSettings, workers: int
    ) -> None:
        self.env = env
        self.spec = write_problem(folder, env)
        limits = Limits(wall_time_s=JUDGE_WALL_S, cpu_time_s=int(JUDGE_WALL_S), memory_mb=JUDGE_MB)
        settings = sandbox.model_copy(update={"workers": max(1, workers)})
        self.pool = WorkerPool(self.spec, limits, settings)
        self.workers = settings.workers
        self.judged = 0

    def __enter__(self) -> Judge:
        self.pool.start()
        self._threads = ThreadPoolExecutor(max_workers=self.workers)
        return self

    def __exit__(self, *_: object) -> None:
        self._threads.shutdown(wait=True)
        self.pool.close()

    def submit(self, sources: Mapping[str, str]) -> Batch:
        """Start judging ``sources`` on the pool's workers and return at once: the world goes
        on with its next tick meanwhile (``collect`` waits for the answers)."""
        return Batch({gid: self._threads.submit(self._one, src) for gid, src in sources.items()})

    def collect(self, batch: Batch) -> dict[str, Phenotype]:
        """Each genome's phenotype, once all of ``batch`` is judged."""
        found = {gid: future.result() for gid, future in sorted(batch.futures.items())}
        self.judged += len(found)
        return found

    def judge_many(self, sources: Mapping[str, str]) -> dict[str, Phenotype]:
        """Each genome's phenotype, judged in parallel on the pool's workers."""
        return self.collect(self.submit(sources))

    def _one(self, source: str) -> Phenotype:
        evaluation = self.pool.evaluate(source)
        if evaluation.status is not Status.OK:
            return NOTHING
        ops = int(evaluation.metrics.get("ops", MAX_OPS))
        return Phenotype(self.env.performed(evaluation.metrics), ops)


@dataclass(frozen=True)
class Batch:
    """Genomes being judged: their ids and the answers to come."""

    futures: dict[str, Future[Phenotype]] = field(default_factory=dict)
