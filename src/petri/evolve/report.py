"""Render the events of one evolve run as a single self-contained HTML report.

The file needs nothing but a browser: styles are inline, plots are inline SVG drawn with
matplotlib (an optional extra, imported only here), and no address is fetched. Everything that
comes from a candidate or the problem (sources, patch, ids, names) is HTML-escaped.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petri.errors import ConfigError
from petri.runtime.store.base import Event
from petri.runtime.store.files import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .6em;text-align:left}
th{background:#f4f4f4}.plots{display:flex;flex-wrap:wrap;gap:1em}.plots svg{height:auto}
pre{background:#f8f8f8;padding:.8em;overflow-x:auto}.add{color:#176f2c}.del{color:#b31d28}
.hunk{color:#6f42c1}.meta{color:#555;font-weight:bold}.best{font-weight:bold}
ul.lineage{list-style:none;padding-left:.8em;border-left:2px solid #ccc}code{font-size:.95em}"""

# The SVG prolog names a DTD by URL and its metadata names RDF vocabularies: neither is needed.
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


@dataclass
class _Run:
    """A projection of the run's events: what the report shows."""

    run_id: str = ""
    started: dict[str, Any] = field(default_factory=dict)
    finished: dict[str, Any] | None = None
    born: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    generations: list[dict[str, Any]] = field(default_factory=list)
    patch: str | None = None
    span: tuple[float, float] = (0.0, 0.0)

    @property
    def objectives(self) -> list[tuple[str, str]]:
        """(name, direction) of each objective, as declared, else as seen in generations."""
        declared = self.started.get("objectives") or []
        if declared:
            return [(str(o.get("name")), str(o.get("direction", ""))) for o in declared]
        seen = {k for g in self.generations for k in g.get("best_objectives", {})}
        return [(name, "") for name in sorted(seen)]

    @property
    def front(self) -> list[str]:
        return list(self.generations[-1].get("front", [])) if self.generations else []

    @property
    def best(self) -> str | None:
        for source in (self.finished or {}, *reversed(self.generations), self.started):
            found = source.get("best") or source.get("original")
            if found:
                return str(found)
        return None

    def values(self, program_id: str) -> dict[str, Any]:
        return dict(self.scores.get(program_id, {}).get("objectives", {}))


def _project(events: Sequence[Event]) -> _Run:
    run = _Run()
    if events:
        run.run_id = events[0].run_id
        run.span = (events[0].time, events[-1].time)
    for event in events:
        p = event.payload
        if event.type == "run_started":
            run.started = p
        elif event.type == "run_finished":
            run.finished = p
        elif event.type == "program_born":
            run.born[str(p.get("id"))] = p
        elif event.type == "evaluated":
            run.scores[str(p.get("id"))] = p
        elif event.type == "generation_done":
            run.generations.append(p)
        elif event.type == "promoted":
            run.patch = p.get("patch") or run.patch
    return run


def _require_matplotlib() -> None:
    try:
        importlib.import_module("matplotlib.figure")
    except ImportError as exc:
        raise ConfigError(
            "the report draws its plots with matplotlib: pip install 'petridish[report]'"
        ) from exc


def _num(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else escape(str(value))


def _label(name: str, direction: str) -> str:
    arrow = {"max": " ↑", "min": " ↓"}.get(direction, "")
    return name.replace("$", r"\$") + arrow  # a '$' would start matplotlib's math mode


def _figure() -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(4.2, 2.8), layout="constrained")


def _svg(fig: Figure, salt: str) -> str:
    """The figure as an inline <svg> element; ``salt`` keeps ids unique within the page."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return _SVG_METADATA.sub("", text[text.index("<svg") :])


def _header(run: _Run) -> str:
    started, finished = run.started, run.finished or {}
    counted = max((int(s.get("n", 0)) for s in run.scores.values()), default=0)
    evaluations = finished.get("evaluations", counted)
    duration = float(finished.get("duration_s", run.span[1] - run.span[0]))
    status = "not finished (running or interrupted)"
    if run.finished is not None:
        status = str(finished.get("status", "?"))
    rows = [
        ("run", run.run_id),
        ("problem", started.get("problem", "?")),
        ("program", started.get("program", "?")),
        ("status", status),
        ("evaluations", evaluations),
        ("duration", f"{duration:.1f} s"),
        ("seed", started.get("seed", "?")),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"<h1>petri evolve: {escape(run.run_id)}</h1><table>{cells}</table>"


def _curves(run: _Run) -> str:
    from matplotlib.ticker import MaxNLocator

    plots = []
    for i, (name, direction) in enumerate(run.objectives):
        points = [
            (g.get("generation", k), g.get("best_objectives", {}).get(name))
            for k, g in enumerate(run.generations)
        ]
        points = [(x, y) for x, y in points if isinstance(y, int | float)]
        if not points:
            continue
        fig = _figure()
        ax = fig.subplots()
        ax.plot([x for x, _ in points], [y for _, y in points], marker="o", markersize=3)
        ax.set_title(_label(name, direction))
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        plots.append(_svg(fig, f"curve{i}"))
    body = "".join(plots) or "<p>No generation has finished yet.</p>"
    return f"<h2>Best objectives per generation</h2><div class='plots'>{body}</div>"


def _scatter(run: _Run) -> str:
    objectives = run.objectives
    if len(objectives) < 2 or not run.front:
        return ""
    (xn, xd), (yn, yd) = objectives[:2]

    def xy(ids: Sequence[str]) -> tuple[list[float], list[float]]:
        pairs = [(run.values(i).get(xn), run.values(i).get(yn)) for i in ids]
        kept = [
            (x, y) for x, y in pairs if isinstance(x, int | float) and isinstance(y, int | float)
        ]
        return [x for x, _ in kept], [y for _, y in kept]

    fig = _figure()
    ax = fig.subplots()
    ax.scatter(*xy(sorted(run.scores)), s=8, color="#bbb", label="evaluated")
    ax.scatter(*xy(run.front), s=24, color="#1f77b4", label="front")
    ax.scatter(*xy([run.best or ""]), s=60, marker="*", color="#d62728", label="best")
    ax.set_xlabel(_label(xn, xd))
    ax.set_ylabel(_label(yn, yd))
    ax.legend(fontsize="small")
    return f"<div class='plots'>{_svg(fig, 'front')}</div>"


def _front_table(run: _Run) -> str:
    if not run.front:
        return "<p>No Pareto front yet.</p>"
    names = [name for name, _ in run.objectives]
    head = "".join(f"<th>{escape(n)}</th>" for n in ["program", "op", "generation", "status"])
    head += "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    for pid in run.front:
        born, values = run.born.get(pid, {}), run.values(pid)
        cells = [pid, born.get("op", "?"), born.get("generation", "?")]
        cells.append(run.scores.get(pid, {}).get("status", "?"))
        cells += [values.get(n, "") for n in names]
        mark = " class='best'" if pid == run.best else ""
        rows.append(f"<tr{mark}>" + "".join(f"<td>{_num(c)}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _node(run: _Run, pid: str) -> str:
    born = run.born.get(pid)
    if born is None:
        return f"<code>{escape(pid)}</code> (no birth recorded)"
    values = ", ".join(f"{escape(k)}={_num(v)}" for k, v in sorted(run.values(pid).items()))
    edits = ", ".join(f"{e.get('op')}@{e.get('site')}" for e in born.get("edits", [])[:4])
    text = f"<code>{escape(pid)}</code> {escape(str(born.get('op', '?')))}"
    text += f" · generation {escape(str(born.get('generation', '?')))}"
    text += f" · {values}" if values else ""
    return text + (f" · edits: {escape(edits)}" if edits else "")


def _lineage_parts(run: _Run, best: str) -> Iterator[str]:
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
            parents = [str(p) for p in run.born.get(pid, {}).get("parents", [])]
            yield f"<li>{_node(run, pid)}"
            if len(parents) > 1:
                stack.append("</li></ul>")
                stack.extend((p,) for p in reversed(parents))
                break
            yield "</li>"
            pid = parents[0] if parents else None
        else:
            yield "</ul>"


def _patch(run: _Run) -> str:
    if not run.patch:
        return "<p>No program was promoted.</p>"
    classes = (("+++", "meta"), ("---", "meta"), ("+", "add"), ("-", "del"), ("@@", "hunk"))
    lines = []
    for line in run.patch.splitlines():
        css = next((c for prefix, c in classes if line.startswith(prefix)), "")
        lines.append(f"<span class='{css}'>{escape(line)}</span>" if css else escape(line))
    return "<pre>" + "\n".join(lines) + "</pre>"


def render_report(events: Sequence[Event], out: Path) -> Path:
    """Write the HTML report of one run's ``events`` to ``out`` (atomically) and return it.

    A run that has not finished still renders; its status says so. Raises ``ConfigError`` when
    matplotlib (the ``report`` extra) is not installed.
    """
    _require_matplotlib()
    run = _project(events)
    best = run.best
    source = run.born.get(best or "", {}).get("source")
    sections = [
        _header(run),
        _curves(run),
        "<h2>Pareto front</h2>" + _scatter(run) + _front_table(run),
        "<h2>Lineage of the best program</h2>",
        "".join(_lineage_parts(run, best)) if best else "<p>No program yet.</p>",
        "<h2>Patch</h2>" + _patch(run),
    ]
    if isinstance(source, str):
        sections.append(f"<h2>Best program</h2><pre>{escape(source)}</pre>")
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>petri report {escape(run.run_id)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
    write_atomic(out, [page])
    return out
