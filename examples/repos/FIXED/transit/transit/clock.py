"""Times of the service day as minutes after midnight.

Hours may pass 23: a trip that leaves at 23:50 and arrives ten minutes after midnight arrives
at ``"24:00"`` of the same service day.
"""

from __future__ import annotations

MINUTES_PER_HOUR = 60


def parse_time(text: str) -> int:
    """``"07:45"`` as 465 minutes. Raises ValueError for anything but ``H:MM`` or ``HH:MM``."""
    hours, separator, minutes = text.strip().partition(":")
    if not separator or not hours.isdigit() or len(minutes) != 2 or not minutes.isdigit():
        raise ValueError(f"not a time: {text!r}")
    if int(minutes) >= MINUTES_PER_HOUR:
        raise ValueError(f"not a time: {text!r}")
    return int(hours) * MINUTES_PER_HOUR + int(minutes)


def format_time(minutes: int) -> str:
    """465 as ``"07:45"``; 1443 as ``"24:03"``."""
    hours, rest = divmod(minutes, MINUTES_PER_HOUR)
    return f"{hours:02d}:{rest:02d}"


def format_duration(minutes: int) -> str:
    """A duration as ``"45 min"``, ``"2 h"`` or ``"1 h 05 min"``."""
    hours, rest = divmod(minutes, MINUTES_PER_HOUR)
    if not hours:
        return f"{rest} min"
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest:02d} min"
