"""The review queue in the dashboard: results the judge was unsure of, approved or rejected by a
person, after which the run resumes.

A decision is ``petri.agents.review.decide``'s (the same event ``petri review`` writes: who,
when, the note), behind the page's CSRF token. The run then resumes in the dashboard's process,
one resume per run at a time, as ``petri review approve`` resumes it in the terminal.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from petri.errors import PetriError
from petri.web.pages import page, review_body
from petri.web.queue_views import check_csrf, csrf_token, who

log = logging.getLogger("petri.web")
Decision = Annotated[str, Field(pattern="^(approve|reject)$")]


class Decided(BaseModel):
    """The body of ``POST /api/reviews/{id}``."""

    decision: Decision
    note: str = Field("", max_length=2000)


class Resumer:
    """Resumes swarm runs in background threads, at most one per run."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def resume(self, run_id: str) -> None:
        with self._lock:
            current = self._running.get(run_id)
            if current is not None and current.is_alive():
                return  # it will read the new decision when it looks for reviews
            thread = threading.Thread(target=self._run, args=(run_id,), daemon=True)
            self._running[run_id] = thread
            thread.start()

    def _run(self, run_id: str) -> None:
        from petri.agents.run import resume_swarm

        try:
            resume_swarm(self.home, run_id)
        except PetriError as exc:  # the run's own events say what happened; the log says why
            log.warning("resuming %s after a review failed: %s", run_id, exc)


def add_review_views(app: FastAPI, home: Path, guarded: bool) -> Resumer:
    """The review queue's page, its JSON and the decisions."""
    from petri.agents import review

    resumer = Resumer(home)

    def decide(request: Request, review_id: str, decision: str, note: str) -> str:
        try:
            match = review.decide(home, review_id, decision, note, who=who(request, guarded))
        except PetriError as exc:
            raise HTTPException(404, " ".join(str(exc).split())) from None
        details = {"action": decision, "review": match.id, "who": who(request, guarded)}
        log.info("%s %s; the run resumes", decision, match.id, extra=details)
        resumer.resume(match.run.run_id)
        return match.run.run_id

    @app.get("/reviews", response_class=HTMLResponse)
    def reviews_page(request: Request, response: Response) -> str:
        token = csrf_token(request, response)
        return page("petri reviews", review_body(review.waiting(home), token))

    @app.get("/api/reviews")
    def api_reviews() -> list[dict[str, Any]]:
        """Results waiting for a person: their id, run, task and the judge's evidence."""
        return [{"id": w.id, "run": w.run.run_id, **w.request} for w in review.waiting(home)]

    @app.post("/reviews/decide")
    def form_decide(
        request: Request,
        review_id: Annotated[str, Form(alias="id", min_length=1, max_length=300)],
        decision: Annotated[str, Form(pattern="^(approve|reject)$")],
        note: Annotated[str, Form(max_length=2000)] = "",
        csrf: Annotated[str, Form(max_length=200)] = "",
    ) -> RedirectResponse:
        check_csrf(request, csrf)
        run_id = decide(request, review_id, decision, note)
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    @app.post("/api/reviews/{review_id}")
    def api_decide(request: Request, review_id: str, body: Decided) -> dict[str, str]:
        """Approve or reject (header ``X-CSRF-Token``); the run resumes."""
        check_csrf(request, request.headers.get("x-csrf-token"))
        return {"run": decide(request, review_id, body.decision, body.note)}

    return resumer
