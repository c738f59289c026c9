"""``petri dashboard``: binding, tokens and their one-line errors (the server itself is faked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from petri.cli import app


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("PETRI_HOME", str(tmp_path / "home"))

    def fake(home: Path, host: str, port: int, token: str | None, **_: object) -> None:
        calls.append({"home": home, "host": host, "port": port, "token": token})

    monkeypatch.setattr("petri.cli_dashboard.serve", fake)
    return calls


def test_loopback_needs_no_token(served: list[dict[str, Any]], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["dashboard", "--port", "9001"])
    assert result.exit_code == 0, result.output
    assert served == [{"home": tmp_path / "home", "host": "127.0.0.1", "port": 9001, "token": None}]
    assert "http://localhost:9001/" in result.output


def test_binding_elsewhere_generates_a_token_printed_once(served: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["dashboard", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    token = served[0]["token"]
    assert token and len(token) >= 16
    assert result.output.count(token) == 1 and f"?token={token}" in result.output


def test_a_short_token_is_refused(served: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(app, ["dashboard", "--token", "short"])
    assert result.exit_code == 2 and "at least 16 characters" in result.output
    assert served == []
