"""The interaction network between species."""

from __future__ import annotations

import pytest

from petri.ecosystem.network import Interactions


def test_weights_accumulate_per_kind_and_communities_are_found() -> None:
    net = Interactions()
    for a, b in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]:
        net.add("competition", a, b, 5.0)
    net.add("gene_transfer", 2, 3)
    net.add("public_good", 0, 1)
    net.add("gene_transfer", 1, 1)  # within one species: ignored
    graph = net.graph()
    assert graph[0][1]["competition"] == 5.0 and graph[0][1]["public_good"] == 1.0
    assert graph[0][1]["weight"] == 6.0 and not graph.has_edge(1, 1)
    assert net.communities(seed=0) == [{0, 1, 2}, {3, 4, 5}]
    summary = net.summary()
    assert summary["nodes"] == 6 and summary["communities"] == 2
    assert summary["edges"] == {"gene_transfer": 1, "public_good": 1, "competition": 6}
    with pytest.raises(ValueError, match="unknown interaction"):
        net.add("friendship", 0, 1)


def test_the_network_round_trips_with_the_same_communities() -> None:
    net = Interactions()
    for a, b, w in [(5, 1, 2.0), (1, 2, 1.0), (7, 8, 3.0), (2, 5, 1.0)]:
        net.add("competition", a, b, w)
    back = Interactions.from_json(net.to_json())
    assert back.to_json() == net.to_json()
    assert back.communities(seed=3) == net.communities(seed=3)
    assert Interactions().communities() == []
