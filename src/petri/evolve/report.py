"""Render one evolve run (its state, replayed from its events) as a self-contained HTML page.

The file needs nothing but a browser: styles are inline, plots are inline SVG drawn with
matplotlib (an optional extra, imported only here), and no address is fetched. Everything that
comes from a candidate or the problem (sources, patch, ids, names) is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petri.evolve.journal import RunState
from petri.evolve.objectives import Objective
from petri.evolve.outputs import patch
from petri.html_report import STYLE, figure, require_matplotlib, svg
from petri.runtime.store.files import write_atomic

if TYPE_CHECKING:
    pass


def _num(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else escape(str(value))


def _named(objective: Objective) -> str:
    """The objective's name and which way is better."""
    return objective.name + {"max": " ↑", "min": " ↓"}[objective.direction]


def _label(objective: Objective) -> str:
    return _named(objective).replace("$", r"\$")  # a '$' would start matplotlib's math mode


def _header(state: RunState) -> str:
    started, finished = state.started, state.finished
    status = "not finished (running or interrupted)"
    evaluations, duration = state.evaluations, state.last_at - state.started_at
    if finished is not None:
        status, evaluations, duration = finished.status, finished.evaluations, finished.duration_s
    rows = [
        ("run", state.run_id),
        ("problem", started.problem if started is not None else "?"),
        ("program", started.program if started is not None else "?"),
        ("status", status),
        ("evaluations", evaluations),
        ("duration", f"{duration:.1f} s"),
        ("seed", started.seed if started is not None else "?"),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"<h1>petri evolve: {escape(state.run_id)}</h1><table>{cells}</table>"


def _curves(state: RunState) -> str:
    from matplotlib.ticker import MaxNLocator

    plots = []
    for i, objective in enumerate(state.objectives):
        points = [
            (g.generation, g.best_objectives[objective.name])
            for g in state.generations
            if objective.name in g.best_objectives
        ]
        if not points:
            continue
        fig = figure()
        ax = fig.subplots()
        ax.plot([x for x, _ in points], [y for _, y in points], marker="o", markersize=3)
        ax.set_title(_label(objective))
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        plots.append(svg(fig, f"curve{i}"))
    body = "".join(plots) or "<p>No generation has finished yet.</p>"
    return f"<h2>Best objectives per generation</h2><div class='plots'>{body}</div>"


def _front(state: RunState) -> list[str]:
    last = state.last_generation
    return list(last.front) if last is not None else []


def _scatter(state: RunState) -> str:
    objectives, front = state.objectives, _front(state)
    if len(objectives) < 2 or not front:
        return ""
    x, y = objectives[:2]

    def xy(ids: Sequence[str]) -> tuple[list[float], list[float]]:
        kept = [state.records[i].objectives for i in ids if i in state.records]
        return [v[x.name] for v in kept], [v[y.name] for v in kept]

    fig = figure()
    ax = fig.subplots()
    ax.scatter(*xy(sorted(state.records)), s=8, color="#bbb", label="evaluated")
    ax.scatter(*xy(front), s=24, color="#1f77b4", label="front")
    ax.scatter(*xy([state.best or ""]), s=60, marker="*", color="#d62728", label="best")
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.legend(fontsize="small")
    return f"<div class='plots'>{svg(fig, 'front')}</div>"


def _front_table(state: RunState) -> str:
    front = _front(state)
    if not front:
        return "<p>No Pareto front yet.</p>"
    names = [o.name for o in state.objectives]
    head = "".join(f"<th>{escape(n)}</th>" for n in ["program", "op", "generation", "status"])
    head += "".join(f"<th>{escape(_named(o))}</th>" for o in state.objectives)
    rows = []
    for pid in front:
        born, record = state.born.get(pid), state.records.get(pid)
        values = record.objectives if record is not None else {}
        cells: list[Any] = [pid]
        cells += [born.op, born.generation] if born is not None else ["?", "?"]
        cells.append(record.status if record is not None else "?")
        cells += [values.get(n, "") for n in names]
        mark = " class='best'" if pid == state.best else ""
        rows.append(f"<tr{mark}>" + "".join(f"<td>{_num(c)}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _node(state: RunState, pid: str) -> str:
    born, record = state.born.get(pid), state.records.get(pid)
    if born is None:
        return f"<code>{escape(pid)}</code> (no birth recorded)"
    objectives = record.objectives if record is not None else {}
    values = ", ".join(f"{escape(k)}={_num(v)}" for k, v in sorted(objectives.items()))
    edits = ", ".join(f"{e.op}@{e.site}" for e in born.edits[:4])
    text = f"<code>{escape(pid)}</code> {escape(born.op)}"
    text += f" · generation {born.generation}"
    text += f" · {values}" if values else ""
    return text + (f" · edits: {escape(edits)}" if edits else "")


def _lineage_parts(state: RunState, best: str) -> Iterator[str]:
    """A chain of single parents stays flat; a crossover nests one list per parent.

    Iterative, so a lineage of thousands of generations cannot exhaust Python's stack.
    """
    seen: set[str] = set()
    stack: list[str | tuple[str]] = [(best,)]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        yield "<ul class='lineage'>"
        pid: str | None = item[0]
        while pid is not None:
            if pid in seen:  # crossover of relatives: show the shared ancestor once
                yield f"<li><code>{escape(pid)}</code> (shown above)</li>"
                pid = None
                continue
            seen.add(pid)
            born = state.born.get(pid)
            parents = list(born.parents) if born is not None else []
            yield f"<li>{_node(state, pid)}"
            if len(parents) > 1:
                stack.append("</li></ul>")
                stack.extend((p,) for p in reversed(parents))
                break
            yield "</li>"
            pid = parents[0] if parents else None
        else:
            yield "</ul>"


def _patch(state: RunState) -> str:
    """The promoted program's diff against the original (before promotion: the best's)."""
    best = state.best
    if best is None or best not in state.born or state.started is None:
        return "<p>No program yet.</p>"
    note = "" if state.promoted is not None else "<p>Nothing is promoted yet: the best so far.</p>"
    text = patch(state, best)
    if not text:
        return note + "<p>The best program is the original: no change.</p>"
    classes = (("+++", "meta"), ("---", "meta"), ("+", "add"), ("-", "del"), ("@@", "hunk"))
    lines = []
    for line in text.splitlines():
        css = next((c for prefix, c in classes if line.startswith(prefix)), "")
        lines.append(f"<span class='{css}'>{escape(line)}</span>" if css else escape(line))
    return note + "<pre>" + "\n".join(lines) + "</pre>"


def _shadow(state: RunState) -> str:
    """The shadow test: each plausible patch's departures and the inputs they differ on."""
    tested = state.shadow
    if tested is None:
        return "<p>The shadow test did not run.</p>"
    text = (
        f"<p>{tested.mode} mode: {tested.inputs} inputs the tests never tried "
        f"({tested.trusted} near calls of passing tests, from {tested.recorded} recorded "
        f"calls), run on the original and on {len(tested.patches)} plausible patches.</p>"
    )
    if tested.note:
        text += f"<p>{escape(tested.note)}</p>"
    names = ["patch", "crashes", "hangs", "divergences", "violations"]
    names += ["lines", "tokens", "changes", "differs on"]
    head = "<tr>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"
    rows = []
    for p in tested.patches:
        mark = " class='best'" if p.id == tested.chosen else ""
        shown = "<br>".join(
            escape(
                f"{d.function}{d.input}: original {d.original}, patch {d.patch} ({d.kind}"
                + (f"; breaks {d.breaks})" if d.breaks else ")")
            )
            for d in p.differences
        )
        cells: list[object] = [
            escape(p.id),
            p.crashes,
            p.hangs,
            p.divergences,
            p.violations,
            p.lines,
            p.tokens,
            p.changes,
        ]
        rows.append(
            f"<tr{mark}>" + "".join(f"<td>{c}</td>" for c in cells) + f"<td>{shown}</td></tr>"
        )
    chosen = (
        "the original (no improvement agreed with it)"
        if tested.chosen == (state.origin.id if state.origin else "")
        else f"<code>{escape(tested.chosen)}</code>"
    )
    return text + f"<table>{head}{''.join(rows)}</table><p>Promoted: {chosen}.</p>"


def report_sections(state: RunState) -> list[str]:
    """The report's sections as HTML (the page ``render_report`` writes, and the dashboard's
    view of an evolve run). ConfigError when matplotlib is not installed."""
    require_matplotlib()
    best = state.best
    sections = [
        _header(state),
        _curves(state),
        "<h2>Pareto front</h2>" + _scatter(state) + _front_table(state),
        "<h2>Lineage of the best program</h2>",
        "".join(_lineage_parts(state, best)) if best else "<p>No program yet.</p>",
        "<h2>Patch</h2>" + _patch(state),
        "<h2>Shadow test</h2>" + _shadow(state),
    ]
    if best is not None and best in state.born:
        sections.append(f"<h2>Best program</h2><pre>{escape(state.born[best].source)}</pre>")
    return sections


def render_report(state: RunState, out: Path) -> Path:
    """Write the HTML report of a run to ``out`` (atomically) and return it.

    A run that has not finished still renders; its status says so. Raises ``ConfigError`` when
    matplotlib (the ``report`` extra) is not installed.
    """
    sections = report_sections(state)
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>petri report {escape(state.run_id)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
    write_atomic(out, [page])
    return out
