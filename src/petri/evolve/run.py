"""Start, resume and finish evolve runs: the store, the queue, local workers and the engine.

The embedded default keeps a run's events in ``PROBLEM/.petri/petri.db`` and its evaluation
tasks in ``PROBLEM/.petri/queue.db``; ``--store``/``--broker`` URLs move either to Redis or
NATS so that ``petri worker`` on other machines can join. Local workers are supervised child
processes that die with the coordinator (``PR_SET_PDEATHSIG``), so a killed run leaves no
worker behind; its leased tasks return to the queue when their leases expire.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from petri.config import EvolveSettings, Limits, Settings
from petri.errors import ConfigError
from petri.evolve import journal
from petri.evolve.engine import Engine, Progress
from petri.evolve.evaluator import QueueEvaluator
from petri.evolve.events import RunFinished, RunStarted
from petri.evolve.journal import RunState
from petri.evolve.model_edits import model_editor
from petri.evolve.outputs import write_outputs
from petri.evolve.results import load_result
from petri.evolve.shadow import from_snapshot
from petri.evolve.tasks import HANDLERS, publish
from petri.problem import Problem
from petri.program.donors import read_donor_folder
from petri.program.edits import Original
from petri.program.operators import DONOR_OPS
from petri.runtime.admin import die_with_parent, make_target
from petri.runtime.doorbell import Doorbell
from petri.runtime.queue import from_url as queue_from_url
from petri.runtime.runs import RunInfo, lookup, new_run_id, register, state_folder
from petri.runtime.stop import StopCheck
from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url
from petri.runtime.supervisor import HeartbeatWatch, Supervisor
from petri.runtime.worker import Registry
from petri.sandbox.outcome import Evaluation

#: Seconds on top of an evaluation's wall time before a worker's task is retried elsewhere.
TASK_GRACE_S = 60.0
#: Lease of an evaluation task; workers heartbeat it while a long evaluation runs, and a task
#: whose worker was killed goes back to the queue this soon.
LEASE_S = 10.0
#: Seconds between looks for results when no local worker rang: the pace for remote workers
#: (``petri worker --broker``), which have no doorbell to the coordinator.
REMOTE_POLL_S = 0.05

ProgressFn = Callable[[Progress], None]


def start_run(
    problem: Problem,
    settings: Settings,
    *,
    out: Path | None = None,
    store_url: str | None = None,
    broker_url: str | None = None,
    progress: ProgressFn = lambda _: None,
) -> dict[str, Any]:
    """Start a new evolve run on ``problem`` and drive it to its end; return its summary."""
    Original.parse(problem.source)  # a program that does not parse starts no run
    donors = _donors(problem, settings.evolve)
    state_dir = state_folder(problem.root)
    run_id = new_run_id()
    info = RunInfo(
        run_id=run_id,
        problem=str(problem.root),
        store=store_url or f"sqlite:///{state_dir / 'petri.db'}",
        queue=broker_url or f"sqlite:///{state_dir / 'queue.db'}",
        out=str((out or state_dir / "runs" / run_id).resolve()),
        created=time.time(),
    )
    evolve = settings.evolve
    if evolve.llm is None:  # recorded with the run: a resume asks the same backend
        evolve = evolve.model_copy(update={"llm": settings.llm})
    store = store_from_url(info.store)
    try:
        digest = publish(
            store, problem.root, problem.judge_spec(), settings.limits, settings.sandbox.jail
        )
        started = RunStarted(
            source=problem.source,
            program=problem.program,
            judge=problem.judge,
            problem=info.problem,
            snapshot=digest,
            seed=settings.evolve.seed,
            max_evals=settings.evolve.max_evals,
            evolve=evolve,
            wall_time_s=settings.limits.wall_time_s,
            out=info.out,
            donors=donors,
        )
        # The run's first event before the run is listed: a run `petri resume` can find always
        # has its start, however early it was killed.
        store.append_many([journal.event(run_id, started)])
    finally:
        store.close()
    register(settings.home, info)
    return drive(info, started, evolve, progress=progress)


def _donors(problem: Problem, evolve: EvolveSettings) -> list[str]:
    """The donor programs the settings name (a folder relative to the problem), read once;
    ConfigError when the operators named draw only from donors and there are none."""
    names = evolve.operator_names()
    if not evolve.donors and names is not None and set(names) <= DONOR_OPS:
        raise ConfigError(
            f"operators {','.join(names)} draw only from donors: give --donors FOLDER "
            "(other solutions of the task) or name other operators too"
        )
    if not evolve.donors:
        return []
    return read_donor_folder(problem.root / evolve.donors)


def resume_run(
    home: Path,
    name: str,
    *,
    workers: int | None = None,
    progress: ProgressFn = lambda _: None,
) -> dict[str, Any]:
    """Continue the run named ``name`` from its events; a finished run just re-summarizes.
    A run a person stopped is finished too, and says so: its search does not go on."""
    info = lookup(home, name)
    store = store_from_url(info.store)
    try:
        state = RunState.replay(info.run_id, store.replay(info.run_id))
    finally:
        store.close()
    started = state.started
    if started is None:
        raise ConfigError(f"run {info.run_id} has no events in {info.store}; start a new run")
    if state.finished is not None and state.finished.status == "stopped":
        again = started.problem or "PROBLEM"
        raise ConfigError(
            f"run {info.run_id} was stopped and is finished: its best program so far is in "
            f"{state.finished.out}; start a new run with `petri evolve {again}`"
        )
    evolve = started.evolve or EvolveSettings()
    if workers is not None:
        evolve = evolve.model_copy(update={"workers": workers})
    return drive(info, started, evolve, progress=progress)


def drive(
    info: RunInfo,
    started: RunStarted,
    evolve: EvolveSettings,
    *,
    progress: ProgressFn = lambda _: None,
) -> dict[str, Any]:
    """Run the engine with ``evolve.workers`` local workers; write the outputs at the end."""
    store = store_from_url(info.store)
    queue = queue_from_url(info.queue, lease_s=LEASE_S)
    timeout = (started.wall_time_s or Limits().wall_time_s) + TASK_GRACE_S
    work, results = Doorbell.open(), Doorbell.open()
    supervisor = None
    if evolve.workers:
        supervisor = _local_workers(info, evolve.workers, timeout, work, results)
    try:
        if supervisor is not None:
            supervisor.start()
        evaluator = QueueEvaluator(
            queue,
            store,
            store_url=info.store,
            run_id=info.run_id,
            problem=started.snapshot,
            poll_s=REMOTE_POLL_S,
            tick=supervisor.poll if supervisor is not None else lambda: None,
            wait=results.wait_all,
            ring=work.ring,
        )
        model = model_editor(evolve, started.source, store, info.run_id, _results(store, info))
        shadow = from_snapshot(store, started.snapshot) if started.snapshot else None
        engine = Engine(
            info.run_id, store, evaluator, evolve, progress=progress, model=model, shadow=shadow,
            stop=StopCheck(store, info.run_id),
        )  # fmt: skip
        state = engine.run(started)
        return _finish(store, state, Path(info.out))
    finally:
        if supervisor is not None:
            supervisor.stop()
        queue.close()
        store.close()
        work.close()
        results.close()


def _results(store: Store, info: RunInfo) -> Callable[[str], Evaluation | None]:
    """How the model's prompt finds a program's evaluation: in the run's stored results."""

    def find(program_id: str) -> Evaluation | None:
        result = load_result(store, info.run_id, program_id)
        return None if result is None else result.evaluation

    return find


def _finish(store: Store, state: RunState, out: Path) -> dict[str, Any]:
    if state.promoted is None:
        raise ConfigError(
            f"run {state.run_id} stopped before its baseline was judged (time limit); "
            f"`petri resume {state.run_id}` continues it"
        )
    if state.finished is not None:  # a finished run keeps the duration it was recorded with
        duration = state.finished.duration_s
    else:
        duration = time.time() - state.started_at
    summary = write_outputs(state, out, duration)
    if state.finished is None:
        finished = RunFinished(
            status=state.promoted.status,
            best=state.promoted.id,
            evaluations=summary["evaluations"],
            duration_s=summary["duration_s"],
            out=summary["out"],
        )
        store.append_many([journal.event(state.run_id, finished)])
    return summary


def _local_workers(
    info: RunInfo, n: int, timeout_s: float, work: Doorbell, results: Doorbell
) -> Supervisor:
    target = make_target(
        info.queue,
        Registry(HANDLERS),
        store_url=info.store,
        timeout_s=timeout_s,
        queue_options={"lease_s": LEASE_S},
        work=work,
        results=results,
    )

    def body(index: int, beat: Callable[[], None]) -> None:
        die_with_parent()
        target(index, beat)

    return Supervisor(body, n, watch=HeartbeatWatch(timeout_s=timeout_s + 60.0))
