"""A swarm run's view in the dashboard: its task graph, workers, review queue, the judge's
evidence and each task's log, and the model usage, as HTML sections.

Everything comes from one replay of the run's events (``status.swarm_state``), where:

- task states and dependencies fold from ``task_planned``, ``task_released``,
  ``task_leased``, ``task_accepted``/``task_promoted``/``task_rejected``...; scores and
  evidence from ``task_judged`` verdicts (``SwarmState.verdicts``); attempts from the latest
  ``task_leased`` of the task's version (the state counts only the first lease);
- workers from ``worker_joined``; who holds what is derived (``status.holders`` says how);
- the review queue from ``review_requested`` minus the decisions (approve/reject live on
  ``/reviews``, behind its CSRF token);
- a task's log from every event whose payload names the task (the coordinator's, the worker's
  ``task_done``/``task_failed`` with the result or error, and what its agent recorded), one
  line per event, bounded; tool calls name their agent, not the task, and are left out;
- tokens and cost from ``model_usage`` totals (``SwarmState.usage``).

``swarm_started`` (the run's configuration) is never rendered. Payload values under
secret-looking names are masked, and so is any key this process has read (``llm.keys``).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Mapping
from html import escape
from typing import Any

from petri.agents.journal import SwarmState, local_id
from petri.agents.models import SwarmTask
from petri.agents.status import holders, swarm_state, waiting_reviews
from petri.llm.keys import redact
from petri.runtime.runs import RunInfo
from petri.runtime.store import Event

LOG_LINES = 50  # log lines kept per task, newest
LOG_BYTES = 4096  # characters of log shown per task, newest lines first
LINE_CHARS = 300  # characters of one log line
DIFF_CHARS = 4000  # characters of a waiting result's diff shown
#: Names whose values are masked; a bare ``key`` is a shared-state key here, and ``tokens`` a
#: count, so both stay.
_SECRET = re.compile(
    r"(api|access|private|secret)_?key|secret|passw|authorization|credential|cookie|"
    r"(^|_)token($|_)",
    re.IGNORECASE,
)
#: Events whose reason (or error, or note) explains a task's outcome.
_REASONED = frozenset(
    {"task_rejected", "task_replanned", "task_cancelled", "task_gave_out", "planner_gave_up",
     "task_failed", "task_dead", "review_rejected", "review_approved"}
)  # fmt: skip


class TaskLogs:
    """An event observer: per task, one line for each of the last ``LOG_LINES`` events that
    name it, and the reasons given for its outcome."""

    def __init__(self) -> None:
        self.lines: dict[str, deque[str]] = {}
        self.reasons: dict[str, deque[str]] = {}
        self.attempts: dict[str, int] = {}  # queue id TASK@VERSION -> its latest lease's attempt
        self.leased: dict[str, str] = {}  # queue id -> the worker its latest lease names

    def __call__(self, event: Event) -> None:
        task = _task_named(event.payload)
        if task is None:
            return
        rest = {k: v for k, v in event.payload.items() if k != "task"}
        line = f"#{event.seq} {event.type} {json.dumps(_masked(rest), default=str)}"
        self.lines.setdefault(task, deque(maxlen=LOG_LINES)).append(_cut(line, LINE_CHARS))
        if event.type == "task_leased":
            qid = local_id(str(event.payload["task"]))
            if isinstance(rest.get("attempt"), int):
                self.attempts[qid] = rest["attempt"]
            if isinstance(rest.get("worker"), str):
                self.leased[qid] = rest["worker"]
        if event.type in _REASONED:
            why = next((rest[k] for k in ("reason", "error", "note") if rest.get(k)), None)
            if why is not None:
                reasons = self.reasons.setdefault(task, deque(maxlen=10))
                reasons.append(_cut(f"{event.type}: {why}", LINE_CHARS))

    def tail(self, task: str) -> str:
        """The task's newest log lines that fit in ``LOG_BYTES`` characters, oldest first."""
        kept: list[str] = []
        size = 0
        for line in reversed(self.lines.get(task, ())):
            size += len(line) + 1
            if size > LOG_BYTES:
                break
            kept.append(line)
        return "\n".join(reversed(kept))


def swarm_sections(info: RunInfo) -> list[str]:
    """The sections of a swarm run's page: task graph, review queue, workers, usage, and each
    task's evidence and log (collapsed)."""
    logs = TaskLogs()
    state = swarm_state(info, observe=logs)
    return [
        task_graph(state, logs.attempts),
        review_queue(info.run_id, state),
        workers(state, logs.leased),
        usage(state),
        evidence_and_logs(state, logs),
    ]


def task_graph(state: SwarmState, attempts: Mapping[str, int]) -> str:
    """One row per task in plan order: its live state, what it waits for, score, and the
    attempts of its current version (``attempts``: queue id -> latest lease's attempt)."""
    head = ("task", "kind", "title", "state", "depends on", "after", "score", "attempts")
    rows = []
    for task in _ordered(state):
        verdict = state.verdicts.get(task.queue_id) or {}
        cells = [task.id, task.kind, task.title, task.status.value, ", ".join(task.depends_on),
                 ", ".join(task.after), _score(verdict.get("score")),
                 attempts.get(task.queue_id, task.attempts)]  # fmt: skip
        rows.append(f"<tr data-state='{_e(task.status.value)}'>" + _cells(cells) + "</tr>")
    empty = "" if rows else "<p>No task planned yet.</p>"
    return _table("task-graph", "Task graph", head, rows) + empty


def review_queue(run_id: str, state: SwarmState) -> str:
    """The run's results waiting for a person, with their evidence and a link to decide."""
    rows = []
    for request in waiting_reviews(state):
        rid = f"{run_id}:{request['review']}"
        diff = str(request.get("diff", ""))
        details = _details(
            "evidence and diff",
            _checks(request.get("checks") or []) + f"<pre>{_e(_cut(diff, DIFF_CHARS))}</pre>",
        )
        cells = [_e(rid), _e(request.get("task", "")), _e(request.get("title", "")),
                 _e(_score(request.get("score"))), details]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if not rows:
        return "<h2>Review queue</h2><p id='review-queue'>Nothing of this run waits for review.</p>"
    link = "<p>Approve or reject them on <a href='/reviews'>reviews</a>.</p>"
    head = ("review", "task", "title", "score", "")
    return _table("review-queue", "Review queue", head, rows) + link


def workers(state: SwarmState, leased: Mapping[str, str]) -> str:
    """The workers that joined the run, their capabilities and the running tasks they hold."""
    held = holders(state, leased)
    rows = []
    for worker, caps in sorted(state.workers.items()):
        tasks = [_held(task, who) for task, who in held.items() if worker in who]
        cells = (worker, ", ".join(caps), ", ".join(tasks))
        rows.append(f"<tr>{_cells(cells)}</tr>")
    orphans = [task for task, who in held.items() if not who]
    note = ""
    if any(len(who) > 1 for who in held.values()):
        note = (
            '<p>A task marked "or another" has a lease that does not name its worker (an '
            "older run): its holder is one of the workers that joined with its capability.</p>"
        )
    if orphans:
        note += f"<p>Running, its worker not joined yet: {_e(', '.join(orphans))}</p>"
    if not rows:
        return f"<h2>Workers</h2><p id='workers'>No worker has joined yet.</p>{note}"
    return _table("workers", "Workers", ("worker", "capabilities", "holds"), rows) + note


def usage(state: SwarmState) -> str:
    """Model tokens and cost the run has used so far."""
    tokens, cost = state.usage["tokens"], state.usage["cost_usd"]
    return (
        "<h2>Model usage</h2><table id='usage'>"
        f"<tr><th>tokens</th><td>{tokens:.0f}</td></tr>"
        f"<tr><th>cost</th><td>${cost:.4f}</td></tr></table>"
    )


def evidence_and_logs(state: SwarmState, logs: TaskLogs) -> str:
    """Per task, the judge's verdicts with the reasons given, and its log, each collapsed."""
    by_task: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for qid, verdict in state.verdicts.items():
        by_task.setdefault(qid.partition("@")[0], []).append((qid, verdict))
    parts = []
    for task in _ordered(state):
        verdicts = by_task.get(task.id, [])
        reasons = list(logs.reasons.get(task.id, ()))
        body = "".join(_verdict(qid, v) for qid, v in verdicts) or "<p>Not judged yet.</p>"
        if reasons:
            body += "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>"
        summary = f"{task.id}: evidence" + "".join(
            f", {_score(v.get('score'))} {v.get('route', '')}" for _, v in verdicts[-1:]
        )
        lines = len(logs.lines.get(task.id, ()))
        parts.append(
            f"<div class='task-detail' id='detail-{_e(task.id)}'>"
            + _details(summary, body)
            + _details(f"{task.id}: log ({lines} lines)", f"<pre>{_e(logs.tail(task.id))}</pre>")
            + "</div>"
        )
    return "<h2>Evidence and logs</h2>" + "".join(parts)


# -- helpers ---------------------------------------------------------------------------------


def _task_named(payload: Mapping[str, Any]) -> str | None:
    """The task an event is about: a task id, a runtime id ``RUN/TASK@VERSION``, or the planned
    task itself."""
    task = payload.get("task")
    if isinstance(task, Mapping):
        task = task.get("id")
    if not isinstance(task, str) or not task:
        return None
    return local_id(task).partition("@")[0]


def _verdict(queue_id: str, verdict: Mapping[str, Any]) -> str:
    head = f"{queue_id}: score {_score(verdict.get('score'))}, route {verdict.get('route', '')}"
    return f"<p>{_e(head)}</p>" + _checks(verdict.get("checks") or [])


def _checks(checks: list[Any]) -> str:
    rows = []
    for check in checks:
        if isinstance(check, Mapping):
            evidence = json.dumps(_masked(check.get("evidence", {})), default=str)
            cells = (check.get("name", ""), check.get("weight", ""), _score(check.get("score")),
                     _cut(evidence, LINE_CHARS * 2))  # fmt: skip
            rows.append(f"<tr>{_cells(cells)}</tr>")
    head = "<tr><th>check</th><th>weight</th><th>score</th><th>evidence</th></tr>"
    return f"<table class='checks'>{head}{''.join(rows)}</table>" if rows else ""


def _masked(value: Any) -> Any:
    """``value`` with whatever sits under a secret-looking name replaced by ``***``."""
    if isinstance(value, Mapping):
        return {str(k): "***" if _SECRET.search(str(k)) else _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _held(task: str, who: list[str]) -> str:
    return task if len(who) == 1 else f"{task} (or another of {len(who)})"


def _ordered(state: SwarmState) -> list[SwarmTask]:
    return sorted(state.tasks.values(), key=lambda t: t.order)


def _table(id_: str, title: str, head: tuple[str, ...], rows: list[str]) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<h2>{escape(title)}</h2><table id='{id_}'><tr>{header}</tr>{''.join(rows)}</table>"


def _cells(values: Any) -> str:
    return "".join(f"<td>{_e(v)}</td>" for v in values)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{_e(summary)}</summary>{body}</details>"


def _score(value: Any) -> str:
    return "" if value is None else f"{float(value):.2f}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


def _e(value: Any) -> str:
    """Escaped text, with any key this process has read masked."""
    return escape(redact(str(value)))
