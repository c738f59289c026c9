"""Server-rendered pages: plain HTML, inline style and script, everything escaped.

A run's page shows its last events and appends new ones as they arrive, read from
``/api/runs/{id}/stream`` (server-sent events) by a few lines of inline script: no framework,
no address outside the dashboard.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from typing import Any

from petri.html_report import STYLE
from petri.runtime.runs import RunInfo
from petri.runtime.store import Event

_LIVE = """
const table = document.getElementById("events");
const view = document.getElementById("view");
const last = Number(table.dataset.last || 0);
const run = table.dataset.run;
const source = new EventSource("/api/runs/" + run + "/stream?after=" + last);
let drawn = 0;
let pending = null;
function redraw() {
  pending = null;
  drawn = Date.now();
  fetch("/runs/" + run + "/view", {credentials: "same-origin"})
    .then((answer) => answer.ok ? answer.text() : null)
    .then((html) => { if (html !== null) { view.innerHTML = html; view.dataset.drawn = drawn; } });
}
function add(message) {
  const event = JSON.parse(message.data);
  if (event.seq <= last) { return; }
  const row = table.insertRow(1);
  row.dataset.seq = event.seq;
  for (const text of [event.seq, event.type, JSON.stringify(event.payload).slice(0, 200)]) {
    row.insertCell().textContent = text;
  }
  while (table.rows.length > 501) { table.deleteRow(-1); }
  document.getElementById("live").textContent = "live: event " + event.seq;
  if (!view.dataset.steady.split(" ").includes(event.type) && pending === null) {
    pending = setTimeout(redraw, Math.max(0, 2000 - (Date.now() - drawn)));
  }
}
source.onmessage = add;
source.onerror = () => { document.getElementById("live").textContent = "stream closed"; };
"""
#: Events too many to redraw a run's view for: a generation, a snapshot or a task's change
#: comes after them anyway (the view is drawn again at most every 2 s).
STEADY = "program_born evaluated tick task_leased model_usage"


def page(title: str, body: str, script: str = "") -> str:
    tail = f"<script>{script}</script>" if script else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        "<body><p><a href='/'>runs</a> · <a href='/reviews'>reviews</a> · "
        f"<a href='/queue'>queue</a></p>{body}{tail}</body></html>\n"
    )


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        return escape(
            ", ".join(
                f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items()
            )
        )
    return escape(str(value))


def runs_page(rows: Iterable[dict[str, Any]], q: str) -> str:
    """Every run: id (a link), job, problem, status, progress, started, best objectives."""
    head = ("run", "job", "problem", "status", "generations", "evaluations", "best", "started")
    lines = []
    for row in rows:
        run = escape(str(row["run"]))
        cells = [f"<td><a href='/runs/{run}'>{run}</a></td>"]
        cells += [f"<td>{_cell(row.get(k, ''))}</td>" for k in head[1:]]
        lines.append(f"<tr>{''.join(cells)}</tr>")
    search = (
        "<form method='get' action='/'><input name='q' placeholder='search runs' "
        f"value='{escape(q, quote=True)}'> <button>search</button></form>"
    )
    table = (
        "<table id='runs'><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
        + "".join(lines) + "</table>"
    )  # fmt: skip
    empty = "" if lines else "<p>No run yet: start one with <code>petri evolve PROBLEM</code>.</p>"
    return page("petri runs", f"<h1>petri runs</h1>{search}{table}{empty}")


def run_page(
    info: RunInfo,
    row: dict[str, Any],
    events: list[Event],
    view: str = "",
    *,
    evaluations: list[dict[str, Any]] | None = None,
    actions: str = "",
) -> str:
    """One run: its row, actions on it, its job's view (redrawn as events arrive), an evolve
    run's evaluations a page at a time, and its events, newest first, growing live."""
    summary = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{_cell(v)}</td></tr>" for k, v in row.items()
    )
    lines = [
        f"<tr data-seq='{e.seq}'><td>{e.seq}</td><td>{escape(e.type)}</td>"
        f"<td>{escape(json.dumps(e.payload, default=str)[:200])}</td></tr>"
        for e in reversed(events)
    ]
    last = events[-1].seq if events else 0
    run = escape(info.run_id, quote=True)
    table = (
        f"<table id='events' data-run='{run}' data-last='{last}'>"
        "<tr><th>seq</th><th>event</th><th>payload</th></tr>" + "".join(lines) + "</table>"
    )
    shown = "" if evaluations is None else evaluations_table(info.run_id, evaluations)
    body = (
        f"<h1>run {escape(info.run_id)}</h1><table>{summary}</table>{actions}"
        f"<div id='view' data-steady='{STEADY}'>{view}</div>{shown}"
        f"<h2>Events</h2><p id='live'>waiting for events</p>{table}"
    )
    return page(f"petri run {info.run_id}", body, _LIVE)


def evaluations_table(run_id: str, rows: list[dict[str, Any]]) -> str:
    """A page of an evolve run's evaluations, newest first, with a link to the older ones."""
    head = ("n", "program", "outcome", "duration", "memory", "passed", "failed", "objectives")
    lines = []
    for r in rows:
        memory = f"{r['memory'] / 2**20:.1f} MiB" if r.get("memory") else ""
        cells = [r["n"], r["id"], r["status"], f"{r['duration_s']:.3f} s", memory,
                 r["passed"], r["failed"], r["objectives"]]  # fmt: skip
        lines.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
    older = ""
    if rows and rows[-1]["n"] > 1:
        link = f"/runs/{escape(run_id, quote=True)}?before={rows[-1]['n']}#evaluations"
        older = f"<p><a id='older' href='{link}'>older evaluations</a></p>"
    return (
        "<h2 id='evaluations'>Evaluations</h2><table id='evaluation-rows'><tr>"
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr>" + "".join(lines) + "</table>" + older
    )  # fmt: skip


def review_body(waiting: Iterable[Any], token: str) -> str:
    """The results waiting for a person, each with approve and reject (and a note)."""
    rows = []
    for w in waiting:
        wid = escape(str(w.id), quote=True)
        evidence = escape(json.dumps(w.request.get("evidence", w.request), default=str)[:400])
        form = (
            "<form method='post' action='/reviews/decide'>"
            f"<input type='hidden' name='id' value='{wid}'>"
            f"<input type='hidden' name='csrf' value='{escape(token, quote=True)}'>"
            "<input name='note' placeholder='note'> "
            "<button name='decision' value='approve'>approve</button> "
            "<button name='decision' value='reject'>reject</button></form>"
        )
        rows.append(f"<tr><td>{escape(str(w.id))}</td><td>{evidence}</td><td>{form}</td></tr>")
    table = "<table id='reviews'><tr><th>result</th><th>evidence</th><th></th></tr>"
    empty = "" if rows else "<p>Nothing waits for a review.</p>"
    return f"<h1>reviews</h1>{table}{''.join(rows)}</table>{empty}"
