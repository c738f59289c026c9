"""The bundled repositories for `petri swarm repair`: as catalogued (each bug real and caught,
the masking bugs mask, the fixed files pass tests/ and holdout/), checked by the catalog's own
script."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPOS = Path(__file__).resolve().parents[2] / "examples" / "repos"


def test_every_repository_is_catalogued_with_at_least_four_bugs() -> None:
    catalog = tomllib.loads((REPOS / "CATALOG.toml").read_text(encoding="utf-8"))
    folders = {p.name for p in REPOS.iterdir() if p.is_dir() and p.name != "FIXED"}
    assert folders == set(catalog) and len(folders) >= 3
    for name, entry in catalog.items():
        assert len(entry["modules"]) >= 3, name
        bugs = entry["bugs"]
        assert len(bugs) >= 4, name
        assert any("masks" in b for b in bugs), f"{name} has no bug that masks another"
        files = [b["file"] for b in bugs]
        assert len(files) > len(set(files)), f"{name} has no file with two bugs"
        assert (REPOS / name / "holdout").is_dir(), name


@pytest.mark.slow
def test_the_catalog_holds() -> None:
    done = subprocess.run(
        [sys.executable, str(REPOS / "check_catalog.py")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "OK: 3 repositories" in done.stdout


def _buggy_files() -> list[tuple[str, str, bool]]:
    """(repository, file, whether every bug of the file is masked by another's)."""
    catalog = tomllib.loads((REPOS / "CATALOG.toml").read_text(encoding="utf-8"))
    found = []
    for name, entry in catalog.items():
        masked = {b["masks"] for b in entry["bugs"] if "masks" in b}
        for rel in sorted({b["file"] for b in entry["bugs"]}):
            ids = {b["id"] for b in entry["bugs"] if b["file"] == rel}
            found.append((name, rel, ids <= masked))
    return found


@pytest.mark.slow
@pytest.mark.parametrize(("name", "rel", "masked"), _buggy_files())
def test_a_fixed_file_judged_as_a_candidate_in_the_sandbox(
    name: str, rel: str, masked: bool
) -> None:
    """What the swarm's search must be able to see: the reference version of one buggy file,
    judged by petri's sandbox as a candidate of that file (the rest of the repository as
    shipped), fixes failing tests (unless its bugs are masked by others) and breaks none, and
    every test still runs."""
    from petri.agents.repo.layout import discover
    from petri.config import Limits, SandboxSettings
    from petri.sandbox import JudgeSpec, TestOutcome, WorkerPool

    layout = discover(REPOS / name)
    spec = JudgeSpec(REPOS / name, rel, "tests", module_name=layout.modules[rel],
                     layout="repository", tests=layout.tests, paths=layout.paths,
                     sources=layout.sources)  # fmt: skip
    fixed = (REPOS / "FIXED" / name / rel).read_text(encoding="utf-8")
    with WorkerPool(spec, Limits(), SandboxSettings(workers=1)) as pool:
        before = pool.evaluate((REPOS / name / rel).read_text(encoding="utf-8"))
        after = pool.evaluate(fixed)
    passing = [
        {t.name for t in e.tests if t.outcome is TestOutcome.PASSED} for e in (before, after)
    ]
    assert passing[0] <= passing[1] if masked else passing[0] < passing[1]
    assert "failed to import" not in " ".join(t.message for t in after.tests)
