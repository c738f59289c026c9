"""Loops that end by what their bodies do to a container, not by a counter: while loops whose
condition reads names the body never assigns (rare in the corpus's other programs)."""

from collections import deque


def drain(queue: deque[int]) -> int:
    total = 0
    while queue:
        total += queue.popleft()
    return total


def walk(stack: list[tuple[str, list[str]]]) -> list[str]:
    seen = []
    while stack:
        name, children = stack.pop()
        seen.append(name)
        stack.extend((child, []) for child in children)
    return seen
