import pytest

from fizz import fizzbuzz, fizzbuzz_upto


@pytest.mark.parametrize("n", [1, 2, 7])
def test_plain_numbers(n: int) -> None:
    assert fizzbuzz(n) == str(n)


@pytest.mark.parametrize("n", [3, 9])
def test_fizz(n: int) -> None:
    assert fizzbuzz(n) == "Fizz"


@pytest.mark.parametrize("n", [5, 10])
def test_buzz(n: int) -> None:
    assert fizzbuzz(n) == "Buzz"


@pytest.mark.parametrize("n", [15, 45])
def test_fizzbuzz(n: int) -> None:
    assert fizzbuzz(n) == "FizzBuzz"


def test_first_thirty(expected: list[str]) -> None:
    assert fizzbuzz_upto(30) == expected


def test_zero_is_rejected() -> None:
    with pytest.raises(ValueError):
        fizzbuzz(0)
