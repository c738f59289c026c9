"""The queue in the dashboard: counts per status, dead tasks with their last error, re-drive.

Re-drive is the dashboard's first action. Like every action it is a POST that must carry the
CSRF token of the page that offered it (double submit: the ``petri_csrf`` cookie and the form
field or ``X-CSRF-Token`` header must match), and it is recorded as an ``audit`` event (what,
which tasks, who, when) in the dashboard's store before the answer goes back.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from html import escape
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from petri.runtime.admin import dead_tasks, queue_stats, redrive
from petri.runtime.audit import record
from petri.runtime.store import Store
from petri.web.pages import page

CSRF_COOKIE = "petri_csrf"
log = logging.getLogger("petri.web")


class Redrive(BaseModel):
    """The body of ``POST /api/queue/redrive``."""

    ids: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=1000
    )


def csrf_token(request: Request, response: Response) -> str:
    """The page's CSRF token: the one its cookie holds, or a new one set on ``response``."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
    return token


def check_csrf(request: Request, offered: str | None) -> None:
    """403 unless ``offered`` matches the request's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not offered or not hmac.compare_digest(cookie, offered):
        raise HTTPException(403, "stale or missing CSRF token: reload the page and try again")


def who(request: Request, guarded: bool) -> str:
    host = request.client.host if request.client else "unknown"
    return f"{host} ({'token' if guarded else 'loopback'})"


def add_queue_views(app: FastAPI, broker: str | None, audit: Store, guarded: bool) -> None:
    """The queue's page, its JSON and the re-drive action, on ``broker`` (None: the pages say
    how to name one)."""

    def need_broker() -> str:
        if broker is None:
            raise HTTPException(409, "no queue: start petri dashboard with --broker URL")
        return broker

    def redriven(request: Request, ids: list[str]) -> int:
        count = redrive(need_broker(), ids)
        details = {"tasks": ids, "redriven": count}
        record(audit, "redrive", details, who(request, guarded))
        extra = {"action": "redrive", **details, "who": who(request, guarded)}
        log.info("re-drove %d dead task(s)", count, extra=extra)
        return count

    @app.get("/queue", response_class=HTMLResponse)
    def queue_page(request: Request, response: Response) -> str:
        if broker is None:
            return page("petri queue", "<h1>queue</h1><p>Start the dashboard with "
                        "<code>--broker URL</code> to see a queue.</p>")  # fmt: skip
        token = csrf_token(request, response)
        return page("petri queue", _queue_body(queue_stats(broker), dead_tasks(broker, 200), token))

    @app.get("/api/queue")
    def api_queue() -> dict[str, Any]:
        """Tasks per status, and the dead ones with their last error."""
        url = need_broker()
        return {"counts": queue_stats(url), "dead": dead_tasks(url, 200)}

    @app.post("/queue/redrive")
    def form_redrive(
        request: Request,
        task: Annotated[str, Form(min_length=1, max_length=200)],
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> RedirectResponse:
        check_csrf(request, csrf)
        redriven(request, [task])
        return RedirectResponse("/queue", status_code=303)

    @app.post("/api/queue/redrive")
    def api_redrive(request: Request, body: Redrive) -> dict[str, int]:
        """Send dead tasks back to the queue (header ``X-CSRF-Token``); how many went back."""
        check_csrf(request, request.headers.get("x-csrf-token"))
        return {"redriven": redriven(request, body.ids)}


def _queue_body(counts: dict[str, int], dead: list[dict[str, Any]], token: str) -> str:
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in counts.items())
    forms = "".join(
        f"<tr><td>{escape(str(t['id']))}</td><td>{escape(str(t['kind']))}</td>"
        f"<td>{escape(str(t.get('error', '')))[:300]}</td><td><form method='post' "
        "action='/queue/redrive'>"
        f"<input type='hidden' name='task' value='{escape(str(t['id']), quote=True)}'>"
        f"<input type='hidden' name='csrf' value='{escape(token, quote=True)}'>"
        "<button>re-drive</button></form></td></tr>"
        for t in dead
    )
    return (
        "<h1>queue</h1><table><tr><th>status</th><th>tasks</th></tr>" + rows + "</table>"
        "<h2>Dead tasks</h2><table id='dead'><tr><th>task</th><th>kind</th><th>last error</th>"
        f"<th></th></tr>{forms}</table>"
    )
