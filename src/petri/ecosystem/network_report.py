"""The report's "Interaction network" section: the latest network a run recorded, as SVG.

Nodes are species (area by population, colour by Louvain community), edges their interactions
(width by weight, colour by the edge's heaviest kind). Only the most populous species are
drawn, so that a large run's picture stays fast and legible; the section says what it left
out. The layout is networkx's, seeded (the same network gives the same picture); the drawing
is plain matplotlib, as networkx's own drawing goes through pyplot's global state, which the
dashboard's threads must not share.
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

from petri.ecosystem.history import History, Network
from petri.html_report import svg

if TYPE_CHECKING:
    from matplotlib.axes import Axes

NODES_SHOWN = 60
_COMMUNITIES_LISTED = 12
_MEMBERS_LISTED = 10
_KIND_COLOURS = {"gene_transfer": "#d62728", "public_good": "#2ca02c", "competition": "#8c8c8c"}
_PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#17becf", "#bcbd22", "#e377c2", "#8c564b",
            "#2ca02c", "#d62728", "#7f7f7f")  # fmt: skip
_OTHER = "#cccccc"  # communities beyond the palette
Edge = tuple[str, str, float, str]
Positions = dict[str, Any]  # species -> (x, y) from networkx's layout


def network_section(history: History) -> str:
    """The section's HTML; one line when the run has recorded no network yet."""
    head = "<h2>Interaction network</h2>"
    net = history.network
    if net is None:
        return head + "<p>No interaction network recorded yet.</p>"
    if not net.edges:
        return head + f"<p>No interactions between species by tick {net.tick}.</p>"
    shown = _most_populous(net)
    picture = _drawing(net, shown, f"{history.info.run_id}-network")
    return head + _caption(net, shown) + picture + _communities(net)


def _key(species: str) -> tuple[bool, int, str]:
    """Numeric labels in numeric order (species 9 before species 10)."""
    return (not species.isdigit(), int(species) if species.isdigit() else 0, species)


def _most_populous(net: Network) -> list[str]:
    ranked = sorted(net.population, key=lambda s: (-net.population[s], _key(s)))
    return ranked[:NODES_SHOWN]


def _colours(net: Network) -> dict[str, str]:
    """Each species' community colour (communities are listed largest first)."""
    colours: dict[str, str] = {}
    for index, members in enumerate(net.communities):
        for species in members:
            colours[species] = _PALETTE[index] if index < len(_PALETTE) else _OTHER
    return colours


def _caption(net: Network, shown: list[str]) -> str:
    recorded = len(net.population)
    left: list[str] = []
    if net.edges_total > len(net.edges):
        left.append(f"only the {len(net.edges)} heaviest of {net.edges_total} interactions")
    if net.nodes_total > recorded:
        left.append(f"{net.nodes_total - recorded} species with lighter interactions only")
    if recorded > len(shown):
        left.append(f"the {recorded - len(shown)} least populous species of those interacting")
    gone = "; left out: " + ", ".join(left) if left else ""
    return (
        f"<p>At tick {net.tick}: {len(shown)} species (area: organisms alive; colour: "
        f"community) and their interactions (width: weight; colour: heaviest kind){gone}.</p>"
    )


def _drawing(net: Network, shown: list[str], salt: str) -> str:
    import networkx as nx
    from matplotlib.figure import Figure

    keep = set(shown)
    edges = [e for e in net.edges if e[0] in keep and e[1] in keep]
    heaviest = max([1.0, *(w for _, _, w, _ in edges)])
    graph = nx.Graph()
    graph.add_nodes_from(shown)
    # Log-scaled pull: with raw weights the light edges' species fly off to the margins.
    scale = math.log1p(heaviest)
    graph.add_weighted_edges_from((a, b, 0.3 + math.log1p(w) / scale) for a, b, w, _ in edges)
    pos = nx.spring_layout(graph, weight="weight", seed=0)
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.add_subplot()
    _edges(ax, edges, pos, heaviest)
    _nodes(ax, net, shown, pos)
    ax.set_title(f"species interactions at tick {net.tick}")
    ax.set_axis_off()
    return svg(fig, salt)


def _edges(ax: Axes, edges: list[Edge], pos: Positions, heaviest: float) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    segments = [[pos[a], pos[b]] for a, b, _, _ in edges]
    widths = [0.4 + 3.0 * w / heaviest for _, _, w, _ in edges]
    colours = [_KIND_COLOURS.get(k, _OTHER) for _, _, _, k in edges]
    ax.add_collection(LineCollection(segments, linewidths=widths, colors=colours, alpha=0.6))
    kinds = sorted({k for _, _, _, k in edges})
    handles = [Line2D([], [], color=_KIND_COLOURS.get(k, _OTHER), label=k) for k in kinds]
    if handles:
        ax.legend(handles=handles, fontsize="x-small", loc="lower right")


def _nodes(ax: Axes, net: Network, shown: list[str], pos: Positions) -> None:
    colours = _colours(net)
    most = max([1, *(net.population[s] for s in shown)])
    xs = [float(pos[s][0]) for s in shown]
    ys = [float(pos[s][1]) for s in shown]
    sizes = [20.0 + 480.0 * net.population[s] / most for s in shown]
    fill = [colours.get(s, _OTHER) for s in shown]
    ax.scatter(xs, ys, s=sizes, c=fill, edgecolors="#333333", linewidths=0.5, zorder=2)
    for x, y, species in zip(xs, ys, shown, strict=True):
        # parse_math off: a label is shown as written, never read as TeX.
        ax.text(x, y, species, fontsize=6, ha="center", va="center", zorder=3, parse_math=False)


def _communities(net: Network) -> str:
    colours = _colours(net)
    rows: list[str] = []
    for index, members in enumerate(net.communities[:_COMMUNITIES_LISTED]):
        ranked = sorted(members, key=lambda s: (-net.population.get(s, 0), _key(s)))
        named = ", ".join(escape(s) for s in ranked[:_MEMBERS_LISTED])
        more = len(ranked) - _MEMBERS_LISTED
        named += f" and {more} more" if more > 0 else ""
        total = sum(net.population.get(s, 0) for s in members)
        swatch = f"<span style='color:{colours.get(members[0], _OTHER)}'>&#9679;</span>"
        rows.append(
            f"<tr><td>{swatch} {index + 1}</td><td>{len(members)}</td>"
            f"<td>{total}</td><td>{named}</td></tr>"
        )
    unlisted = len(net.communities) - _COMMUNITIES_LISTED
    tail = f"<p>And {unlisted} smaller communities.</p>" if unlisted > 0 else ""
    return (
        "<table><tr><th>community</th><th>species</th><th>organisms alive</th>"
        "<th>members (most populous first)</th></tr>" + "".join(rows) + "</table>" + tail
    )
