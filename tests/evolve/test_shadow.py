"""The shadow test in the sandbox: two plausible patches, one overfitted to the tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from petri.config import Limits, SandboxSettings
from petri.evolve.shadow import Ending, Patch, SandboxShadow, choose, departure
from petri.evolve.shadow_invariants import mine
from petri.sandbox import JudgeSpec

BUGGY = '''
def discount(total: int) -> int:
    """Orders of 100 or more get 10 off."""
    if total > 100:
        return total - 10
    return total
'''

TESTS = """
from shop import discount


def test_small():
    assert discount(50) == 50


def test_big():
    assert discount(200) == 190


def test_edge():
    assert discount(100) == 90
"""

FIXED = BUGGY.replace("total > 100", "total >= 100")
# Passes the three tests too, by moving the threshold below the edge the tests check.
OVERFITTED = BUGGY.replace("total > 100", "total > 50")
CRASHING = BUGGY.replace("    return total\n", "    return 100 // (total - 51) * 0 + total\n")


def shadow_of(root: Path, module: str, source: str, tests: str) -> SandboxShadow:
    """The shadow test of a problem written under ``root``: ``module.py`` and its tests."""
    (root / f"{module}.py").write_text(source)
    (root / "tests").mkdir()
    (root / "tests" / f"test_{module}.py").write_text(tests)
    return SandboxShadow(JudgeSpec(root, f"{module}.py", "tests"), Limits(), SandboxSettings())


@pytest.fixture(scope="module")
def shadow(tmp_path_factory: pytest.TempPathFactory) -> SandboxShadow:
    return shadow_of(tmp_path_factory.mktemp("shop"), "shop", textwrap.dedent(BUGGY), TESTS)


def test_the_patch_agreeing_with_the_original_near_passing_tests_wins(
    shadow: SandboxShadow,
) -> None:
    patches = [Patch("overfitted", OVERFITTED), Patch("fixed", FIXED)]
    tested = shadow.test(Patch("original", BUGGY), patches, "repair", seed=1)
    assert tested.chosen == "fixed"
    assert tested.recorded == 3 and tested.inputs > 0 and 0 < tested.trusted < tested.inputs
    overfitted, fixed = tested.patches
    assert fixed.departures == 0
    assert overfitted.divergences > 0
    shown = {d.input: (d.original, d.patch) for d in overfitted.differences}
    assert shown["((51,), {})"] == ("= 51", "= 41")


def test_a_patch_that_crashes_where_the_original_answered_ranks_lower(
    shadow: SandboxShadow,
) -> None:
    patches = [Patch("crashing", CRASHING), Patch("fixed", FIXED)]
    tested = shadow.test(Patch("original", BUGGY), patches, "repair", seed=1)
    assert tested.chosen == "fixed"
    crash = tested.patches[0]
    assert crash.crashes == 1 and crash.differences[0].patch == "! ZeroDivisionError"


def test_improve_mode_rejects_an_improvement_that_disagrees_anywhere(
    shadow: SandboxShadow,
) -> None:
    same = BUGGY.replace("total > 100", "100 < total")
    other = Patch("other", OVERFITTED)
    tested = shadow.test(Patch("original", BUGGY), [other], "improve", seed=1)
    assert tested.chosen == "original"
    both = [other, Patch("same", same)]
    tested = shadow.test(Patch("original", BUGGY), both, "improve", seed=1)
    assert tested.chosen == "same"
    assert tested.patches[1].departures == 0 and tested.patches[0].departures > 0


def test_a_problem_without_tests_is_not_shadow_tested(tmp_path: Path) -> None:
    spec = JudgeSpec(tmp_path, "p.py", "evaluate")
    tester = SandboxShadow(spec, Limits(), SandboxSettings())
    tested = tester.test(Patch("o", "x = 1\n"), [Patch("a", "x = 2\n")], "repair", seed=0)
    assert tested.chosen == "a" and tested.inputs == 0 and "pytest" in tested.note


def _end(row: object) -> Ending:
    return Ending.of(row, "((1,), {})")


def test_departure_follows_the_rule() -> None:
    two, two_float, three = _end(["2", "(1,)"]), _end(["2.0", "(1,)"]), _end(["3", "(1,)"])
    hang, error = _end("hang"), _end("! ValueError")
    assert departure("repair", True, two, two_float) is None  # equal values
    assert departure("repair", True, two, three) == "divergence"
    assert departure("repair", False, two, three) == "change"  # the original may be the bug
    assert departure("improve", False, two, three) == "divergence"
    assert departure("repair", False, two, error) == "crash"
    assert departure("repair", False, error, two) == "change"
    assert departure("repair", False, two, hang) == "hang"
    assert departure("improve", True, hang, two) is None  # the original says nothing there
    assert _end(["None", "([5],)"]).text == "= None, arguments became ([5],)"


def test_choose_prefers_fewest_departures_then_order() -> None:
    from petri.evolve.events import ShadowPatch

    a, b, c = ShadowPatch(id="a", hangs=1), ShadowPatch(id="b"), ShadowPatch(id="c")
    assert choose([a, b, c], "repair", "o") == "b"
    assert choose([a], "repair", "o") == "a"
    assert choose([a], "improve", "o") == "o"
    wide, narrow = ShadowPatch(id="wide", changes=9), ShadowPatch(id="narrow", changes=1)
    assert choose([wide, narrow], "repair", "o") == "narrow"
    assert choose([wide, narrow], "improve", "o") == "wide"


# A helper shared by two functions; only the bar's clamping is tested (and fails).
PROGRESS = """
def cells(done: int, total: int, width: int) -> int:
    return min(width, done * width // total)


def bar(done: int, total: int) -> str:
    n = cells(done, total, 10)
    return "#" * n + "-" * (10 - n)


def percent(done: int, total: int) -> int:
    return cells(done, total, 100)
"""

PROGRESS_TESTS = """
from progress import bar, percent


def test_empty():
    assert bar(0, 10) == "----------"


def test_part():
    assert bar(4, 10) == "####------"


def test_negative_is_empty():
    assert bar(-3, 10) == "----------"


def test_percent():
    assert percent(1, 3) == 33
"""

# Passes the tests by clamping in the tested caller only: percent still goes below 0.
AT_THE_CALLER = PROGRESS.replace('"-" * (10 - n)', '"-" * (10 - max(0, n))')
AT_THE_ROOT = PROGRESS.replace("return min(width, ", "return max(0, min(width, ").replace(
    "// total)", "// total))"
)


def test_the_patch_that_keeps_the_original_s_invariants_wins(tmp_path: Path) -> None:
    shadow = shadow_of(tmp_path, "progress", PROGRESS, PROGRESS_TESTS)
    patches = [Patch("caller", AT_THE_CALLER), Patch("root", AT_THE_ROOT)]
    tested = shadow.test(Patch("original", PROGRESS), patches, "repair", seed=1)
    caller, root = tested.patches
    assert tested.chosen == "root"
    # percent(-1, 3), next to the passing percent(1, 3), is -34 in the original: it breaks
    # ">= 0", so it is not trusted, and the root fix's 0 there is a change, not a divergence.
    assert root.departures == caller.departures == 0
    assert caller.violations > root.violations == 0
    shown = [(d.function, d.input, d.patch, d.kind, d.breaks) for d in caller.differences]
    assert ("percent", "((-1, 3), {})", "= -34", "violation", ">= 0") in shown


def test_an_input_where_the_original_breaks_an_invariant_is_not_trusted() -> None:
    from petri.evolve.shadow import distrust, weigh
    from petri.evolve.shadow_inputs import Input

    rules = mine([("f", 3), ("f", 4)])
    given = [
        Input("f", "((-1,), {})", True, "neighbour"),
        Input("f", "((5,), {})", True, "neighbour"),
    ]
    original = [_end(["-1", "(-1,)"]), _end(["5", "(5,)"])]
    patch = [_end(["0", "(-1,)"]), _end(["-5", "(5,)"])]
    inputs = distrust(given, original, rules, {})
    assert [i.trusted for i in inputs] == [False, True]
    weighed = weigh("p", "repair", inputs, original, patch, invariants=rules)
    assert (weighed.divergences, weighed.changes, weighed.violations) == (1, 1, 1)
    assert [(d.kind, d.breaks) for d in weighed.differences] == [
        ("divergence", ">= 0"),
        ("change", ""),
    ]
    assert weigh("p", "repair", given, original, patch).divergences == 2  # all trusted
    # An input every patch breaks ranks none above another: no violation there.
    shared = weigh("p", "repair", inputs, original, patch, invariants=rules, common={1})
    assert shared.violations == 0 and shared.divergences == 1


def test_choose_ranks_violations_between_departures_and_changes() -> None:
    from petri.evolve.events import ShadowPatch

    wide = ShadowPatch(id="wide", changes=9)
    breaking = ShadowPatch(id="breaking", violations=2, changes=1)
    diverging = ShadowPatch(id="diverging", divergences=1)
    assert choose([breaking, wide], "repair", "o") == "wide"
    assert choose([diverging, breaking], "repair", "o") == "breaking"


def test_choose_ranks_lines_written_between_violations_and_changes() -> None:
    from petri.evolve.events import ShadowPatch

    # A loop copied into itself (eight lines) may differ from the original on fewer inputs
    # than the one-token fix; fewer lines written comes first.
    copied = ShadowPatch(id="copied", lines=8, changes=9)
    token = ShadowPatch(id="token", lines=1, changes=15)
    assert choose([copied, token], "repair", "o") == "token"
    breaking = ShadowPatch(id="breaking", lines=1, violations=1)
    assert choose([breaking, copied], "repair", "o") == "copied"


def test_choose_ranks_tokens_written_between_lines_and_changes() -> None:
    from petri.evolve.events import ShadowPatch

    # After Euclid's loop, ``return abs(b)`` is always 0: ``abs(max(a, b))`` keeps 0 on
    # half the signs, so it changes the original on fewer inputs than the fix ``abs(a)``.
    kept = ShadowPatch(id="kept", lines=1, tokens=5, changes=72)
    fix = ShadowPatch(id="fix", lines=1, tokens=1, changes=108)
    assert choose([kept, fix], "repair", "o") == "fix"
    wider = ShadowPatch(id="wider", lines=2, tokens=1)
    assert choose([wider, kept], "repair", "o") == "kept"  # lines come first
    assert choose([ShadowPatch(id="a", tokens=1, changes=3), fix], "repair", "o") == "a"


# Euclid's loop ends with b == 0, so this gcd always answers 0; only gcd(0, 0) passes.
EUCLID = """
def gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(b)
"""

EUCLID_TESTS = """
import pytest

from euclid import gcd


@pytest.mark.parametrize(("a", "b", "expected"), [(12, 18, 6), (17, 5, 1), (0, 7, 7)])
def test_gcd(a, b, expected):
    assert gcd(a, b) == expected


def test_gcd_of_zeros():
    assert gcd(0, 0) == 0
"""


def test_a_function_that_answers_one_value_everywhere_vouches_for_nothing(
    tmp_path: Path,
) -> None:
    shadow = shadow_of(tmp_path, "euclid", EUCLID, EUCLID_TESTS)
    fixed = EUCLID.replace("abs(b)", "abs(a)")
    kept = EUCLID.replace("abs(b)", "abs(max(a, b))")  # 0 again wherever a ends negative
    patches = [Patch("kept", kept, lines=1, tokens=5), Patch("fixed", fixed, lines=1, tokens=1)]
    tested = shadow.test(Patch("original", EUCLID), patches, "repair", seed=1)
    # The original answers 0 everywhere, so its 0 near the passing gcd(0, 0) is not trusted:
    # neither patch diverges there, and the smaller edit wins.
    assert [p.departures for p in tested.patches] == [0, 0]
    assert tested.patches[0].changes < tested.patches[1].changes
    assert tested.chosen == "fixed"


def test_no_input_of_a_function_that_failed_and_answers_one_value_everywhere_is_trusted() -> None:
    from petri.evolve.shadow import MIN_CONSTANT, constants, distrust
    from petri.evolve.shadow_inputs import Input

    inputs = [Input("f", f"(({n},), {{}})", True, "neighbour") for n in range(MIN_CONSTANT)]
    zeros = [_end(["0", "(1,)"])] * (MIN_CONSTANT - 1) + [_end(["0.0", "(1,)"])]
    assert constants(zip(inputs, zeros, strict=True), {"f"}) == {"f"}  # 0 == 0.0
    assert not any(i.trusted for i in distrust(inputs, zeros, {}, {"f"}))
    assert constants(zip(inputs, zeros, strict=True), set()) == set()  # no test of it failed
    few = zip(inputs[1:], zeros[1:], strict=True)
    assert constants(few, {"f"}) == set()  # too few answers to tell
    mixed = [*zeros[:-1], _end(["False", "(1,)"])]
    assert constants(zip(inputs, mixed, strict=True), {"f"}) == set()  # False is not 0
    raising = [*zeros, _end("! ValueError")]
    more = [*inputs, Input("f", "((9,), {})", True, "neighbour")]
    assert constants(zip(more, raising, strict=True), {"f"}) == {"f"}  # where it answers
    assert distrust(inputs, zeros, {}, {"g"}) == inputs
    # An in-place sort returns None every time and answers in the list it was given.
    sorts = [Input("f", f"(([{n}, 0],), {{}})", True, "neighbour") for n in range(1, 6)]
    nones = [Ending.of(["None", f"([0, {n}],)"], i.args) for n, i in enumerate(sorts, 1)]
    assert all(e.mutated for e in nones)
    assert constants(zip(sorts, nones, strict=True), {"f"}) == set()


# Keeps k + 1 items, so it fails every test; and on an empty list its loop never runs, so it
# falls off its end and answers None.
TOP = """
def top(xs, k):
    out = []
    while xs:
        while len(out) <= k:
            out.append(max(xs))
            xs.remove(max(xs))
        return out
"""

TOP_TESTS = """
from ranks import top


def test_two():
    assert top([3, 1, 2], 2) == [3, 2]


def test_one():
    assert top([5, 4, 9, 1], 1) == [9]
"""

TOP_FIXED = TOP.replace("<= k", "< k")
GUARD = "    if not xs:\n        return []\n"
TOP_GUARDED = TOP_FIXED.replace("    out = []\n", GUARD + "    out = []\n")


def test_the_patches_answers_on_the_tests_calls_say_what_an_answer_looks_like(
    tmp_path: Path,
) -> None:
    # The original passes no test, so only the plausible patches' answers on the tests'
    # calls are vouched for: top answers a list, and the bare fix's None on [] breaks that.
    shadow = shadow_of(tmp_path, "ranks", TOP, TOP_TESTS)
    original = Patch("original", TOP)
    alone = shadow.test(original, [Patch("fixed", TOP_FIXED, lines=1, tokens=1)], "repair", seed=1)
    assert alone.chosen == "fixed" and alone.trusted == 0
    assert alone.shared > 0 and alone.patches[0].violations == 0  # every patch breaks it
    both = [Patch("fixed", TOP_FIXED, lines=1, tokens=1), Patch("guarded", TOP_GUARDED, 3, 8)]
    tested = shadow.test(original, both, "repair", seed=1)
    fixed, guarded = tested.patches
    assert tested.chosen == "guarded" and tested.shared == 0
    assert fixed.violations > guarded.violations == 0
    shown = [(d.input, d.patch, d.breaks) for d in fixed.differences if d.kind == "violation"]
    assert ("(([], 2), {})", "= None", "returns list") in shown


def test_patches_vouch_only_where_the_original_passes_no_test_and_they_all_agree() -> None:
    from petri.evolve.shadow import _answers
    from petri.evolve.shadow_inputs import Input

    vouched = [
        Input("search", "((1, (1, 2)), {})", True, "vouched"),  # a test the original passes
        Input("search", "((1, ()), {})", False, "vouched"),  # one it fails
        Input("top", "(([3, 1], 1), {})", False, "vouched"),
        Input("top", "(([], 1), {})", False, "vouched"),
    ]
    original = [_end(["0", "()"]), _end(["()", "()"]), _end(["[3, 1]", "()"]), _end("! KeyError")]
    # One patch overfits ``search(1, ()) == 0`` with False; they agree on top([3, 1], 1) only.
    patches = [
        [_end(["0", "()"]), _end(["False", "()"]), _end(["[3]", "()"]), _end(["[]", "()"])],
        [_end(["0", "()"]), _end(["0", "()"]), _end(["[3]", "()"]), _end(["None", "()"])],
    ]
    assert _answers(vouched, original, patches) == [("search", 0), ("top", [3])]
    assert _answers(vouched, original, []) == [("search", 0)]  # improve mode: the original's
