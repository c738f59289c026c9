"""A program with two slips, the second hidden by the first (trusted test code only): ``x`` is
bound nowhere, so the tests raise on the ``if`` (line 4) and never run ``out += x`` (line 5),
which needs ``[item]`` once ``x`` is renamed."""

from __future__ import annotations

HIDDEN = """def dedup(items):
    out = []
    for item in items:
        if x not in out:
            out += x
    return out
"""
#: Its localization: every line some test ran (the empty input returns), line 5 none.
RAN = {1: 0.5, 2: 0.5, 3: 0.5, 4: 1.0, 6: 0.0}
