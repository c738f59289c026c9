"""``petri evolve`` on the bundled public-format folders: the score rises, and every byte outside
the EVOLVE-BLOCK stays as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from petri.cli import app
from petri.runtime.store import from_url

pytestmark = pytest.mark.slow

FOLDERS = Path(__file__).resolve().parents[2] / "examples" / "openevolve"
START, END = "# EVOLVE-BLOCK-START", "# EVOLVE-BLOCK-END"


def petri(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(FOLDERS / name, tmp_path / name))


def split(source: str) -> tuple[str, str, str]:
    """(before the block, inside it, after it); the marker lines belong to the outside."""
    head, _, rest = source.partition(START)
    inside, _, tail = rest.partition(END)
    return head + START, inside, END + tail


def score(folder: Path, program: Path | None = None) -> float:
    args = ["--program", program] if program is not None else []
    result = petri("eval", folder, "--json", *args)
    assert result.exit_code == 0, result.stderr
    return float(json.loads(result.stdout)["metrics"]["combined_score"])


@pytest.mark.parametrize(
    ("name", "budget", "seed", "at_least", "operators"),
    [
        # tuning the three constants: a search of the constant edits alone, whatever operators
        # the default search gains
        ("curve_fit", 150, 0, 0.4, "const_replace"),
        # dividing by the primes found so far (one word) is the speed-up primes hides: a search
        # of that operator alone finds it whatever operators the default search gains
        ("primes", 300, 0, 0.25, "name_replace"),
        # len(items) - 1 as the upper end misses the end of the list: dropping the "- 1" or
        # making it "- 0" is the fix, whatever operators the default search gains
        ("insert_position", 200, 1, 0.99, "const_replace,operand_drop"),
    ],
)
def test_evolve_raises_the_score_and_edits_only_the_block(
    tmp_path: Path, name: str, budget: int, seed: int, at_least: float, *, operators: str
) -> None:
    folder = copy(name, tmp_path)
    original = (folder / "initial_program.py").read_text()
    before = score(folder)
    result = petri(
        "evolve", folder, "--json", "--max-evals", budget, "--seed", seed, "--workers", 2,
        "--operators", operators,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "improved"
    best = Path(summary["best"]["path"])
    evolved = best.read_text()
    after = summary["best"]["objectives"]["combined_score"]
    assert before < at_least <= after
    assert score(folder, best) == pytest.approx(after)  # the written program scores as recorded
    head, inside, tail = split(evolved)
    assert (head, tail) == split(original)[::2]  # byte for byte outside the block
    assert inside != split(original)[1]
    assert (folder / "initial_program.py").read_text() == original  # the input is left alone
    notes = [line for line in result.stderr.splitlines() if "petri ignores" in line]
    assert len(notes) == 1  # every example has keys petri ignores: named once


def test_config_yaml_sets_the_budget_and_the_seed(tmp_path: Path) -> None:
    folder = copy("curve_fit", tmp_path)
    config = (folder / "config.yaml").read_text()
    config = config.replace("max_iterations: 200", "max_iterations: 30")
    (folder / "config.yaml").write_text(config.replace("random_seed: 7", "random_seed: 5"))
    result = petri("evolve", folder, "--json", "--workers", 1)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    store = from_url(f"sqlite:///{folder / '.petri' / 'petri.db'}")
    try:
        started = next(e for e in store.replay(summary["run_id"]) if e.type == "run_started")
    finally:
        store.close()
    assert (started.payload["max_evals"], started.payload["seed"]) == (30, 5)
    assert started.payload["wall_time_s"] == 30.0  # evaluator.timeout
    assert started.payload["judge"] == "openevolve"
    assert summary["evaluations"] <= 30 + 4  # the budget, plus the minimization of the best


def test_a_judge_error_stops_the_run_in_one_line(tmp_path: Path) -> None:
    folder = copy("curve_fit", tmp_path)
    (folder / "evaluator.py").write_text("def evaluate(program_path):\n    return 0.5\n")
    result = petri("eval", folder, "--json")
    assert result.exit_code != 0
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("petri: error")]
    assert "evaluator.py" in line and "returned float" in line


def test_eval_shows_metrics_artifacts_and_the_note_once(tmp_path: Path) -> None:
    result = petri("eval", copy("primes", tmp_path))
    assert result.exit_code == 0, result.stderr
    assert "combined_score" in result.stdout
    assert "lines_per_range" in result.stdout  # the evaluator's artifact
    assert result.stderr.count("petri ignores checkpoint_interval, database") == 1
