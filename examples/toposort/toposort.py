"""Topological order of a dependency graph (Kahn's algorithm)."""


def topo_order(graph: dict[str, list[str]]) -> list[str]:
    """Every node, each one before the nodes it points to; ties broken alphabetically.

    ``graph`` maps a node to the nodes that must come after it. Raises ValueError on a cycle.
    """
    indegree = {node: 0 for node in graph}
    for targets in graph.values():
        for target in targets:
            indegree[target] = indegree.get(target, 0) + 1
    ready = sorted(node for node, d in indegree.items() if d == 0)
    order = []
    while ready:
        node = ready.pop(0)
        for target in graph.get(node, []):
            indegree[target] += 1
            if indegree[target] == 0:
                ready.append(target)
        ready.sort()
    if len(order) != len(indegree):
        raise ValueError("the graph has a cycle")
    return order
