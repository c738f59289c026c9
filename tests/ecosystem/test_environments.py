"""Environments and the judge: which tasks a genome performs, judged in the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from petri.config import SandboxSettings
from petri.ecosystem.environments import LISTS, LOGIC, MAX_OPS, Environment, environment
from petri.ecosystem.judge import NOTHING, Judge, Phenotype

BIT = {name: 1 << k for k, name in enumerate(LOGIC.tasks)}


def organism(body: str, args: str = "a, b") -> str:
    return f"def organism({args}):\n    {body}\n"


@pytest.fixture(scope="module")
def logic_judge(tmp_path_factory: pytest.TempPathFactory) -> Judge:
    with Judge(tmp_path_factory.mktemp("logic"), LOGIC, SandboxSettings(), 2) as judge:
        yield judge  # type: ignore[misc]


def test_each_logic_task_is_recognised(logic_judge: Judge) -> None:
    genomes = {
        "NOT": organism("return ~b"),
        "NAND": organism("return ~(a & b)"),
        "AND": organism("return b & a"),
        "OR_N": organism("return a | ~b"),
        "OR": organism("return a | b"),
        "AND_N": organism("return b & ~a"),
        "NOR": organism("return ~(a | b)"),
        "XOR": organism("return a ^ b"),
        "EQU": organism("return ~(a ^ b)"),
    }
    found = logic_judge.judge_many(genomes)
    for name, phenotype in found.items():
        assert phenotype.tasks == BIT[name], name
        assert 0 < phenotype.ops < MAX_OPS


def test_one_input_genomes_and_failures_perform_nothing(logic_judge: Judge) -> None:
    found = logic_judge.judge_many(
        {
            "not_of_one": organism("return ~x", "x"),
            "plus": organism("return a + b"),
            "raises": organism("return a // 0"),
            "loops": organism("while True:\n        a += 1"),
            "no_function": "x = 1\n",
            "text": organism("return str(a & b)"),
        }
    )
    assert found["not_of_one"].tasks == BIT["NOT"]
    assert found["plus"].tasks == 0 and found["plus"].ops > 0
    assert found["raises"].tasks == 0 and found["raises"].ops > 0  # it pays for what it ran
    assert found["loops"] == Phenotype(0, MAX_OPS)  # cut off at the instruction budget
    assert found["no_function"] == NOTHING and found["text"].tasks == 0


def test_hostile_genomes_are_contained(logic_judge: Judge, tmp_path: Path) -> None:
    target = tmp_path / "owned"
    found = logic_judge.judge_many(
        {
            "write": organism(f"open({str(target)!r}, 'w').write('x')\n    return a & b"),
            "exit": organism("import os\n    os._exit(0)"),
            "fork": organism("import os\n    os.fork()\n    return a"),
        }
    )
    assert not target.exists()
    assert all(p.tasks == 0 for p in found.values())


def test_the_lists_environment_checks_on_copies(tmp_path: Path) -> None:
    with Judge(tmp_path, LISTS, SandboxSettings(), 1) as judge:
        found = judge.judge_many(
            {
                "sort_in_place": organism("xs.sort()\n    return xs", "xs"),
                "largest": organism("return max(xs)", "xs"),
                "nothing": organism("return xs[:1]", "xs"),
            }
        )
    bit = {name: 1 << k for k, name in enumerate(LISTS.tasks)}
    assert found["sort_in_place"].tasks == bit["sort"]
    assert found["largest"].tasks == bit["max"]
    assert found["nothing"].tasks == 0


def test_environments_are_named_and_checked() -> None:
    assert environment("logic") is LOGIC
    with pytest.raises(ValueError, match="choose one of: lists, logic"):
        environment("chess")
    with pytest.raises(ValueError, match="one reward per task"):
        Environment("bad", ("A",), (), (), "")
    assert LOGIC.performed({"task_AND": 1.0, "task_XOR": 0.0}) == BIT["AND"]
    compile(LOGIC.judge_source(), "evaluate.py", "exec")
