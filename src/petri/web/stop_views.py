"""Stopping a run from the dashboard: the run page's form and its JSON twin.

Like every action (see ``queue_views``) each is a POST carrying the page's CSRF token, and is
recorded as an ``audit`` event (what, which run, who, when) before the answer goes back. The
request goes into the run's own store, where its coordinator looks for it at its next boundary
(``petri.run_control``): 404 for an unknown run, 409 for one that has already ended.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from petri.errors import ConfigError
from petri.run_control import MAX_REASON, ended
from petri.run_control import request as request_stop
from petri.runtime.audit import record
from petri.runtime.runs import RunInfo, lookup
from petri.runtime.store import Store
from petri.web.queue_views import check_csrf, who

log = logging.getLogger("petri.web")


class StopBody(BaseModel):
    """The body of ``POST /api/runs/{run_id}/stop`` (optional)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=MAX_REASON)


def add_stop_views(app: FastAPI, home: Path, audit: Store, guarded: bool) -> None:
    """``POST /runs/{run_id}/stop`` (the run page's form) and ``POST /api/runs/{run_id}/stop``."""

    def stopped(request: Request, run_id: str, reason: str) -> dict[str, Any]:
        info = _running(home, run_id)
        person = who(request, guarded)
        asked = request_stop(info, person, reason)
        details = {"run": info.run_id, "kind": info.kind, "reason": reason}
        record(audit, "stop", details, person)
        log.info("stop requested for run %s", info.run_id, extra={"action": "stop", **details,
                                                                   "who": person})  # fmt: skip
        return {"run": info.run_id, "kind": info.kind, "stop_requested": True, "who": person,
                "at": asked.at, "reason": reason}  # fmt: skip

    @app.post("/runs/{run_id}/stop")
    def form_stop(
        request: Request,
        run_id: str,
        csrf: Annotated[str, Form(max_length=200)] = "",
        reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    ) -> RedirectResponse:
        check_csrf(request, csrf)
        found = stopped(request, run_id, reason.strip())
        return RedirectResponse(f"/runs/{quote(found['run'], safe='')}", status_code=303)

    @app.post("/api/runs/{run_id}/stop")
    def api_stop(request: Request, run_id: str, body: StopBody | None = None) -> dict[str, Any]:
        """Ask a run to stop (header ``X-CSRF-Token``); who asked and when."""
        check_csrf(request, request.headers.get("x-csrf-token"))
        return stopped(request, run_id, (body.reason if body else "").strip())


def _running(home: Path, run_id: str) -> RunInfo:
    """The run named ``run_id``: 404 when there is none, 409 when it has already ended."""
    try:
        info = lookup(home, run_id)
    except ConfigError as exc:
        raise HTTPException(404, str(exc)) from None
    status = ended(info)
    if status is not None:
        raise HTTPException(409, f"run {info.run_id} has already ended ({status})")
    return info


def stop_form(run_id: str, csrf: str) -> str:
    """The run page's "stop run" form, escaped (``csrf``: the page's token)."""
    action = escape(f"/runs/{quote(run_id, safe='')}/stop", quote=True)
    return (
        f"<form method='post' action='{action}' class='stop'>"
        f"<input type='hidden' name='csrf' value='{escape(csrf, quote=True)}'>"
        f"<input name='reason' maxlength='{MAX_REASON}' placeholder='reason (optional)' "
        "aria-label='reason'> <button>stop run</button></form>"
    )
