"""The dashboard's index of evolve runs: what their pages need, in SQLite, caught up from each
run's events a page of events at a time.

A run of 100,000 evaluations is some 200,000 events and 100 MB of program sources; replaying
them takes seconds, so pages and ``/metrics`` read this index instead. The events stay the
truth: the index keeps, per run, the last sequence it has read, so it only ever reads what is
new, survives a restart (it is a file in the petri home) and can be deleted to be rebuilt.
Sources are not copied: a birth keeps its sequence, and the few sources a page shows (the best
program's, the original's) are read back from the run's store by sequence.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petri.evolve import journal
from petri.evolve.breed import Candidate
from petri.evolve.events import GenerationDone, Record
from petri.evolve.journal import RunState
from petri.runtime.runs import RunInfo
from petri.runtime.sqlite_wal import open_wal
from petri.runtime.store import Event, Store
from petri.runtime.store import from_url as store_from_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cursor (run TEXT PRIMARY KEY, last_seq INTEGER NOT NULL,
    first_at REAL NOT NULL, last_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS single (run TEXT, type TEXT, seq INTEGER, payload TEXT,
    PRIMARY KEY (run, type));
CREATE TABLE IF NOT EXISTS born (run TEXT, id TEXT, seq INTEGER, generation INTEGER, op TEXT,
    parents TEXT, edits TEXT, PRIMARY KEY (run, id));
CREATE TABLE IF NOT EXISTS evaluation (run TEXT, id TEXT, n INTEGER, status TEXT,
    duration_s REAL, memory INTEGER, passed INTEGER, failed INTEGER, objectives TEXT,
    behaviour TEXT, PRIMARY KEY (run, id));
CREATE INDEX IF NOT EXISTS evaluation_n ON evaluation (run, n);
CREATE INDEX IF NOT EXISTS born_original ON born (run, seq) WHERE op = 'original';
CREATE TABLE IF NOT EXISTS generation (run TEXT, seq INTEGER, payload TEXT,
    PRIMARY KEY (run, seq));
CREATE TABLE IF NOT EXISTS view (run TEXT PRIMARY KEY, last_seq INTEGER, at REAL, html TEXT);
"""
#: Events read from a run's store per transaction of the index.
PAGE = 2000
#: Evaluated programs drawn in a page's front plot besides the front and the lineage.
SAMPLE = 2000
_SINGLES = ("run_started", "localized", "shadow_tested", "promoted", "run_finished")


@dataclass(frozen=True)
class Progress:
    """How far the index has read a run."""

    last_seq: int
    caught_up: bool


class EvolveIndex:
    """The index in ``path``; safe to share between the dashboard's threads (one connection,
    one lock: each step is short, and catching up goes a page at a time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._stores: dict[str, Store] = {}

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = open_wal(self.path, 5000)
                self._conn.executescript(_SCHEMA)
            yield self._conn

    def store(self, url: str) -> Store:
        with self._lock:
            if url not in self._stores:
                self._stores[url] = store_from_url(url)
            return self._stores[url]

    def close(self) -> None:
        with self._lock:
            for store in self._stores.values():
                store.close()
            self._stores.clear()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- catching up -------------------------------------------------------------------------

    def catch_up(self, info: RunInfo, budget_s: float = 0.25) -> Progress:
        """Read the run's new events into the index for at most about ``budget_s`` (at least
        one page); say whether it has read them all."""
        deadline = time.monotonic() + budget_s
        while True:
            with self._db() as db:
                last = self._cursor(db, info.run_id)[0]
                events = self.store(info.store).read(info.run_id, last, PAGE)
                if events:
                    _apply(db, info.run_id, events)
            if len(events) < PAGE:
                return Progress(events[-1].seq if events else last, True)
            if time.monotonic() > deadline:
                return Progress(events[-1].seq, False)

    def _cursor(self, db: sqlite3.Connection, run: str) -> tuple[int, float, float]:
        row = db.execute(
            "SELECT last_seq, first_at, last_at FROM cursor WHERE run = ?", (run,)
        ).fetchone()
        return (int(row[0]), float(row[1]), float(row[2])) if row else (0, 0.0, 0.0)

    # -- reading -----------------------------------------------------------------------------

    def summary(self, info: RunInfo) -> RunState:
        """The run's state as far as the index has read it, without its programs: where it
        stands, its generations and (``known_evaluations``) how many evaluations it made."""
        run = info.run_id
        with self._db() as db:
            state = RunState(run)
            state.last_seq, state.started_at, state.last_at = self._cursor(db, run)
            for etype, seq, payload in db.execute(
                "SELECT type, seq, payload FROM single WHERE run = ?", (run,)
            ):
                state.apply(Event(run, seq, etype, json.loads(payload), state.last_at))
            state.generations = [
                GenerationDone.from_json(json.loads(p))
                for (p,) in db.execute(
                    "SELECT payload FROM generation WHERE run = ? ORDER BY seq", (run,)
                )
            ]
            state.known_evaluations = _count(db, run)
        return state

    def state(self, info: RunInfo, sample: int = SAMPLE) -> RunState:
        """``summary`` with what a page shows of the programs: the original, the front, the
        lineage of the best program and up to ``sample`` other evaluations. Sources are only
        those of the original and of the best program."""
        state = self.summary(info)
        with self._db() as db:
            wanted = _wanted(db, state)
            state.born = _births(db, info.run_id, wanted)
            state.records = _records(db, info.run_id, wanted, state.known_evaluations, sample)
        self._add_sources(info, state)
        return state

    def _add_sources(self, info: RunInfo, state: RunState) -> None:
        """Read back the sources of the original and of the best program by sequence."""
        for pid in {state.best, state.origin.id if state.origin else None} - {None}:
            with self._db() as db:
                row = db.execute(
                    "SELECT seq FROM born WHERE run = ? AND id = ?", (info.run_id, pid)
                ).fetchone()
            if row is None:
                continue
            events = self.store(info.store).read(info.run_id, int(row[0]) - 1, 1)
            if events and events[0].type == "program_born":
                born = journal.read(events[0])
                if isinstance(born, Candidate):
                    state.born[born.id] = born

    def evaluations(
        self, run: str, before: int | None = None, limit: int = 50, status: str | None = None
    ) -> list[dict[str, Any]]:
        """A page of the run's evaluations, newest first: those numbered below ``before``,
        of ``status`` when given."""
        sql = "SELECT n, id, status, duration_s, memory, passed, failed, objectives "
        sql += "FROM evaluation WHERE run = ? AND n < ?"
        args: list[Any] = [run, before if before is not None else 2**62]
        if status:
            sql += " AND status = ?"
            args.append(status)
        sql += " ORDER BY n DESC LIMIT ?"
        args.append(limit)
        keys = ("n", "id", "status", "duration_s", "memory", "passed", "failed", "objectives")
        with self._db() as db:
            rows = db.execute(sql, args).fetchall()
        return [{**dict(zip(keys, r, strict=True)), "objectives": json.loads(r[7])} for r in rows]

    def outcomes(self, runs: Iterable[str]) -> dict[str, int]:
        """Evaluations by outcome over ``runs``."""
        ids = list(runs)
        marks = ",".join("?" * len(ids))
        with self._db() as db:
            rows = db.execute(
                f"SELECT status, count(*) FROM evaluation WHERE run IN ({marks}) GROUP BY status",
                ids,
            ).fetchall()
        return {str(s): int(n) for s, n in rows}

    def latency(self, runs: Iterable[str], bounds: Iterable[float]) -> tuple[list[int], float]:
        """Cumulative counts of evaluations over ``runs`` that took at most each bound (the
        last count is all of them), and the sum of their durations: a Prometheus histogram."""
        ids, edges = list(runs), list(bounds)
        marks = ",".join("?" * len(ids))
        sums = ", ".join("total(duration_s <= ?)" for _ in edges)
        with self._db() as db:
            row = db.execute(
                f"SELECT {sums}{',' if sums else ''} count(*), total(duration_s) "
                f"FROM evaluation WHERE run IN ({marks})",
                [*edges, *ids],
            ).fetchone()
        return [int(v) for v in row[:-1]], float(row[-1])

    # -- a rendered view, kept until the run has new events ---------------------------------------

    def cached_view(self, run: str, last_seq: int, max_age_s: float) -> str | None:
        """The view kept of the run at ``last_seq``, or one drawn less than ``max_age_s`` ago
        (a live run's page redraws it as events arrive anyway)."""
        with self._db() as db:
            row = db.execute(
                "SELECT html FROM view WHERE run = ? AND (last_seq = ? OR at > ?)",
                (run, last_seq, time.time() - max_age_s),
            ).fetchone()
        return str(row[0]) if row else None

    def keep_view(self, run: str, last_seq: int, html: str) -> None:
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO view VALUES (?, ?, ?, ?)",
                (run, last_seq, time.time(), html),
            )


def _apply(db: sqlite3.Connection, run: str, events: list[Event]) -> None:
    """Fold a page of events into the index in one transaction, with the cursor."""
    db.execute("BEGIN")
    try:
        for event in events:
            _fold(db, run, event)
        first = events[0].time
        db.execute(
            "INSERT INTO cursor VALUES (?, ?, ?, ?) ON CONFLICT (run) DO UPDATE SET "
            "last_seq = excluded.last_seq, last_at = max(last_at, excluded.last_at)",
            (run, events[-1].seq, first, max(e.time for e in events)),
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _fold(db: sqlite3.Connection, run: str, event: Event) -> None:
    payload = journal.read(event)  # typed: an event of the wrong shape stops the index here
    if isinstance(payload, Candidate):
        db.execute(
            "INSERT OR IGNORE INTO born VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run, payload.id, event.seq, payload.generation, payload.op,
             json.dumps(payload.parents), json.dumps([e.to_json() for e in payload.edits])),
        )  # fmt: skip
    elif isinstance(payload, Record):
        db.execute(
            "INSERT OR IGNORE INTO evaluation VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run, payload.id, payload.n, payload.status.value, payload.duration_s,
             payload.memory_bytes, payload.passed, payload.failed,
             json.dumps(payload.objectives), payload.behaviour),
        )  # fmt: skip
    elif isinstance(payload, GenerationDone):
        db.execute(
            "INSERT OR IGNORE INTO generation VALUES (?, ?, ?)",
            (run, event.seq, json.dumps(event.payload)),
        )
    elif event.type in _SINGLES:
        db.execute(
            "INSERT OR REPLACE INTO single VALUES (?, ?, ?, ?)",
            (run, event.type, event.seq, json.dumps(event.payload)),
        )


def _count(db: sqlite3.Connection, run: str) -> int:
    return int(db.execute("SELECT count(*) FROM evaluation WHERE run = ?", (run,)).fetchone()[0])


def _wanted(db: sqlite3.Connection, state: RunState) -> set[str]:
    """The programs a page names: the original, the front, the best and its ancestors."""
    last = state.last_generation
    wanted = set(last.front) if last is not None else set()
    row = db.execute(
        "SELECT id FROM born WHERE run = ? AND op = 'original' ORDER BY seq LIMIT 1",
        (state.run_id,),
    ).fetchone()
    if row is not None:
        wanted.add(str(row[0]))
    best = state.best
    if best is not None:
        ancestors = db.execute(
            "WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT p.value FROM up "
            "JOIN born b ON b.run = ? AND b.id = up.id, json_each(b.parents) p) "
            "SELECT id FROM up",
            (best, state.run_id),
        )
        wanted.update(str(pid) for (pid,) in ancestors)
    return wanted


def _births(db: sqlite3.Connection, run: str, ids: set[str]) -> dict[str, Candidate]:
    born: dict[str, Candidate] = {}
    for pid, generation, op, parents, edits in _rows_for(
        db, "SELECT id, generation, op, parents, edits FROM born", run, ids
    ):
        born[pid] = Candidate.from_json(
            {"id": pid, "edits": json.loads(edits), "parents": json.loads(parents), "op": op,
             "generation": generation, "source": ""}
        )  # fmt: skip
    return born


def _records(
    db: sqlite3.Connection, run: str, ids: set[str], total: int, sample: int
) -> dict[str, Record]:
    columns = "SELECT id, status, objectives, passed, failed, duration_s, n, behaviour, memory "
    rows = list(_rows_for(db, columns + "FROM evaluation", run, ids))
    if sample:  # evaluations are numbered 1, 2, ...: an even sample is a stride of numbers
        numbers = list(range(1, total + 1, max(1, total // sample)))[:sample]
        for start in range(0, len(numbers), 500):
            chunk = numbers[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += db.execute(
                f"{columns} FROM evaluation WHERE run = ? AND n IN ({marks})", [run, *chunk]
            ).fetchall()
    records: dict[str, Record] = {}
    for pid, status, objectives, passed, failed, duration, n, behaviour, memory in rows:
        records[pid] = Record.from_json(
            {"id": pid, "status": status, "objectives": json.loads(objectives),
             "passed": passed, "failed": failed, "duration_s": duration, "n": n,
             "behaviour": behaviour, "memory_bytes": memory}
        )  # fmt: skip
    return records


def _rows_for(db: sqlite3.Connection, select: str, run: str, ids: set[str]) -> list[Any]:
    """``select ... WHERE run = ? AND id IN ids``, in chunks under SQLite's variable limit."""
    out: list[Any] = []
    chosen = sorted(ids)
    for start in range(0, len(chosen), 500):
        chunk = chosen[start : start + 500]
        marks = ",".join("?" * len(chunk))
        out += db.execute(f"{select} WHERE run = ? AND id IN ({marks})", [run, *chunk]).fetchall()
    return out
