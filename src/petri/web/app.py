"""The dashboard's app: server-rendered pages, a JSON API under ``/api``, live events by
server-sent events and Prometheus ``/metrics``, all read from the runs' own stores.

The history is the stores': what the app keeps (the index of evolve runs, the audit trail) is
in files of the petri home, derived from or added to the stores, so nothing is lost when it
restarts. Every asset is served by petri (no CDN: the live page's script is inline).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from petri.errors import ConfigError, PetriError
from petri.runtime.admin import lease_ages, queue_stats
from petri.runtime.audit import default_store
from petri.runtime.runs import RunInfo, recent
from petri.runtime.store import from_url as store_from_url
from petri.web import pages
from petri.web.evolve_index import EvolveIndex
from petri.web.metrics import Scrape, render_metrics
from petri.web.queue_views import add_queue_views, csrf_token
from petri.web.review_views import add_review_views
from petri.web.run_views import Runs, add_run_views
from petri.web.security import TokenGuard
from petri.web.stop_views import add_stop_views, stop_form


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
    shows; ``store`` (default SQLite in ``home``) keeps the audit trail of its actions. While
    it serves, a thread keeps the index of evolve runs caught up every ``poll_s``."""
    runs = Runs(home, EvolveIndex(home / "dashboard-index.db"))
    lifespan = _following(runs, poll_s)
    app = FastAPI(title="petri dashboard", version="1", docs_url="/api/docs", lifespan=lifespan)
    guard = TokenGuard(token)
    guarded = token is not None
    app.middleware("http")(guard.middleware)
    app.middleware("http")(_server_timing)
    audit = store_from_url(store or default_store(home))
    add_queue_views(app, broker, audit, guarded=guarded)
    add_review_views(app, home, guarded=guarded)
    add_stop_views(app, home, audit, guarded)
    add_run_views(app, runs, poll_s, _run_actions)
    _add_error_handlers(app)
    _add_index_views(app, runs, broker)
    return app


def _following(runs: Runs, poll_s: float) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: a thread keeps the index caught up while it serves, and the index
    is closed once that thread has stopped."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        done = threading.Event()
        follower = threading.Thread(
            target=runs.follow, args=(done, poll_s), name="petri-index", daemon=True
        )
        follower.start()
        yield
        done.set()
        follower.join(timeout=10)
        runs.index.close()

    return lifespan


def _run_actions(request: Request, response: Response, info: RunInfo, row: dict[str, Any]) -> str:
    """The run page's actions: a run that may still go on can be stopped (the POST checks
    its events again)."""
    status = str(row.get("status", ""))
    if not (status.startswith("running") or status == "waiting_for_review"):
        return ""
    return stop_form(info.run_id, csrf_token(request, response))


def _add_error_handlers(app: FastAPI) -> None:
    """Malformed requests and store failures as JSON ``detail`` answers."""

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


def _add_index_views(app: FastAPI, runs: Runs, broker: str | None) -> None:
    """The list of runs (``/`` and ``/api/runs``) and the Prometheus ``/metrics``."""

    @app.get("/", response_class=HTMLResponse)
    def runs_page(q: str = "") -> str:
        return pages.runs_page(_rows(runs, q), q)

    @app.get("/api/runs")
    def api_runs(q: Annotated[str, Query(max_length=200)] = "") -> list[dict[str, Any]]:
        """Every indexed run (newest first): status, progress, started, best objectives."""
        return _rows(runs, q)

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        body, content_type = render_metrics(_scrape(runs, broker))
        return PlainTextResponse(body, media_type=content_type)


def _rows(runs: Runs, q: str, limit: int = 200) -> list[dict[str, Any]]:
    rows = [runs.row(info, budget_s=0.05) for info in recent(runs.home, limit)]
    wanted = q.strip().lower()
    if not wanted:
        return rows
    keys = ("run", "problem", "status", "job")
    return [r for r in rows if any(wanted in str(r.get(k, "")).lower() for k in keys)]


def _scrape(runs: Runs, broker: str | None) -> Scrape:
    from petri.agents.status import swarm_state

    scrape = Scrape(_rows(runs, "", limit=10_000), runs.index)
    usage: Counter[str] = Counter()
    for info in recent(runs.home, 10_000):
        if info.kind == "swarm":
            usage.update(swarm_state(info).usage)
    scrape.usage = dict(usage)
    if broker is not None:
        scrape.queue, scrape.lease_ages = queue_stats(broker), lease_ages(broker)
    return scrape


async def _server_timing(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Say how long the server took (``Server-Timing``: a browser's devtools show it, and
    ``bench/web.py`` reads it); a stream's is the time to its first byte."""
    start = time.perf_counter()
    response = await call_next(request)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
    return response
