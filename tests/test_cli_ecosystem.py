"""``petri ecosystem`` from the command line: its summary, status, report and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from petri.cli import app
from petri.cli_ecosystem import parse_size
from petri.errors import ConfigError

SMALL = ["--size", "12x12", "--organisms", "60", "--ticks", "12"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "home"


def test_a_run_prints_one_json_object_and_status_and_report_read_it(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["ecosystem", *SMALL, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    for key in ("run_id", "ticks", "population", "species", "tasks_performed",
                "genomes_judged", "duration_s"):  # fmt: skip
        assert key in summary
    status = runner.invoke(app, ["status", summary["run_id"], "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["status"] == "finished"
    listing = runner.invoke(app, ["status", "--json"])
    assert summary["run_id"] in {row["run"] for row in json.loads(listing.stdout)}
    report = runner.invoke(app, ["report", summary["run_id"]])
    assert report.exit_code == 0, report.output
    page = Path(report.stdout.strip()).read_text()
    assert "Phylogeny of the dominant species" in page and "<svg" in page and "<img" in page
    resumed = runner.invoke(app, ["resume", summary["run_id"], "--json"])
    assert resumed.exit_code == 0 and json.loads(resumed.stdout) == summary


def test_a_hostile_corpus_runs_in_the_sandbox(home: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "hostile"
    corpus.mkdir()
    target = tmp_path / "owned.txt"
    (corpus / "evil.py").write_text(
        "import os\n\n\n"
        f"def wipe(a, b):\n    open({str(target)!r}, 'w').write('x')\n    return a & b\n\n\n"
        "def spin(a, b):\n    while True:\n        a += 1\n"
    )
    result = CliRunner().invoke(app, ["ecosystem", str(corpus), *SMALL, "--json"])
    assert result.exit_code == 0, result.output
    assert not target.exists()  # the genome ran jailed, never in petri's process


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "big"], "is not WIDTHxHEIGHT"),
        (["--environment", "chess"], "unknown environment 'chess'"),
        (["--size", "2048x2048", "--organisms", "2000000"], "give a smaller --size"),
        (["--size", "2x2"], "width"),
    ],
)
def test_bad_options_are_one_line_errors(
    home: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("petri.ecosystem.run.available_memory", lambda: 2 * 1024**3)
    result = CliRunner().invoke(app, ["ecosystem", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not (home / "runs").exists()  # nothing was started


def test_bad_corpora_are_one_line_errors(home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "blob.py").write_bytes(b"\x00\x01\x02def f(): pass")
    for folder, message in [
        (empty, "has no top-level Python function"),
        (binary, "has no top-level Python function"),
        (tmp_path / "missing", "is not a folder"),
    ]:
        result = CliRunner().invoke(app, ["ecosystem", str(folder)])
        assert result.exit_code == 2, result.output
        assert message in result.output


def test_sizes_parse() -> None:
    assert parse_size("128x96") == (128, 96)
    assert parse_size(" 12 X 3 ") == (12, 3)
    with pytest.raises(ConfigError):
        parse_size("12 by 3")
