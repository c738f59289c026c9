from dedupe import dedupe


def test_all_the_same() -> None:
    assert dedupe([7] * 10) == [7]


def test_unhashable_items_with_a_key() -> None:
    rows = [{"id": 1}, {"id": 2}, {"id": 1, "late": True}]
    assert dedupe(rows, key=lambda row: row["id"]) == [{"id": 1}, {"id": 2}]


def test_none_is_an_item() -> None:
    assert dedupe([None, 0, None, False]) == [None, 0]


def test_generator_is_read_once() -> None:
    assert dedupe(x % 3 for x in range(10)) == [0, 1, 2]
