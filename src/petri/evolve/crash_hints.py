"""Crash hints: the operators that the errors of a program's failing tests point at.

Python's error messages name the slip more often than not: ``'int' object is not
subscriptable`` is an index where a value was meant, ``can only concatenate list (not "int")``
a value where a list was meant, ``'NoneType' object ...`` the ``None`` of an in-place method.
The breeder thins the rarer operators (``breed.OPERATOR_MIX``: they apply at almost every value
and would crowd out the common one-token repairs); a child mutated from a parent whose tests
crashed with such an error draws the operators that fix it at their full turn. Nothing is added
to the search, only its draws are weighted, so a hint that is wrong costs a few draws. An
operator the mix does not thin (``name_replace``, ``guard_add``, ...) is named for what it
fixes and draws as it always does.

One error says where, too: ``NameError: name 'new' is not defined`` names what the program
reads and cannot find (``named_of``). A child of a parent that crashed so, on a name the
original reads bound nowhere, draws half its new edits at a read of it (``breed.NAMED_RATE``,
``operators.at_named``): after ``len(lst) < k`` became ``len(list) < k`` in a ``top_k`` that
appends to a ``new`` bound nowhere, the loop runs and raises on ``new``, the one read a second
edit must change. A name the original binds was unbound by the child's own edits (a deleted
assignment), and an ``AttributeError`` most often by a name changed into another object's:
focusing there undid those edits and cost repairs.

And every crash says where: the line of the program that raised it (``TestResult.line``).
Fault localization ranks the lines by which tests ran them in the original; a line the
original's tests never reached (after a ``NameError`` on the line before it) has only the
floor weight, however often a child's tests crash there. A child of a parent whose tests crash
on such a line draws half its new edits on it (``breed.CRASHED_RATE``), and selection keeps a
share of such programs (``select.REACHING_SHARE``): once ``x`` bound nowhere is renamed at both
its reads in a ``remove_extras``, ``result += ele`` passes no more tests than the original and
raises ``'int' object is not iterable`` on the line the original never ran, where ``[ele]`` is
the fix.
The parent's lines are read as the original's (``original_lines``): its edits may have added
or removed lines before them.

The hints are read from each evaluation and kept in its record (``events.Record.hints``,
``named`` and ``crashed``), so a resumed run breeds with the same weights.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from petri.sandbox.outcome import Evaluation, TestOutcome

#: An error message (``Type: text``, as the judge reports a crash) and the operators that fix
#: the slips that raise it.
HINTS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(pattern), frozenset(ops))
    for pattern, ops in (
        # pair[1] where pair was meant, or a name for another
        (r"^TypeError: '\w+' object is not subscriptable", {"index_drop", "name_replace"}),
        # for x in n where range(n) or [n] was meant
        (r"^TypeError: '\w+' object is not iterable", {"call_wrap", "box", "index_drop"}),
        # xs + x where xs + [x] was meant, or a value where its item was
        (
            r"^TypeError: (can only concatenate|unsupported operand type)",
            {"box", "call_wrap", "unwrap", "index_add", "index_drop"},
        ),
        # for x in days: where days(month, birthdays) was meant
        (r"^TypeError: '(function|method)' object is not", {"call_add"}),
        # xs = xs.sort(), out.append(xs.remove(m)), a function that falls off its end
        (r"'NoneType'", {"inplace_result", "inplace_copy", "return_add"}),
        (r"^AttributeError: ", {"attr_replace", "inplace_result"}),
        # xs[0] on an empty list, or one past the end
        (
            r"^IndexError: .* out of range",
            {"index_shift", "subscript_change", "cond_narrow", "guard_add"},
        ),
        # len(a, b), or a function of two called with one
        (r"^TypeError: .*(takes .*argument|missing \d+ required)", {"arg_add", "arg_drop"}),
        (r"^UnboundLocalError: ", {"stmt_new", "target_replace"}),
        (r"^ZeroDivisionError: ", {"cond_narrow", "const_replace", "guard_add"}),
    )
)
#: The error that names what the program read and could not find: a name bound nowhere.
NAMED = re.compile(r"^NameError: name '(\w+)' is not defined")
#: Test outcomes whose message is a crash of the program (a failed assertion is not one).
_CRASHED = frozenset({TestOutcome.FAILED, TestOutcome.ERROR})


def hinted_operators(messages: Iterable[str]) -> tuple[str, ...]:
    """The operators the errors in ``messages`` point at, in name order (empty when none does:
    a failed assertion, a timeout or an error no hint knows)."""
    ops: set[str] = set()
    for message in messages:
        for pattern, fixes in HINTS:
            if pattern.search(message):
                ops |= fixes
    return tuple(sorted(ops))


def hints_of(evaluation: Evaluation) -> tuple[str, ...]:
    """The operators the crashes of ``evaluation``'s failing tests point at."""
    return hinted_operators(t.message for t in evaluation.tests if t.outcome in _CRASHED)


def named_of(evaluation: Evaluation) -> tuple[str, ...]:
    """What the crashes of ``evaluation``'s failing tests name as missing (``NAMED``), sorted."""
    found = (NAMED.search(t.message) for t in evaluation.tests if t.outcome in _CRASHED)
    return tuple(sorted({match.group(1) for match in found if match}))


def crash_lines(evaluation: Evaluation) -> tuple[int, ...]:
    """The program's lines where ``evaluation``'s failing tests crashed, sorted."""
    return tuple(sorted({t.line for t in evaluation.tests if t.outcome in _CRASHED and t.line > 0}))


def original_lines(original: str, source: str, lines: Iterable[int]) -> tuple[int, ...]:
    """``lines`` of ``source`` (1-based) as the lines of ``original`` they were edited from,
    sorted: a line in a run both share, or in a changed run of as many lines on each side; a
    line ``source`` added has none."""
    wanted = set(lines)
    if not wanted or source == original:
        return tuple(sorted(wanted))
    old, new = original.splitlines(), source.splitlines()
    found: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            found.update(i1 + (j - j1) + 1 for j in range(j1, j2) if j + 1 in wanted)
    return tuple(sorted(found))


def hinted_mix(mix: Mapping[str, float], hints: Iterable[str]) -> dict[str, float]:
    """``mix`` with each hinted operator at full weight (1.0, or the mix's largest weight when
    that is more); the operators it does not thin stay as they are."""
    top = max([1.0, *mix.values()])
    return {**mix, **{op: top for op in hints}}
