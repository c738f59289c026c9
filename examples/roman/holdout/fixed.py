"""Roman numerals, both ways."""

VALUES_DOWN = (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1)
NUMERALS = list(zip(VALUES_DOWN, "M CM D CD C XC L XL X IX V IV I".split(), strict=True))
VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(n: int) -> str:
    """``n`` (1 to 3999) in Roman numerals."""
    if not 0 < n < 4000:
        raise ValueError(f"{n} has no Roman numeral")
    out = []
    for value, symbol in NUMERALS:
        while n >= value:
            out.append(symbol)
            n -= value
    return "".join(out)


def from_roman(numeral: str) -> int:
    """The value of a Roman numeral: a symbol before a larger one is subtracted."""
    total = 0
    for i, ch in enumerate(numeral):
        value = VALUES[ch]
        if i + 1 < len(numeral) and value < VALUES[numeral[i + 1]]:
            total -= value
        else:
            total += value
    return total
