"""The repository layout: one editable module of a package, the rest of the repository real.

One src-layout repository exercises what placeholders could not stand in for: a class of the
editable module subclassed elsewhere, a re-export in the package's ``__init__``, a constant
computed at import from the editable module's, a decorator registry, conftest fixtures, data
files found through ``__file__``, a test class and parametrized values. One warm pool serves
the module; its verdict on the original is checked against a fresh ``python -m pytest``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from inprocess import InProcessWorker

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError
from petri.sandbox import Evaluation, JudgeSpec, Status, TestOutcome, WorkerPool

ProblemWriter = Callable[..., Path]

CART = '''\
"""The editable module: shop.cart."""

import json
from pathlib import Path

RATE = 2
REGISTRY = {}


def register(name):
    def add(fn):
        REGISTRY[name.upper()] = fn
        return fn

    return add


class Cart:
    def __init__(self):
        self.items = []

    def add(self, price):
        self.items.append(price)
        return self

    def total(self):
        return sum(self.items[1:])


def total(prices):
    return sum(prices) + 1


def discount(price):
    return price - 1


def rates():
    return json.loads((Path(__file__).parent / "rates.json").read_text())
'''

FIXES = {  # each fix makes the original correct in one place
    "register": ("REGISTRY[name.upper()] = fn", "REGISTRY[name] = fn"),
    "cart_total": ("sum(self.items[1:])", "sum(self.items)"),
    "total": ("sum(prices) + 1", "sum(prices)"),
    "discount": ("price - 1", "price * 9 // 10"),
    "rate": ("RATE = 2", "RATE = 3"),
}


def fixed(*names: str) -> str:
    source = CART
    for name in names or tuple(FIXES):
        old, new = FIXES[name]
        source = source.replace(old, new)
    return source


FIXED = fixed()

REPOSITORY = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["src"]
    """,
    "src/shop/__init__.py": """
        from shop.cart import Cart, total
        from shop import plugins

        __all__ = ["Cart", "total", "plugins"]
    """,
    "src/shop/cart.py": CART,
    "src/shop/rates.json": '{"eu": 20}',
    "src/shop/special.py": """
        from shop.cart import RATE, Cart

        DOUBLE_RATE = RATE * 2


        class BulkCart(Cart):
            def bulk_total(self):
                return self.total() * 10
    """,
    "src/shop/plugins.py": """
        from shop.cart import register


        @register("half")
        def half(x):
            return x / 2
    """,
    "src/shop/util.py": """
        def clamp(x, low, high):
            return max(low, min(x, high))
    """,
    "tests/conftest.py": """
        import pytest

        from shop.cart import Cart


        @pytest.fixture
        def cart():
            return Cart().add(1).add(2)
    """,
    "tests/data/prices.json": "[1, 2, 3]",
    "tests/test_star.py": """
        from shop.cart import *


        def test_star_import():
            assert total([1]) == 1
            assert Path(".").name == ""  # what the module imported comes along
    """,
    "tests/test_shop.py": """
        import inspect
        import json
        from pathlib import Path

        import pytest

        import shop.cart as cart_module
        from shop import total
        from shop.cart import RATE, REGISTRY, discount, rates
        from shop.special import DOUBLE_RATE, BulkCart
        from shop.util import clamp

        PRICES = json.loads((Path(__file__).parent / "data" / "prices.json").read_text())


        def test_total_of_data_file():
            assert total(PRICES) == 6


        def test_total_empty():
            assert total([]) == 0


        def test_discount():
            assert discount(100) == 90


        def test_subclass_sees_the_fixed_method():
            assert BulkCart().add(1).add(2).bulk_total() == 30


        def test_constant_computed_at_import():
            assert DOUBLE_RATE == 6


        def test_constant_imported_by_name():
            assert RATE == 3


        def test_registry():
            assert REGISTRY["half"](4) == 2


        def test_rates_next_to_the_module():
            assert rates() == {"eu": 20}


        def test_untouched_module():
            assert clamp(5, 0, 3) == 3


        def test_source_of_the_candidate():
            print(inspect.getsource(total))


        @pytest.mark.parametrize(
            ("fn", "arg", "expected"),
            [(cart_module.total, [2, 2], 4), (cart_module.discount, 50, 45)],
        )
        def test_parametrized_functions(fn, arg, expected):
            assert fn(arg) == expected


        class TestCart:
            def test_fixture_cart(self, cart):
                assert cart.total() == 3

            def test_isinstance(self, cart):
                assert isinstance(cart, cart_module.Cart)
    """,
}

PREFIX = "tests/test_shop.py::"
FAILING_ORIGINALLY = {  # test -> the fix that makes it pass
    "test_total_of_data_file": "total",
    "test_total_empty": "total",
    "test_discount": "discount",
    "test_subclass_sees_the_fixed_method": "cart_total",
    "test_constant_computed_at_import": "rate",
    "test_constant_imported_by_name": "rate",
    "test_registry": "register",
    "test_parametrized_functions[total-arg0-4]": "total",
    "test_parametrized_functions[discount-50-45]": "discount",
    "TestCart::test_fixture_cart": "cart_total",
    "tests/test_star.py::test_star_import": "total",
}
SOURCES = tuple(rel for rel in REPOSITORY if rel.startswith("src/") and rel.endswith(".py"))


@pytest.fixture(scope="module")
def repository(write_problem: ProblemWriter) -> Path:
    return write_problem(REPOSITORY, name="shop")


@pytest.fixture(scope="module")
def spec(repository: Path) -> JudgeSpec:
    return JudgeSpec(
        repository,
        "src/shop/cart.py",
        "tests",
        module_name="shop.cart",
        layout="repository",
        paths=("src",),
        sources=SOURCES,
    )


@pytest.fixture(scope="module")
def pool(spec: JudgeSpec) -> Iterator[WorkerPool]:
    limits = Limits(test_timeout_s=1.0, wall_time_s=30.0)
    with WorkerPool(spec, limits, SandboxSettings(workers=1)) as pool:
        yield pool


@pytest.fixture(scope="module")
def original(pool: WorkerPool) -> Evaluation:
    return pool.evaluate(CART)


def outcomes(evaluation: Evaluation) -> dict[str, str]:
    return {t.name.removeprefix(PREFIX): t.outcome.value for t in evaluation.tests}


# A pytest plugin for a fresh run: each test's outcome folded as the sandbox folds it.
PROBE = """
import json, os

OUTCOMES = {}


def pytest_runtest_logreport(report):
    now = OUTCOMES.setdefault(report.nodeid, "passed")
    if report.when == "call" and report.failed:
        new = "failed"
    elif report.failed:
        new = "error"
    elif report.skipped and (report.when == "call" or report.when == "setup"):
        new = "skipped"
    else:
        return
    if now in ("passed", "skipped"):
        OUTCOMES[report.nodeid] = new


def pytest_sessionfinish(session):
    with open(os.environ["PETRI_PROBE_OUT"], "w") as fh:
        json.dump(OUTCOMES, fh)
"""


def fresh_pytest(root: Path, probe_dir: Path, **env_vars: str) -> dict[str, str]:
    """Outcome per node id of ``python -m pytest`` run in ``root``, as a user would run it."""
    probe_dir.mkdir(exist_ok=True)
    (probe_dir / "petri_probe.py").write_text(PROBE)
    out = probe_dir / "outcomes.json"
    env = {**os.environ, "PYTHONPATH": str(probe_dir), "PETRI_PROBE_OUT": str(out), **env_vars}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "petri_probe"],
        cwd=root,
        env=env,
        capture_output=True,
        check=False,
        timeout=120,
    )
    found: dict[str, str] = json.loads(out.read_text())
    return found


def test_the_original_is_judged_as_a_fresh_pytest_judges_it(
    original: Evaluation, pool: WorkerPool, repository: Path, tmp_path: Path
) -> None:
    fresh = fresh_pytest(repository, tmp_path / "probe")
    assert {t.name: t.outcome.value for t in original.tests} == fresh
    assert list(pool.units) == list(fresh)  # node ids, in collection order
    assert {k for k, v in outcomes(original).items() if v != "passed"} == set(FAILING_ORIGINALLY)
    assert original.status is Status.FAILED


def test_failures_are_the_same_without_their_details(
    original: Evaluation, pool: WorkerPool
) -> None:
    brief = pool.evaluate(CART, failure_details=False)
    assert outcomes(brief) == outcomes(original)
    failed = [t for t in original.tests if t.outcome.value == "failed"]
    assert failed and all(t.details for t in failed)
    assert not any(t.details for t in brief.tests)


def test_the_fixed_module_passes_everything(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(FIXED)
    assert evaluation.status is Status.OK, evaluation.tests
    assert evaluation.passed == len(pool.units)


@pytest.mark.parametrize("fix", sorted(FIXES))
def test_each_fix_is_seen_where_the_repository_uses_it(pool: WorkerPool, fix: str) -> None:
    """Through a subclass, a re-export, a recomputed constant, a re-registered decorator, a
    conftest fixture and parametrized values: each fix turns exactly its tests green."""
    result = outcomes(pool.evaluate(fixed(fix)))
    turned = {name for name, wanted in FAILING_ORIGINALLY.items() if wanted == fix}
    assert {name for name in turned if result[name] == "passed"} == turned
    still = set(FAILING_ORIGINALLY) - turned
    assert {name for name in still if result[name] != "passed"} == still


def test_the_module_keeps_its_real_path(pool: WorkerPool) -> None:
    marked = FIXED.replace("def total(prices):", "def total(prices):  # the candidate's own")
    evaluation = pool.evaluate(marked)
    assert evaluation.status is Status.OK
    assert "the candidate's own" in evaluation.output  # inspect reads the candidate, not disk
    outcome = outcomes(evaluation)["test_rates_next_to_the_module"]
    assert outcome == "passed"  # Path(__file__).parent is the repository's folder


def test_a_name_the_tests_import_that_the_candidate_deletes_fails_only_its_tests(
    pool: WorkerPool,
) -> None:
    without = FIXED.replace("def discount(price):\n    return price * 9 // 10\n", "")
    assert "def discount" not in without
    evaluation = pool.evaluate(without)
    result = {t.name.removeprefix(PREFIX): t for t in evaluation.tests}
    assert evaluation.status is Status.FAILED
    assert set(result) == {name.removeprefix(PREFIX) for name in pool.units}
    assert result["test_discount"].outcome is TestOutcome.FAILED
    assert "discount" in result["test_discount"].message
    assert result["test_parametrized_functions[discount-50-45]"].outcome is TestOutcome.FAILED
    passing = {name for name, t in result.items() if t.outcome is TestOutcome.PASSED}
    assert passing == set(result) - {"test_discount", "test_parametrized_functions[discount-50-45]"}


def test_a_candidate_raising_at_import_passes_nothing(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(FIXED + "\nraise ValueError('refuses to load')\n")
    assert evaluation.status is Status.FAILED
    assert "the program failed to import" in evaluation.message
    assert "refuses to load" in evaluation.message
    assert evaluation.message.endswith(f"(line {FIXED.count(chr(10)) + 2})")  # the program's
    assert evaluation.passed == 0
    assert all(t.outcome is TestOutcome.ERROR for t in evaluation.tests)
    assert pool.evaluate(FIXED).status is Status.OK  # nothing of it stays in the worker


def test_a_dependent_failing_on_the_candidate_is_an_import_error(pool: WorkerPool) -> None:
    # special.py imports RATE: as in a fresh run, the package then fails to import.
    evaluation = pool.evaluate(FIXED.replace("RATE = 3", "RAT = 3"))
    assert evaluation.status is Status.FAILED
    assert "cannot import name 'RATE'" in evaluation.message
    assert "shop/special.py)" in evaluation.message  # the line named is the importer's
    assert evaluation.passed == 0


def test_a_test_that_loops_forever_times_out_and_the_rest_run(pool: WorkerPool) -> None:
    looping = FIXED.replace(
        "def total(prices):\n", "def total(prices):\n    while not prices:\n        pass\n"
    )
    evaluation = pool.evaluate(looping)
    result = outcomes(evaluation)
    assert evaluation.status is Status.TIMEOUT
    assert result["test_total_empty"] == "timeout"
    assert {k for k, v in result.items() if v != "passed"} == {"test_total_empty"}


def test_a_selection_runs_only_the_named_tests(pool: WorkerPool) -> None:
    chosen = [PREFIX + "TestCart::test_isinstance", PREFIX + "test_discount"]
    evaluation = pool.evaluate(CART, select=[*chosen, "tests/test_nowhere.py::test_x"])
    assert [t.name for t in evaluation.tests] == sorted(chosen, key=pool.units.index)
    assert outcomes(evaluation) == {
        "test_discount": "failed",
        "TestCart::test_isinstance": "passed",
    }
    assert evaluation.status is Status.FAILED
    with pytest.raises(ValueError, match="none of"):
        pool.evaluate(CART, select=["tests/test_nowhere.py::test_x"])


def cart_lines(*needles: str) -> set[int]:
    return {n for n, line in enumerate(CART.splitlines(), 1) if any(s in line for s in needles)}


def test_coverage_per_file_and_per_test(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(CART, file_coverage=True, coverage=True)
    files = evaluation.file_coverage
    assert set(files) == set(pool.units)
    empty = files[PREFIX + "test_total_empty"]  # fails: the buggy function's lines are there
    assert set(empty) == {"src/shop/cart.py"}
    assert cart_lines("return sum(prices) + 1") <= set(empty["src/shop/cart.py"])
    bulk = files[PREFIX + "test_subclass_sees_the_fixed_method"]
    assert set(bulk) == {"src/shop/cart.py", "src/shop/special.py"}
    assert cart_lines("sum(self.items[1:])") <= set(bulk["src/shop/cart.py"])
    assert set(files[PREFIX + "test_untouched_module"]) == {"src/shop/util.py"}
    # The program's own lines (coverage=True) are its file's share, at its real path.
    assert evaluation.coverage[PREFIX + "test_total_empty"] == empty["src/shop/cart.py"]
    data = evaluation.to_dict()
    assert data["file_coverage"][PREFIX + "test_total_empty"]["src/shop/cart.py"]
    assert "file_coverage" not in pool.evaluate(CART).to_dict()


FORGE_FILES = """\
import petri.sandbox.child as _child

_real_encode = _child.encode


def _forged_encode(message):
    if message.get("ev") == "result":
        message["files"] = {"src/shop/cart.py": [10**6, 3, "4", 1], "/etc/passwd": [1]}
    return _real_encode(message)


_child.encode = _forged_encode
"""


def test_forged_file_lines_keep_only_known_files_and_lines(pool: WorkerPool) -> None:
    evaluation = pool.evaluate(FORGE_FILES + FIXED, file_coverage=True)
    assert evaluation.status is Status.OK  # forging its own lines is not a violation
    assert set(evaluation.file_coverage) == set(pool.units)
    for files in evaluation.file_coverage.values():
        assert files == {"src/shop/cart.py": (1, 3)}


@pytest.mark.slow
def test_cost_against_a_fresh_pytest(
    pool: WorkerPool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Printed, not asserted: a candidate in the warm pool against a fresh ``python -m
    pytest`` per candidate (plugin autoload off, as in the worker: the cheaper baseline)."""
    rounds = 24
    start = time.perf_counter()
    for _ in range(rounds):
        assert pool.evaluate(FIXED).status is Status.OK
    pooled = (time.perf_counter() - start) / rounds
    copy = tmp_path / "copy"
    for rel, content in REPOSITORY.items():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_text(textwrap.dedent(content))
    (copy / "src/shop/cart.py").write_text(FIXED)
    start = time.perf_counter()
    for _ in range(rounds // 2):
        lean = fresh_pytest(copy, tmp_path / "probe", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        assert set(lean.values()) == {"passed"}
    fresh = (time.perf_counter() - start) / (rounds // 2)
    with capsys.disabled():
        print(
            f"\nrepository layout ({pool.jail}): {pooled * 1000:.1f} ms per candidate, "
            f"fresh python -m pytest: {fresh * 1000:.1f} ms, ratio {fresh / pooled:.1f}x"
        )


# -- a flat package, and a package's __init__ as the editable file -------------------------------

FLAT = {
    "calc/__init__.py": "from calc.ops import add\n\nVERSION = '1'\n",
    "calc/ops.py": "def add(a, b):\n    return a - b\n",
    "tests/test_calc.py": """
        import calc
        from calc import add, VERSION
        from calc.ops import add as ops_add


        def test_add():
            assert add(2, 3) == 5


        def test_ops_add():
            assert ops_add(2, 3) == 5


        def test_version():
            assert VERSION == "2"


        def test_submodule_kept():
            assert calc.ops.add is ops_add
    """,
}


@pytest.fixture(scope="module")
def flat(write_problem: ProblemWriter) -> Path:
    return write_problem(FLAT, name="flat")


def test_a_flat_package_module(flat: Path, tmp_path: Path) -> None:
    spec = JudgeSpec(flat, "calc/ops.py", "tests", module_name="calc.ops", layout="repository")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        original = pool.evaluate((flat / "calc/ops.py").read_text())
        fixed_add = pool.evaluate("def add(a, b):\n    return a + b\n")
    names = {t.name: t.outcome.value for t in original.tests}
    assert names == fresh_pytest(flat, tmp_path / "probe")
    assert {t.name.split("::")[1]: t.outcome.value for t in fixed_add.tests} == {
        "test_add": "passed",  # through the re-export in calc/__init__.py
        "test_ops_add": "passed",
        "test_version": "failed",
        "test_submodule_kept": "passed",
    }


def test_a_package_init_as_the_editable_file(flat: Path) -> None:
    spec = JudgeSpec(flat, "calc/__init__.py", "tests", module_name="calc", layout="repository")
    candidate = "from calc.ops import add\n\nVERSION = '2'\n"
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        evaluation = pool.evaluate(candidate)
    assert {t.name.split("::")[1]: t.outcome.value for t in evaluation.tests} == {
        "test_add": "failed",  # ops.add is still the original's
        "test_ops_add": "failed",
        "test_version": "passed",
        "test_submodule_kept": "passed",  # calc.ops survives the candidate of calc/__init__
    }


# -- the spec travels as JSON ------------------------------------------------------------------


def test_the_spec_round_trips_through_json(spec: JudgeSpec) -> None:
    data = json.loads(json.dumps(spec.to_json()))
    assert data["root"] == str(spec.root)
    assert JudgeSpec.from_json(data) == spec
    plain = JudgeSpec(spec.root, "prog.py", "tests")
    assert JudgeSpec.from_json(plain.to_json()) == plain
    assert plain.module == "prog" and spec.module == "shop.cart"
    minimal = {"root": "/x", "program": "prog.py", "kind": "evaluate"}
    assert JudgeSpec.from_json(minimal) == JudgeSpec(Path("/x"), "prog.py", "evaluate")


@pytest.mark.parametrize(
    "field", [{"program": "../prog.py"}, {"tests": ("/abs",)}, {"paths": ("-p",)}, {"tests": ()}]
)
def test_a_spec_naming_paths_outside_the_problem_is_refused(field: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        JudgeSpec(**{"root": Path("/x"), "program": "prog.py", "kind": "tests", **field})  # type: ignore[arg-type]


# -- the same worker code, run in a plain fork of this process (so that it is measured) --------


def in_process(root: Path, tmp: Path, requests: list[dict[str, object]]) -> list[dict[str, Any]]:
    """Replies of ``harness.main`` run in a fork of this process, without a jail."""
    tmp.mkdir()
    worker = InProcessWorker(
        {
            "root": str(root), "program": "src/shop/cart.py", "module": "shop.cart",
            "kind": "tests", "limits": Limits(test_timeout_s=5).model_dump(), "uid": None,
            "tmp_dir": str(tmp), "whole_namespace": False, "layout": "repository",
            "tests": ["tests"], "paths": ["src"], "sources": list(SOURCES),
        }
    )  # fmt: skip
    try:
        return [
            worker.ready,
            *(worker.request({"op": "eval", "nonce": "n", **r}) for r in requests),
        ]
    finally:
        worker.close()


def test_an_in_process_repository_worker(repository: Path, tmp_path: Path) -> None:
    chosen = [PREFIX + "test_subclass_sees_the_fixed_method", PREFIX + "test_registry"]
    ready, original, fixed_one, selected = in_process(
        repository,
        tmp_path / "tmp",
        [
            {"source": CART, "file_coverage": True},
            {"source": fixed("cart_total")},
            {"source": FIXED, "select": [*chosen, "nowhere"]},
        ],
    )
    assert ready["collect_errors"] == []
    assert len(ready["units"]) == 15
    assert {t["name"] for t in original["tests"] if t["outcome"] != "passed"} == {
        name if name.startswith("tests/") else PREFIX + name for name in FAILING_ORIGINALLY
    }
    bulk = next(t for t in original["tests"] if t["name"] == chosen[0])
    assert set(bulk["files"]) == {"src/shop/cart.py", "src/shop/special.py"}
    assert {t["name"]: t["outcome"] for t in fixed_one["tests"]}[chosen[0]] == "passed"
    assert [(t["name"], t["outcome"]) for t in selected["tests"]] == [
        (name, "passed") for name in chosen
    ]


def test_an_editable_module_the_tests_import_lazily(write_problem: ProblemWriter) -> None:
    """Imported only inside the tests, and broken at import in the original: the pool still
    starts, and each candidate decides whether it imports."""
    root = write_problem(
        {
            "lazy/__init__.py": "",
            "lazy/mod.py": "raise RuntimeError('the original is broken')\n",
            "tests/test_lazy.py": (
                "def test_f():\n    from lazy.mod import f\n\n    assert f() == 1\n"
            ),
        },
        name="lazy",
    )
    spec = JudgeSpec(root, "lazy/mod.py", "tests", module_name="lazy.mod", layout="repository")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        original = pool.evaluate((root / "lazy/mod.py").read_text())
        repaired = pool.evaluate("def f():\n    return 1\n")
    assert original.status is Status.FAILED
    assert "the original is broken" in original.message
    assert repaired.status is Status.OK


def test_an_editable_module_that_does_not_exist_is_a_judge_error(
    write_problem: ProblemWriter,
) -> None:
    root = write_problem({"tests/test_x.py": "def test_x():\n    pass\n"}, name="nomodule")
    spec = JudgeSpec(root, "gone/mod.py", "tests", module_name="gone.mod", layout="repository")
    with pytest.raises(JudgeError, match=r"cannot import gone\.mod"):
        WorkerPool(spec, Limits(), SandboxSettings(workers=1)).start()


STRICT_REGISTRY = {
    "reg/__init__.py": "",
    "reg/plugins.py": """
        REGISTRY = {}


        def register(cls):
            if cls.name in REGISTRY:
                raise ValueError(f"{cls.name} is registered already")
            REGISTRY[cls.name] = cls
            return cls
    """,
    "reg/shapes.py": """
        from reg.plugins import register


        @register
        class Square:
            name = "square"

            def area(self, side):
                return side * side + 1
    """,
    "reg/lookup.py": """
        from reg.plugins import REGISTRY


        def area(name, side):
            return REGISTRY[name]().area(side)
    """,
    "tests/test_shapes.py": """
        from reg import shapes
        from reg.lookup import area
        from reg.plugins import REGISTRY


        def test_square():
            assert area("square", 3) == 9


        def test_one_registration():
            assert list(REGISTRY) == ["square"] and REGISTRY["square"] is shapes.Square
    """,
}


def test_a_module_registering_into_a_strict_registry_elsewhere(
    write_problem: ProblemWriter,
) -> None:
    """Executing a candidate of reg/shapes.py again would register "square" twice: the child
    imports the repository again instead, and the candidate is judged on its merits."""
    root = write_problem(STRICT_REGISTRY, name="registry")
    spec = JudgeSpec(root, "reg/shapes.py", "tests", module_name="reg.shapes", layout="repository")
    original = (root / "reg/shapes.py").read_text()
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        judged = [pool.evaluate(original), pool.evaluate(original.replace(" + 1", ""))]
        broken = pool.evaluate(original + "\nraise RuntimeError('the candidate is broken')\n")
    outcomes = [{t.name.split("::")[1]: t.outcome.value for t in e.tests} for e in judged]
    assert outcomes == [
        {"test_square": "failed", "test_one_registration": "passed"},
        {"test_square": "passed", "test_one_registration": "passed"},
    ]
    assert broken.status is Status.FAILED and "the candidate is broken" in broken.message
