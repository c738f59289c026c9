"""Render an ecosystem run as one self-contained HTML page (inline SVG plots, no fetches).

It shows population, species and diversity over time, the tasks performed over time, the
open-endedness measures (MODES: change, novelty, complexity, ecology), the world at its last
snapshot as an image (organisms per cell, coloured by the richest task performed there), the
catastrophes, the phylogeny of the dominant species (the ancestry of its most common
genome, with each ancestor's code) and the latest interaction network between species.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from petri.ecosystem.environments import environment
from petri.ecosystem.history import History
from petri.ecosystem.network_report import network_section
from petri.ecosystem.snapshot import Colony, load
from petri.html_report import STYLE, figure, require_matplotlib, svg
from petri.runtime.store.files import write_atomic

_ANCESTORS_SHOWN = 12


def _lines(history: History, title: str, series: dict[str, tuple[list[Any], list[Any]]]) -> str:
    fig = figure()
    ax = fig.add_subplot()
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, label=label)
    ax.set_title(title)
    ax.set_xlabel("tick")
    if len(series) > 1:
        ax.legend(fontsize="small")
    return svg(fig, f"{history.info.run_id}-{title}")


def _over_time(history: History) -> str:
    t = [r["tick"] for r in history.ticks]
    col = {k: [r.get(k, 0) for r in history.ticks] for k in ("population", "species", "tasks")}
    births = [r.get("births", 0) for r in history.ticks]
    deaths = [r.get("deaths", 0) for r in history.ticks]
    m = [r["tick"] for r in history.measures]
    plots = [
        _lines(history, "population", {"organisms": (t, col["population"])}),
        _lines(history, "species alive", {"species": (t, col["species"])}),
        _lines(history, "distinct tasks performed", {"tasks": (t, col["tasks"])}),
        _lines(history, "births and deaths", {"births": (t, births), "deaths": (t, deaths)}),
    ]
    if history.measures:
        get = {k: [r.get(k, 0) for r in history.measures] for k in _MODES}
        plots.append(
            _lines(history, "diversity (Shannon, persistent)", {"ecology": (m, get["ecology"])})
        )
        plots.append(
            _lines(
                history,
                "change and novelty",
                {"change": (m, get["change"]), "novelty": (m, get["novelty"])},
            )
        )
        plots.append(_lines(history, "complexity (tasks)", {"max": (m, get["complexity_max"])}))
    return "<h2>Over time</h2><div class='plots'>" + "".join(plots) + "</div>"


_MODES = ("change", "novelty", "complexity_max", "ecology")


def _world_image(colony: Colony, task_names: tuple[str, ...]) -> str:
    """Organisms per cell as brightness, hue by the richest task performed in the cell."""
    from matplotlib.figure import Figure

    world = colony.world
    p = world.params
    cells = world.cell()
    counts = np.bincount(cells, minlength=world.cells).reshape(p.height, p.width)
    tasks, _ = colony.genomes.arrays()
    richest = np.zeros(world.cells)
    if len(world.organisms):
        bits = tasks[world.organisms.genome].astype(np.float64)
        level = np.where(bits > 0, np.floor(np.log2(np.maximum(bits, 1))) + 1, 0)
        np.maximum.at(richest, cells, level)
    fig = Figure(figsize=(4.2, 4.2), layout="constrained")
    ax = fig.add_subplot()
    shown = np.ma.masked_where(counts == 0, richest.reshape(p.height, p.width))
    top = max(1, int(richest.max()))
    image = ax.imshow(shown, cmap="viridis", interpolation="nearest", vmin=0, vmax=top)
    ax.set_title(f"the world at tick {world.tick} (white: empty)")
    ax.set_axis_off()
    bar = fig.colorbar(image, ax=ax, shrink=0.7, ticks=range(top + 1))
    names = ["none", *task_names]
    bar.ax.set_yticklabels(names[: top + 1])
    bar.set_label("richest task performed in the cell")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f"<img alt='the world' src='data:image/png;base64,{data}'>"


def _phylogeny(colony: Colony) -> str:
    """The ancestry of the dominant species' most common genome, newest first."""
    if not len(colony.world.organisms):
        return "<p>No organism alive.</p>"
    genomes = Counter(colony.world.organisms.genome.tolist())
    species = Counter({colony.species_of[g]: 0 for g in genomes})
    for g, n in genomes.items():
        species[colony.species_of[g]] += n
    dominant = species.most_common(1)[0][0]
    best = max((g for g in genomes if colony.species_of[g] == dominant), key=genomes.__getitem__)
    table = colony.genomes
    items: list[str] = []
    g, seen = best, set()
    while g not in seen and len(items) < _ANCESTORS_SHOWN:
        seen.add(g)
        phenotype = table.phenotypes[g]
        tasks = bin(phenotype.tasks).count("1") if phenotype else 0
        what = f"species {colony.species_of[g]}, born at tick {table.born[g]}, {tasks} task(s)"
        items.append(
            f"<li>genome <code>{escape(table.ids[g])}</code> ({what})"
            f"<pre>{escape(table.sources[g])}</pre></li>"
        )
        if not table.parents[g]:
            break
        g = table.parents[g][0]
    head = (
        f"<p>Species {dominant}: {species[dominant]} organisms; its most common genome and "
        "its ancestors (first parent), newest first.</p>"
    )
    return head + "<ul class='lineage'>" + "".join(items) + "</ul>"


def _header(history: History) -> str:
    settings = history.started.get("settings", {})
    last = history.finished or (history.ticks[-1] if history.ticks else {})
    rows = {
        "run": history.info.run_id,
        "status": history.status,
        "corpus": history.started.get("corpus", ""),
        "environment": settings.get("environment", ""),
        "world": f"{settings.get('width')}x{settings.get('height')}",
        "seed": settings.get("seed", ""),
        "ticks": last.get("ticks", last.get("tick", 0)),
        "population": last.get("population", 0),
        "species born / extinct": f"{history.species_born} / {history.species_extinct}",
        "tasks performed": ", ".join(last.get("tasks", []))
        if isinstance(last.get("tasks"), list)
        else last.get("tasks", 0),
        "catastrophes": len([c for c in history.catastrophes if c.get("phase") != "recovered"]),
    }
    body = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows.items()
    )
    return f"<h1>petri ecosystem {escape(history.info.run_id)}</h1><table>{body}</table>"


def report_sections(history: History) -> list[str]:
    """The report's sections as HTML (the page, and the dashboard's view of an ecosystem
    run). ConfigError when matplotlib is not installed."""
    require_matplotlib()
    sections = [_header(history), _over_time(history)]
    if history.snapshots:
        colony = load(Path(history.snapshots[-1]["path"]))
        tasks = tuple(environment(history.started["settings"]["environment"]).tasks)
        sections.append("<h2>The world</h2>" + _world_image(colony, tasks))
        sections.append("<h2>Phylogeny of the dominant species</h2>" + _phylogeny(colony))
    sections.append(network_section(history))  # from the events: no snapshot needed
    return sections


def render_ecosystem_report(history: History, out: Path) -> Path:
    """Write the run's HTML report to ``out`` (atomically); ConfigError without matplotlib."""
    sections = report_sections(history)
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>petri ecosystem {escape(history.info.run_id)}</title><style>{STYLE}</style>"
        f"</head><body>{''.join(sections)}</body></html>\n"
    )
    write_atomic(out, [page])
    return out
