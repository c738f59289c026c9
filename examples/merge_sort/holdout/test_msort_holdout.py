from msort import merge_sort


def test_every_length_up_to_twenty() -> None:
    for size in range(21):
        xs = [(i * 11 + 5) % 17 - 8 for i in range(size)]
        assert merge_sort(xs) == sorted(xs)


def test_empty_is_a_new_list() -> None:
    xs: list[int] = []
    out = merge_sort(xs)
    assert out == []
    assert out is not xs


def test_single_is_a_copy() -> None:
    xs = [1]
    assert merge_sort(xs) is not xs
