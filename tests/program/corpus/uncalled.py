"""Functions named where their result was meant (``for day in days:`` for ``days(month,
people)``), the slip ``call_add`` repairs: rare in the corpus's other programs, which are
correct."""

# mypy: ignore-errors
# ruff: noqa: B007, SIM110


def days(month: str, birthdays: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(day for name, day in birthdays if name == month)


def count(day: str, birthdays: tuple[tuple[str, str], ...]) -> int:
    return sum(1 for _, other in birthdays if other == day)


def has_unique_day(month: str, birthdays: tuple[tuple[str, str], ...]) -> bool:
    for day in days:
        if count == 1:
            return True
    return False


def unique_days(month: str, birthdays: tuple[tuple[str, str], ...]) -> list[str]:
    return [day for day in days if count(day, birthdays) == 1]


def busiest(birthdays: tuple[tuple[str, str], ...]) -> int:
    return max(count, len(birthdays))


def total(month: str, birthdays: tuple[tuple[str, str], ...]) -> int:
    found = days
    return len(found) + len(days)
