"""``petri evolve`` with a model backend, end to end against a loopback server that speaks the
OpenAI wire protocol: the scripted answer repairs fizzbuzz, the event log records the model's
edit, a resume asks nothing, and the key appears in no event, output or message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fake_servers import KEY_ENV, Vendor, answer
from petri.cli import app
from petri.evolve.model_edits import MODEL_ANSWERED
from petri.runtime.store import from_url

pytestmark = pytest.mark.slow

FIX = """The 15 check must come first:
<<<<<<< SEARCH
    if n % 3 == 0:
=======
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
>>>>>>> REPLACE
<<<<<<< SEARCH
        return "Buzz"
    if n % 15 == 0:
        return "FizzBuzz"
=======
        return "Buzz"
>>>>>>> REPLACE
"""


@pytest.fixture
def fizz(tmp_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))
    dest = tmp_path / "fizzbuzz"
    shutil.copytree(examples / "fizzbuzz", dest, ignore=shutil.ignore_patterns(".petri"))
    return dest


def test_evolve_asks_the_model_and_its_edit_repairs(
    fizz: Path, openai_vendor: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = openai_vendor.server
    for name, value in {
        "PETRI_LLM__BACKEND": "openai",
        "PETRI_LLM__MODEL": "test-model",
        "PETRI_LLM__BASE_URL": server.url,
        "PETRI_LLM__API_KEY_ENV": KEY_ENV,
        "PETRI_LLM__MAX_RETRIES": "0",
        KEY_ENV: openai_vendor.key,
    }.items():
        monkeypatch.setenv(name, value)
    server.push(answer(FIX, input_tokens=900, output_tokens=80))
    runner = CliRunner()
    result = runner.invoke(app, ["evolve", str(fizz), "--json", "--seed", "0", "--max-evals", "48"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["status"] == "repaired"
    patch = summary["patch"]
    assert '+    if n % 15 == 0:\n+        return "FizzBuzz"\n' in patch

    db = fizz / ".petri" / "petri.db"
    events = list(from_url(f"sqlite:///{db}").replay(summary["run_id"]))
    first = next(e.payload for e in events if e.type == MODEL_ANSWERED)
    assert first["answer"] == FIX and first["rejected"] == ""
    assert first["input_tokens"] == 900 and first["output_tokens"] == 80
    born = [e.payload for e in events if e.type == "program_born" and e.payload["op"] == "llm_edit"]
    assert born and born[0]["edits"][0]["op"] == "llm_edit"
    assert born[0]["edits"][0]["args"][0] == "    if n % 3 == 0:\n"

    asked = len(server.requests)
    again = runner.invoke(app, ["resume", summary["run_id"], "--json"])
    assert again.exit_code == 0, again.stderr
    assert len(server.requests) == asked  # the recorded run is not asked again

    key = openai_vendor.key
    stored = json.dumps([e.payload for e in events])
    outputs = "".join(p.read_text() for p in Path(summary["out"]).rglob("*") if p.is_file())
    for text in (stored, outputs, result.stdout, result.stderr, again.stdout, again.stderr):
        assert key not in text
