from kadane import max_subarray


def _brute_force(xs: list[int]) -> int:
    return max(sum(xs[i:j]) for i in range(len(xs)) for j in range(i + 1, len(xs) + 1))


def test_matches_brute_force() -> None:
    for seed in range(1, 40):
        xs = [(seed * k * 37) % 19 - 9 for k in range(1, seed % 11 + 2)]
        assert max_subarray(xs) == _brute_force(xs)


def test_zeros() -> None:
    assert max_subarray([0, 0, 0]) == 0


def test_best_at_the_end() -> None:
    assert max_subarray([-1, -1, 2, 3]) == 5
