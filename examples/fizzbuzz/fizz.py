"""FizzBuzz: the game children play to learn division."""


def fizzbuzz(n: int) -> str:
    """"Fizz" for multiples of 3, "Buzz" for 5, "FizzBuzz" for both, else the number."""
    if n < 1:
        raise ValueError(f"fizzbuzz counts from 1, got {n}")
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    if n % 15 == 0:
        return "FizzBuzz"
    return str(n)


def fizzbuzz_upto(n: int) -> list[str]:
    """The game from 1 to n."""
    return [fizzbuzz(i) for i in range(1, n + 1)]
