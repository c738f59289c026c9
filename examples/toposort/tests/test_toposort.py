import pytest

from toposort import topo_order


def test_empty_graph() -> None:
    assert topo_order({}) == []


def test_isolated_nodes_in_alphabetical_order() -> None:
    assert topo_order({"b": [], "a": []}) == ["a", "b"]


def test_chain() -> None:
    assert topo_order({"a": ["b"], "b": ["c"]}) == ["a", "b", "c"]


def test_diamond() -> None:
    graph = {"shop": ["cook"], "wake": ["shop", "wash"], "wash": ["cook"]}
    assert topo_order(graph) == ["wake", "shop", "wash", "cook"]


def test_cycle_is_rejected() -> None:
    with pytest.raises(ValueError):
        topo_order({"a": ["b"], "b": ["a"]})


def test_self_loop_is_rejected() -> None:
    with pytest.raises(ValueError):
        topo_order({"a": ["a"]})
