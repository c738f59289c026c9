"""Amounts of money as integer cents: parsing, formatting, rounding and fair splitting."""

from __future__ import annotations

from collections.abc import Sequence

CENTS_PER_UNIT = 100


def parse_amount(text: str) -> int:
    """The cents in a decimal amount: ``"12.5"`` is 1250 and ``"-0.05"`` is -5.

    Thousands separators are allowed (``"1,250.00"``). Raises ValueError for more than two
    decimals, a missing whole part (``".5"``) or anything else that is not an amount.
    """
    cleaned = text.strip().replace(",", "")
    negative = cleaned.startswith("-")
    if negative:
        cleaned = cleaned[1:]
    units, _, fraction = cleaned.partition(".")
    if not units.isdigit() or len(fraction) > 2 or (fraction and not fraction.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    cents = int(units) * CENTS_PER_UNIT + int(fraction.ljust(2, "0"))
    return -cents if negative else cents


def format_amount(cents: int, currency: str = "") -> str:
    """``123456`` as ``"1,234.56"``, after a currency code when one is given."""
    units, rest = divmod(abs(cents), CENTS_PER_UNIT)
    sign = "-" if cents < 0 else ""
    text = f"{sign}{units:,}.{rest:02d}"
    return f"{currency} {text}" if currency else text


def divide_rounded(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves away from zero.

    ``denominator`` must be positive.
    """
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def allocate(cents: int, weights: Sequence[int]) -> list[int]:
    """Split ``cents`` in proportion to ``weights`` so that the parts add up to ``cents``.

    Every part is first rounded down; the cents left over then go one each to the parts that
    lost the most to rounding, the earlier part first on a tie. Raises ValueError unless the
    weights are non-negative with a positive sum.
    """
    if any(weight < 0 for weight in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    total = sum(weights)
    parts = [cents * weight // total for weight in weights]
    losses = [cents * weight % total for weight in weights]
    left = cents - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-losses[i], i))
    for i in order[:left]:
        parts[i] += 1
    return parts
