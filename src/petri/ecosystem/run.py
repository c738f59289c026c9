"""Start, resume and finish ecosystem runs: the store, the snapshots, the judge and the ticks.

A run's first event, ``ecosystem_started``, holds everything it was started with (the
founders' sources included), so that ``petri resume`` needs nothing else. Each tick appends a
``tick`` event (births, deaths, population, species, tasks...) with the tick's species births
and extinctions, catastrophes and rescues; every ``snapshot_every`` ticks the colony is saved
and a ``snapshot`` event names it; every ``measure_every`` ticks a ``measures`` event holds the
open-endedness measures. Births and deaths are counted per tick rather than one event per
organism: at 100,000 organisms a tick has thousands of them.

Resuming loads the last snapshot and replays the ticks after it; they come out the same
(``colony.advance`` is deterministic), so events already recorded for them are not appended
twice, and the run ends as the uninterrupted one would have.

A person's stop (``petri stop``) is looked for between ticks, at most once per
``STOP_CHECK_S``: the run saves a snapshot of the tick it reached and finishes with status
``stopped``. ``petri resume`` goes on from that snapshot (an ``ecosystem_resumed`` event) and
ends as the unstopped run would have.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petri.config import EcosystemSettings, Settings
from petri.ecosystem import colony as col
from petri.ecosystem.corpus import read_corpus
from petri.ecosystem.dynamics import DynamicsParams, DynamicsState
from petri.ecosystem.environments import Environment, environment
from petri.ecosystem.genomes import founders_table
from petri.ecosystem.judge import Judge
from petri.ecosystem.modes import Modes
from petri.ecosystem.network import Interactions
from petri.ecosystem.snapshot import Colony, load, save
from petri.ecosystem.species import Speciator
from petri.ecosystem.world import Ints, Params, check_memory, new_world
from petri.errors import ConfigError
from petri.runtime.runs import RunInfo, new_run_id, register, state_folder
from petri.runtime.stop import StopCheck, StopRequest, withdraw
from petri.runtime.store import Event, NewEvent, Store
from petri.runtime.store import from_url as store_from_url
from petri.runtime.store.files import write_atomic

Progress = Callable[[dict[str, Any]], None]
KIND = "ecosystem"
#: Seconds between looks for a stop request (a tick of a small world takes milliseconds).
STOP_CHECK_S = 1.0


@dataclass(frozen=True)
class Started:
    """What an ecosystem run was started with (the ``ecosystem_started`` event)."""

    corpus: str
    founders: list[str]
    settings: EcosystemSettings
    params: Params

    def to_json(self) -> dict[str, Any]:
        return {
            "corpus": self.corpus,
            "founders": self.founders,
            "settings": self.settings.model_dump(),
            "params": self.params.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Started:
        return cls(
            corpus=str(data["corpus"]),
            founders=[str(f) for f in data["founders"]],
            settings=EcosystemSettings(**data["settings"]),
            params=Params.from_json(data["params"]),
        )


def start_ecosystem(
    corpus: Path,
    settings: Settings,
    *,
    out: Path | None = None,
    store_url: str | None = None,
    state_dir: Path | None = None,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Start a new ecosystem run from the functions of ``corpus``; its summary at the end."""
    eco = settings.ecosystem
    env = _environment(eco.environment)  # a bad name or size stops here, before any write
    params = Params(width=eco.width, height=eco.height, signals=eco.signals)
    check_memory(params, len(env.tasks) + 1, eco.organisms, available_memory())
    founders = read_corpus(corpus).founders
    folder = state_dir or state_folder(Path.cwd())  # a folder petri cannot write: ConfigError
    run_id = new_run_id()
    info = RunInfo(
        run_id=run_id,
        problem=str(corpus.resolve()),
        store=store_url or f"sqlite:///{(folder / 'petri.db').resolve()}",
        queue="",
        out=str((out or folder / "ecosystem" / run_id).resolve()),
        created=time.time(),
        kind=KIND,
    )
    folder.mkdir(parents=True, exist_ok=True)  # a state_dir given by the caller
    started = Started(str(corpus.resolve()), founders, eco, params)
    store = store_from_url(info.store)
    try:
        store.append(run_id, "ecosystem_started", started.to_json())
    finally:
        store.close()
    register(settings.home, info)
    return drive(info, settings, progress=progress)


def available_memory() -> int:
    """Bytes of memory free for a new world (physical pages available)."""
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _environment(name: str) -> Environment:
    try:
        return environment(name)
    except ValueError as exc:
        raise ConfigError(f"{exc} (--environment)") from None


def drive(
    info: RunInfo,
    settings: Settings,
    *,
    workers: int | None = None,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Run (or go on with) the run of ``info`` to its last tick; its summary. ``workers``
    (judging processes) may differ from the start's: it changes nothing but the speed."""
    store = store_from_url(info.store)
    try:
        return _Driver(info, settings, store, progress, workers).run()
    finally:
        store.close()


def resume_ecosystem(
    home: Path, name: str, *, workers: int | None = None, progress: Progress = lambda _: None
) -> dict[str, Any]:
    """Go on with a stopped or killed ecosystem run from its last snapshot."""
    from petri.config import load_settings
    from petri.ecosystem.history import ecosystem_run, read_history

    info = ecosystem_run(home, name)
    if read_history(info).status == "stopped":  # go on: the request it honoured is withdrawn
        store = store_from_url(info.store)
        try:
            withdraw(store, info.run_id, [NewEvent(info.run_id, "ecosystem_resumed", {})])
        finally:
            store.close()
    return drive(info, load_settings(), workers=workers, progress=progress)


class _Driver:
    def __init__(
        self,
        info: RunInfo,
        settings: Settings,
        store: Store,
        progress: Progress,
        workers: int | None,
    ) -> None:
        self.info, self.settings, self.store, self.progress = info, settings, store, progress
        events = list(store.replay(info.run_id))
        first = next((e for e in events if e.type == "ecosystem_started"), None)
        if first is None:
            raise ConfigError(f"run {info.run_id} has no ecosystem_started event; start a new run")
        self.started = Started.from_json(first.payload)
        self.eco = self.started.settings
        self.env = environment(self.eco.environment)
        self.out = Path(info.out)
        self.recorded = max((int(e.payload["tick"]) for e in events if e.type == "tick"), default=0)
        snaps = [e for e in events if e.type == "snapshot"]
        self.snapshot_tick = int(snaps[-1].payload["tick"]) if snaps else -1
        self.finished = _finished(events)
        self.stop = StopCheck(store, info.run_id, every_s=STOP_CHECK_S)
        self.workers = workers or self.eco.workers
        self.begun = time.monotonic()

    def run(self) -> dict[str, Any]:
        if self.finished is not None:
            return dict(self.finished)
        dp = DynamicsParams()
        with Judge(self.out / "judge", self.env, self.settings.sandbox, self.workers) as judge:
            colony = self._colony(judge)
            while colony.world.tick < self.eco.ticks:
                request = self.stop()
                if request is not None:
                    return self._stopped(colony, judge, request)
                events = col.advance(colony, self.env, judge, self.eco.seed, dp)
                tick = colony.world.tick
                if tick % self.eco.measure_every == 0:
                    complexity = _complexity(colony)
                    events.append(("measures", col.measure(colony, complexity)))
                if tick % self.eco.snapshot_every == 0 or tick == self.eco.ticks:
                    events.append(self._snapshot(colony))
                self._record(tick, events)
                self.progress(events[0][1])
            return self._finish(colony, judge)

    def _colony(self, judge: Judge) -> Colony:
        if self.snapshot_tick >= 0:
            path = self.out / "snapshots" / f"tick-{self.snapshot_tick:06d}.json"
            restored = load(path)
            col.send(restored, judge)  # those being judged when the snapshot was taken
            return restored
        table = founders_table(self.started.founders)
        rng = col.tick_rng(self.eco.seed, 0)
        genomes = rng.integers(0, len(table), size=self.eco.organisms)
        world = new_world(
            rng, self.started.params, len(self.env.tasks) + 1, genomes,
            self.started.params.birth_energy / 2,
        )  # fmt: skip
        colony = Colony(
            world, table, Speciator(), [], Modes(), Interactions(),
            DynamicsState(archive=list(range(len(table)))),
        )  # fmt: skip
        colony.counters["genomes_judged"] = colony.genomes.judge(judge)
        col.name_new(colony)
        self._record(0, [self._snapshot(colony)])
        return colony

    def _snapshot(self, colony: Colony) -> tuple[str, dict[str, Any]]:
        path = save(self.out / "snapshots", colony)
        return "snapshot", {"tick": colony.world.tick, "path": str(path), "digest": colony.digest()}

    def _record(self, tick: int, events: col.Events) -> None:
        """Append the tick's events, unless a run before this resume already did."""
        fresh = [
            NewEvent(self.info.run_id, kind, payload)
            for kind, payload in events
            if tick > self.recorded or (kind == "snapshot" and tick > self.snapshot_tick)
        ]
        if fresh:
            self.store.append_many(fresh)
        if any(kind == "snapshot" for kind, _ in events):
            self.snapshot_tick = max(self.snapshot_tick, tick)
        self.recorded = max(self.recorded, tick)

    def _stopped(self, colony: Colony, judge: Judge, request: StopRequest) -> dict[str, Any]:
        """End at the tick reached, with a snapshot of it for ``petri resume`` to go on from."""
        tick = colony.world.tick
        if tick != self.snapshot_tick:
            self._record(tick, [self._snapshot(colony)])
        return self._finish(colony, judge, request)

    def _finish(
        self, colony: Colony, judge: Judge, stopped: StopRequest | None = None
    ) -> dict[str, Any]:
        # The last tick's genomes, for the summary's counts (every run waits for them alike).
        colony.counters["genomes_judged"] += col.receive(colony, judge)
        mask = col.alive_tasks(colony)
        summary = {
            "run_id": self.info.run_id,
            "status": "finished" if stopped is None else "stopped",
            "ticks": colony.world.tick,
            "population": len(colony.world.organisms),
            "species": len(col.species_alive(colony)),
            "tasks_performed": bin(mask).count("1"),
            "tasks": [t for k, t in enumerate(self.env.tasks) if mask >> k & 1],
            "genomes": len(colony.genomes),
            "genomes_judged": colony.counters.get("genomes_judged", 0),
            "duration_s": round(time.monotonic() - self.begun, 3),
            "world_digest": colony.digest(),
            "out": str(self.out),
            **({} if stopped is None else {"stopped": stopped.describe()}),
        }
        write_atomic(self.out / "summary.json", [json.dumps(summary, indent=2) + "\n"])
        self.store.append(self.info.run_id, "ecosystem_finished", summary)
        return summary


def _finished(events: list[Event]) -> dict[str, Any] | None:
    """The summary the run finished with; None while it has not (or was resumed since)."""
    finished = None
    for event in events:
        if event.type == "ecosystem_finished":
            finished = event.payload
        elif event.type == "ecosystem_resumed":
            finished = None
    return finished


def _complexity(colony: Colony) -> Ints:
    """Per genome: the number of tasks it performs (the complexity MODES follows)."""
    tasks, _ = colony.genomes.arrays()
    bits = np.unpackbits(tasks.view(np.uint8).reshape(-1, 4), axis=1)
    return np.asarray(bits.sum(axis=1), dtype=np.int64)
