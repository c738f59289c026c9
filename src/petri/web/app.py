"""The dashboard's app: server-rendered pages, a JSON API under ``/api``, live events by
server-sent events and Prometheus ``/metrics``, all read from the runs' own stores.

The history is the stores': the app keeps no state of its own, so nothing is lost when it
restarts. Every asset is served by petri (no CDN: the live page's script is inline).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, StreamingResponse

from petri.errors import ConfigError, PetriError
from petri.runtime.admin import queue_stats
from petri.runtime.audit import default_store
from petri.runtime.runs import RunInfo, lookup, recent
from petri.runtime.store import Event
from petri.runtime.store import from_url as store_from_url
from petri.web import pages
from petri.web.metrics import render_metrics
from petri.web.queue_views import add_queue_views
from petri.web.review_views import add_review_views
from petri.web.security import TokenGuard

#: Event types that end a run: its live stream ends after them.
FINAL_EVENTS = frozenset({"run_finished", "ecosystem_finished", "swarm_finished"})
MAX_PAGE = 1000


def create_app(
    home: Path,
    *,
    token: str | None = None,
    broker: str | None = None,
    store: str | None = None,
    poll_s: float = 0.5,
) -> FastAPI:
    """The dashboard over the runs indexed in ``home``; ``token`` (when given) is required
    on every request (see ``security.TokenGuard``); ``broker`` is the queue its queue view
    shows; ``store`` (default SQLite in ``home``) keeps the audit trail of its actions."""
    app = FastAPI(title="petri dashboard", version="1", docs_url="/api/docs")
    guard = TokenGuard(token)
    app.middleware("http")(guard.middleware)
    audit = store_from_url(store or default_store(home))
    add_queue_views(app, broker, audit, guarded=token is not None)
    add_review_views(app, home, guarded=token is not None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        # The offending input is not echoed: it may be binary, huge, or a secret.
        where = [".".join(str(p) for p in e.get("loc", ())) + ": " + str(e.get("msg", ""))
                 for e in exc.errors()]  # fmt: skip
        return JSONResponse({"detail": "; ".join(where) or "malformed request"}, status_code=422)

    @app.exception_handler(PetriError)
    async def petri_error(_: Request, exc: PetriError) -> JSONResponse:
        # 424 Failed Dependency: the run is known, its store did not answer; nothing changed.
        status = 404 if isinstance(exc, ConfigError) else 424
        return JSONResponse({"detail": " ".join(str(exc).split())}, status_code=status)

    @app.get("/", response_class=HTMLResponse)
    def runs_page(q: str = "") -> str:
        return pages.runs_page(_rows(home, q), q)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(run_id: str) -> str:
        info = _run(home, run_id)
        return pages.run_page(info, _row(home, info), _read(info, 0, 200), views(home, info))

    @app.get("/api/runs")
    def api_runs(q: Annotated[str, Query(max_length=200)] = "") -> list[dict[str, Any]]:
        """Every indexed run (newest first): status, progress, started, best objectives."""
        return _rows(home, q)

    @app.get("/api/runs/{run_id}")
    def api_run(run_id: str) -> dict[str, Any]:
        """One run, by id or unique prefix."""
        return _row(home, _run(home, run_id))

    @app.get("/api/runs/{run_id}/events")
    def api_events(
        run_id: str,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> dict[str, Any]:
        """A page of the run's events after sequence ``after``; ``next`` pages on."""
        events = _read(_run(home, run_id), after, limit)
        rows = [_event(e) for e in events]
        return {"events": rows, "next": rows[-1]["seq"] if len(rows) == limit else None}

    @app.get("/api/runs/{run_id}/stream")
    async def api_stream(run_id: str, request: Request) -> StreamingResponse:
        """The run's events as server-sent events, from ``Last-Event-ID`` on, live; the stream
        ends after the run's last event."""
        info = _run(home, run_id)
        after = _last_id(request.headers.get("last-event-id"))
        stream = _stream(info, after, poll_s, request.is_disconnected)
        return StreamingResponse(stream, media_type="text/event-stream")

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        queue = queue_stats(broker) if broker is not None else None
        body, content_type = render_metrics(_rows(home, "", limit=10_000), queue)
        return PlainTextResponse(body, media_type=content_type)

    return app


def views(home: Path, info: RunInfo) -> list[str]:
    """The job's own view of a run, as HTML sections: an evolve run's curves, front, lineage,
    patch and shadow evidence; an ecosystem run's curves, world and phylogeny; a swarm run's
    task graph. Empty when matplotlib (the report extra) is missing."""
    try:
        if info.kind == "ecosystem":
            from petri.ecosystem.history import read_history
            from petri.ecosystem.report import report_sections

            return report_sections(read_history(info))
        if info.kind == "swarm":
            from petri.agents.status import describe

            return [pages.task_graph(describe(info)["tasks"])]
        from petri.evolve.report import report_sections as evolve_sections
        from petri.evolve.status import run_state

        return evolve_sections(run_state(home, info.run_id)[1])
    except ConfigError:
        return []


def _run(home: Path, run_id: str) -> RunInfo:
    if len(run_id) > 100:
        raise HTTPException(422, "a run id is at most 100 characters")
    try:
        return lookup(home, run_id)
    except ConfigError as exc:
        raise HTTPException(404, " ".join(str(exc).split())) from None


def _rows(home: Path, q: str, limit: int = 200) -> list[dict[str, Any]]:
    from petri.evolve.status import listing

    jobs = {info.run_id: info.kind for info in recent(home, limit)}
    rows = [{**row, "job": jobs.get(row["run"], "")} for row in listing(home, limit)]
    wanted = q.strip().lower()
    if not wanted:
        return rows
    keys = ("run", "problem", "status", "job")
    return [r for r in rows if any(wanted in str(r.get(k, "")).lower() for k in keys)]


def _row(home: Path, info: RunInfo) -> dict[str, Any]:
    from petri.evolve.status import row_of

    return {**row_of(home, info), "job": info.kind}


def _read(info: RunInfo, after: int, limit: int) -> list[Event]:
    store = store_from_url(info.store)
    try:
        return store.read(info.run_id, after_seq=after, limit=limit)
    finally:
        store.close()


def _event(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "time": event.time, "payload": event.payload}


def _last_id(header: str | None) -> int:
    try:
        return max(0, int(header or 0))
    except ValueError:
        return 0


async def _stream(
    info: RunInfo, after: int, poll_s: float, gone: Callable[[], Any]
) -> AsyncIterator[str]:
    """SSE frames of the run's events after ``after``, polling its store every ``poll_s``."""
    yield "retry: 1000\n\n"
    while not await gone():
        events = await asyncio.to_thread(_read, info, after, MAX_PAGE)
        for event in events:
            after = event.seq
            data = json.dumps(_event(event), default=str)
            yield f"id: {event.seq}\ndata: {data}\n\n"
            if event.type in FINAL_EVENTS:
                return
        if not events:
            await asyncio.sleep(poll_s)
