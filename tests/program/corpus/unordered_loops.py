"""Loops over a set where the order of first appearance was meant, the slip ``keep_order``
repairs: rare in the corpus's other programs, which are correct."""


def numbered(names: list[str]) -> list[str]:
    lines = []
    for number, name in enumerate(set(names), 1):
        lines.append(f"{number}. {name}")
    return lines


def joined(names: list[str]) -> str:
    return ", ".join(set(names))
