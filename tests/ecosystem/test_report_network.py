"""The interaction network: recorded in ``measures`` events, drawn in the run's report."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from petri.config import load_settings
from petri.ecosystem.colony import species_alive
from petri.ecosystem.corpus import bundled_corpus
from petri.ecosystem.history import History, read_history
from petri.ecosystem.network import Interactions
from petri.ecosystem.report import report_sections
from petri.ecosystem.run import start_ecosystem
from petri.ecosystem.snapshot import load
from petri.runtime.runs import RunInfo, lookup

SMALL = {"width": 16, "height": 16, "organisms": 120, "ticks": 24, "snapshot_every": 8,
         "measure_every": 6}  # fmt: skip
HOSTILE = "<script>alert(1)</script>"


def run_history(tmp_path: Path, name: str) -> History:
    settings = load_settings(ecosystem=SMALL, home=tmp_path / "home")
    summary = start_ecosystem(bundled_corpus(), settings, state_dir=tmp_path / name / ".petri")
    return read_history(lookup(tmp_path / "home", summary["run_id"]))


def network_of(sections: list[str]) -> str:
    found = [s for s in sections if s.startswith("<h2>Interaction network</h2>")]
    assert len(found) == 1
    return found[0]


def offline(measures: list[dict[str, Any]]) -> History:
    """A history made of ``measures`` events alone (no store, no snapshot)."""
    info = RunInfo("offline", "corpus", "", "", "out", 0.0, kind="ecosystem")
    return History(info, measures=measures)


def recorded(edges: list[list[Any]], population: dict[str, int], tick: int = 50) -> dict[str, Any]:
    """A ``measures`` payload whose network is given as recorded (species as labels)."""
    communities = [sorted(population)]
    top = {"edges": edges, "edges_total": len(edges), "communities": communities,
           "population": [[s, n] for s, n in population.items()]}  # fmt: skip
    network = {"nodes": len(population), "edges": {}, "communities": 1, "top": top}
    return {"tick": tick, "network": network}


def test_a_run_records_its_network_and_its_report_draws_it(tmp_path: Path) -> None:
    history = run_history(tmp_path, "a")
    last = history.measures[-1]
    assert last["tick"] == 24 and len(last["network"]["top"]["edges"]) <= 200
    # The recorded network is the colony's own at that tick (the snapshot of tick 24).
    colony = load(Path(history.snapshots[-1]["path"]))
    assert last["network"]["top"]["edges"] == colony.network.heaviest()
    alive = species_alive(colony)
    net = history.network
    assert net is not None and net.tick == 24 and net.edges
    assert net.population == {s: alive.get(int(s), 0) for s in net.population}
    assert {int(s) for s in net.population} <= set(colony.species_of)
    members = {s for c in net.communities for s in c}
    assert members == set(net.population)
    section = network_of(report_sections(history))
    assert "<svg" in section and "<table>" in section
    most = max(net.population, key=lambda s: (net.population[s], -int(s)))
    assert f"<!-- {most} -->" in section  # drawn: matplotlib names each text in a comment
    assert re.search(rf"<td>{most}(,| and|</td>)", section)  # listed in its community's row


def test_the_same_seed_records_the_same_network(tmp_path: Path) -> None:
    one, two = run_history(tmp_path, "one"), run_history(tmp_path, "two")
    assert one.measures == two.measures
    assert one.network == two.network


def test_an_old_run_without_the_network_says_so_in_one_line() -> None:
    old = {"tick": 25, "ecology": 0.5, "network": {"nodes": 3, "edges": {}, "communities": 1}}
    history = offline([old])
    assert history.network is None
    section = network_of(report_sections(history))
    assert section == "<h2>Interaction network</h2><p>No interaction network recorded yet.</p>"
    assert offline([]).network is None


def test_a_network_without_edges_says_so() -> None:
    section = network_of(report_sections(offline([recorded([], {})])))
    assert "No interactions between species by tick 50" in section and "<svg" not in section


def test_the_drawing_has_no_script_and_names_are_escaped() -> None:
    population = {HOSTILE: 40, "a&b": 30, "$x^{2$": 20, "3": 10}
    edges = [[HOSTILE, "a&b", 5.0, "competition"], ["a&b", "$x^{2$", 2.0, "public_good"],
             [HOSTILE, "3", 1.0, "gene_transfer"]]  # fmt: skip
    section = network_of(report_sections(offline([recorded(edges, population)])))
    assert "<svg" in section
    assert "<script" not in section.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and "a&amp;b" in section


def test_the_drawing_keeps_the_most_populous_species_and_says_what_it_left_out() -> None:
    population = {str(s): 1000 - s for s in range(100)}
    edges = [[str(s), str(s + 1), float(s + 1), "competition"] for s in range(99)]
    measures = recorded(edges, population)
    measures["network"]["nodes"] = 130
    measures["network"]["top"]["edges_total"] = 400
    section = network_of(report_sections(offline([measures])))
    assert "At tick 50: 60 species" in section
    assert "only the 99 heaviest of 400 interactions" in section
    assert "30 species with lighter interactions only" in section
    assert "the 40 least populous species" in section
    drawn = set(re.findall(r"<!-- (\d+) -->", section))
    assert drawn == {str(s) for s in range(60)}


def test_record_keeps_the_heaviest_edges_their_populations_and_communities() -> None:
    net = Interactions()
    for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]:
        net.add("competition", a, b, 5.0)
    net.add("public_good", 0, 1, 7.0)
    net.add("gene_transfer", 2, 3)
    made = net.record({0: 10, 1: 4, 3: 2}, limit=4)
    assert made["nodes"] == 6 and made["communities"] == 2
    top = made["top"]
    assert top["edges"][0] == [0, 1, 12.0, "public_good"]  # its heaviest kind
    assert [e[2] for e in top["edges"]] == [12.0, 5.0, 5.0, 5.0]
    assert top["edges"][1:] == [[0, 2, 5.0, "competition"], [1, 2, 5.0, "competition"],
                                [3, 4, 5.0, "competition"]]  # fmt: skip
    assert top["edges_total"] == 7
    assert top["population"] == [[0, 10], [1, 4], [2, 0], [3, 2], [4, 0]]  # 2 and 4: gone
    assert top["communities"] == [[0, 1, 2], [3, 4]]
