"""One run in the dashboard: its page, its job's view (redrawn live), its evaluations a page at
a time, its events (paged and as server-sent events) and its JSON row.

Evolve runs are read through the dashboard's index (``evolve_index``), so a run of 100,000
evaluations opens without replaying it; the other jobs' runs are small and are read from their
events.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from petri.errors import ConfigError
from petri.runtime.runs import RunInfo, lookup, recent
from petri.runtime.store import Event
from petri.web import pages
from petri.web.evolve_index import EvolveIndex

#: Event types that end a run: its live stream ends after them.
FINAL_EVENTS = frozenset({"run_finished", "ecosystem_finished", "swarm_finished"})
MAX_PAGE = 1000
#: How long a live run's drawn view is served before it is drawn again.
VIEW_AGE_S = 2.0
log = logging.getLogger("petri.web")
#: HTML of actions on a run for its page, given the request, the response and the run's row.
Extra = Callable[[Request, Response, RunInfo, dict[str, Any]], str]


class Runs:
    """How the views read runs: by id from the run index, evolve runs through the index."""

    def __init__(self, home: Path, index: EvolveIndex) -> None:
        self.home, self.index = home, index

    def info(self, run_id: str) -> RunInfo:
        if len(run_id) > 100:
            raise HTTPException(422, "a run id is at most 100 characters")
        try:
            return lookup(self.home, run_id)
        except ConfigError as exc:
            raise HTTPException(404, " ".join(str(exc).split())) from None

    def row(self, info: RunInfo, budget_s: float = 0.25) -> dict[str, Any]:
        """The run's ``petri status`` row and its job (evolve: as far as the index has read,
        with ``indexed`` false while it catches up)."""
        from petri.evolve.status import row_from, row_of

        if info.kind != "evolve":
            return {**row_of(self.home, info), "job": info.kind}
        try:
            progress = self.index.catch_up(info, budget_s)
            row = row_from(info, self.index.summary(info))
        except Exception as exc:  # one broken store must not hide the other runs
            return {**row_of(self.home, info), "job": info.kind, "status": _broken(exc)}
        return {**row, "job": info.kind, "indexed": progress.caught_up}

    def view(self, info: RunInfo) -> str:
        """The job's own view of the run as HTML (evolve: kept until the run has news, or for
        ``VIEW_AGE_S`` while it runs)."""
        if info.kind != "evolve":
            return "".join(_other_views(info))
        last_seq = self.index.catch_up(info).last_seq
        cached = self.index.cached_view(info.run_id, last_seq, VIEW_AGE_S)
        if cached is not None:
            return cached
        state = self.index.state(info)
        from petri.evolve.report import report_sections

        try:
            sections = report_sections(state)
        except ConfigError:  # matplotlib (the report extra) is missing
            return ""
        shown = len(state.records)
        if state.evaluations > shown:
            sections.insert(2, f"<p class='note'>The front plot draws {shown} of the "
                            f"{state.evaluations} evaluations: the front, the lineage of "
                            "the best program and an even sample of the rest.</p>")  # fmt: skip
        html = "".join(sections)
        self.index.keep_view(info.run_id, state.last_seq, html)
        return html

    def follow(self, done: threading.Event, poll_s: float) -> None:
        """Keep the index of the newest evolve runs caught up, and their views drawn once they
        have finished, until ``done`` is set (the dashboard's thread): a page opened later finds
        its run read and drawn."""
        while not done.is_set():
            for info in recent(self.home, 200):
                if done.is_set():
                    return
                if info.kind == "evolve":
                    self._follow(info)
            done.wait(poll_s)

    def _follow(self, info: RunInfo) -> None:
        try:
            caught_up = self.index.catch_up(info, budget_s=1.0).caught_up
            if caught_up and self.index.summary(info).finished is not None:
                self.view(info)
        except Exception as exc:  # a broken store shows on its page; the others go on
            log.debug("cannot index run %s: %s", info.run_id, exc)

    def last_seq(self, info: RunInfo) -> int:
        """The newest sequence the index has read of an evolve run (0 for other jobs: their
        pages start from their first events)."""
        return self.index.catch_up(info, 0).last_seq if info.kind == "evolve" else 0

    def events(self, info: RunInfo, after: int, limit: int) -> list[Event]:
        return self.index.store(info.store).read(info.run_id, after, limit)


def add_run_views(app: FastAPI, runs: Runs, poll_s: float, extra: Extra | None = None) -> None:
    """The run's page and its API; ``extra`` adds HTML of other views (e.g. actions) to the
    page."""
    _add_run_pages(app, runs, extra)
    _add_run_api(app, runs)
    _add_event_api(app, runs, poll_s)


def _add_run_pages(app: FastAPI, runs: Runs, extra: Extra | None) -> None:
    """``/runs/{run_id}`` (the run's page) and ``/runs/{run_id}/view`` (its job's view)."""

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def run_page(
        run_id: str,
        request: Request,
        response: Response,
        before: Annotated[int | None, Query(ge=1)] = None,
    ) -> str:
        info = runs.info(run_id)
        row = runs.row(info)
        evaluations = runs.index.evaluations(info.run_id, before) if info.kind == "evolve" else None
        actions = extra(request, response, info, row) if extra is not None else ""
        return pages.run_page(
            info,
            row,
            runs.events(info, max(0, runs.last_seq(info) - 200), 200),
            runs.view(info),
            evaluations=evaluations,
            actions=actions,
        )

    @app.get("/runs/{run_id}/view", response_class=HTMLResponse)
    def run_view(run_id: str) -> str:
        """The job's view alone: what the run page redraws as events arrive."""
        return runs.view(runs.info(run_id))


def _add_run_api(app: FastAPI, runs: Runs) -> None:
    """``/api/runs/{run_id}`` (the run's row) and its ``/evaluations``, a page at a time."""

    @app.get("/api/runs/{run_id}")
    def api_run(run_id: str) -> dict[str, Any]:
        """One run, by id or unique prefix."""
        return runs.row(runs.info(run_id))

    @app.get("/api/runs/{run_id}/evaluations")
    def api_evaluations(
        run_id: str,
        before: Annotated[int | None, Query(ge=1)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        status: Annotated[str | None, Query(max_length=40)] = None,
    ) -> dict[str, Any]:
        """An evolve run's evaluations, newest first, numbered below ``before``; ``next``
        pages on."""
        info = runs.info(run_id)
        if info.kind != "evolve":
            raise HTTPException(404, f"run {info.run_id} is a {info.kind} run: no evaluations")
        runs.index.catch_up(info)
        rows = runs.index.evaluations(info.run_id, before, limit, status)
        return {"evaluations": rows, "next": rows[-1]["n"] if len(rows) == limit else None}


def _add_event_api(app: FastAPI, runs: Runs, poll_s: float) -> None:
    """The run's ``/events`` a page at a time and its ``/stream`` of server-sent events, which
    polls the store every ``poll_s``."""

    @app.get("/api/runs/{run_id}/events")
    def api_events(
        run_id: str,
        after: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    ) -> dict[str, Any]:
        """A page of the run's events after sequence ``after``; ``next`` pages on."""
        rows = [event_json(e) for e in runs.events(runs.info(run_id), after, limit)]
        return {"events": rows, "next": rows[-1]["seq"] if len(rows) == limit else None}

    @app.get("/api/runs/{run_id}/stream")
    async def api_stream(
        run_id: str, request: Request, after: Annotated[int, Query(ge=0)] = 0
    ) -> StreamingResponse:
        """The run's events as server-sent events after sequence ``after`` (on a reconnection,
        after ``Last-Event-ID``), live; the stream ends after the run's last event."""
        info = runs.info(run_id)
        after = max(after, _last_id(request.headers.get("last-event-id")))
        stream = _stream(runs, info, after, poll_s, request.is_disconnected)
        return StreamingResponse(stream, media_type="text/event-stream")


def _other_views(info: RunInfo) -> list[str]:
    """An ecosystem run's curves, world and network, a swarm run's tasks; empty when
    matplotlib (the report extra) is missing."""
    try:
        if info.kind == "ecosystem":
            from petri.ecosystem.history import read_history
            from petri.ecosystem.report import report_sections

            return report_sections(read_history(info))
        from petri.web.swarm_view import swarm_sections

        return swarm_sections(info)
    except ConfigError:
        return []


def _broken(exc: Exception) -> str:
    return f"unreadable: {type(exc).__name__}"


def event_json(event: Event) -> dict[str, Any]:
    return {"seq": event.seq, "type": event.type, "time": event.time, "payload": event.payload}


def _last_id(header: str | None) -> int:
    try:
        return max(0, int(header or 0))
    except ValueError:
        return 0


async def _stream(
    runs: Runs, info: RunInfo, after: int, poll_s: float, gone: Callable[[], Any]
) -> AsyncIterator[str]:
    """SSE frames of the run's events after ``after``, polling its store every ``poll_s``."""
    yield "retry: 1000\n\n"
    while not await gone():
        events = await asyncio.to_thread(runs.events, info, after, MAX_PAGE)
        for event in events:
            after = event.seq
            data = json.dumps(event_json(event), default=str)
            yield f"id: {event.seq}\ndata: {data}\n\n"
            if event.type in FINAL_EVENTS:
                return
        if not events:
            await asyncio.sleep(poll_s)
