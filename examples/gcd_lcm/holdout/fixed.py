"""Greatest common divisor, least common multiple and fractions in lowest terms."""


def gcd(a: int, b: int) -> int:
    """The greatest common divisor of ``a`` and ``b`` (Euclid); gcd(0, 0) is 0."""
    while b:
        a, b = b, a % b
    return abs(a)


def lcm(a: int, b: int) -> int:
    """The least common multiple of ``a`` and ``b``; 0 when either is 0."""
    if a == 0 or b == 0:
        return 0
    return abs(a * b) // gcd(a, b)


def reduce_fraction(num: int, den: int) -> tuple[int, int]:
    """``num/den`` in lowest terms, with a positive denominator."""
    if den == 0:
        raise ZeroDivisionError("the denominator is 0")
    g = gcd(num, den)
    if den < 0:
        g = -g
    return num // g, den // g
