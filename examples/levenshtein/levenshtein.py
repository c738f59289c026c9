"""Levenshtein edit distance between two strings."""


def distance(a: str, b: str) -> int:
    """The fewest one-character insertions, deletions and substitutions turning a into b."""
    previous = list(range(len(b) + 1))  # distances from a[:0] to every prefix of b
    for i in range(1, len(a) + 1):
        current = [i]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i] == b[j] else 1
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost))
        previous = current
    return previous[-1]


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate nearest to ``word`` (the first one on ties); None when there is none."""
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: distance(word, candidate))
