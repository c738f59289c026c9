"""A text progress bar."""


def filled_cells(done: int, total: int, width: int) -> int:
    """How many of ``width`` cells show progress; progress outside 0..total is clamped."""
    if total <= 0 or width <= 0:
        raise ValueError("total and width must be positive")
    return min(width, done * width // total)


def bar(done: int, total: int, width: int = 10) -> str:
    """``[####------]`` for 4 of 10 done."""
    cells = filled_cells(done, total, width)
    return "[" + "#" * cells + "-" * (width - cells) + "]"


def percent(done: int, total: int) -> int:
    """Progress in whole percent, from 0 to 100."""
    return filled_cells(done, total, 100)
