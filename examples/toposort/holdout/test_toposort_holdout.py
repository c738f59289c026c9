import pytest

from toposort import topo_order


def test_every_edge_points_forward() -> None:
    graph = {"a": ["d", "e"], "b": ["d"], "c": ["e"], "d": ["f"], "e": ["f"], "f": []}
    order = topo_order(graph)
    assert sorted(order) == sorted(graph)
    for node, targets in graph.items():
        for target in targets:
            assert order.index(node) < order.index(target)


def test_targets_missing_as_keys_are_included() -> None:
    assert topo_order({"x": ["y"]}) == ["x", "y"]


def test_cycle_behind_a_root_is_rejected() -> None:
    with pytest.raises(ValueError):
        topo_order({"root": ["a"], "a": ["b"], "b": ["a"]})


def test_ready_nodes_are_taken_alphabetically() -> None:
    assert topo_order({"z": ["m"], "a": ["m"], "m": []}) == ["a", "z", "m"]
