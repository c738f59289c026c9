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
