from pascal import binomial, next_row, triangle


def test_no_rows() -> None:
    assert triangle(0) == []


def test_one_row() -> None:
    assert triangle(1) == [[1]]


def test_five_rows() -> None:
    assert triangle(5) == [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]]


def test_next_row() -> None:
    assert next_row([1, 2, 1]) == [1, 3, 3, 1]


def test_binomial() -> None:
    assert binomial(6, 2) == 15


def test_binomial_out_of_range() -> None:
    assert binomial(3, 5) == 0
    assert binomial(3, -1) == 0


def test_zero_choose_zero() -> None:
    assert binomial(0, 0) == 1
