"""The run index: register, look up by id or prefix, list newest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from petri.errors import ConfigError
from petri.runtime.runs import RunInfo, lookup, new_run_id, recent, register


def info(run_id: str) -> RunInfo:
    return RunInfo(run_id, "/p", "sqlite:///s.db", "sqlite:///q.db", "/out", 1.0)


def test_register_and_lookup(tmp_path: Path) -> None:
    register(tmp_path, info("r20260101-000000-aaaaaa"))
    register(tmp_path, info("r20260102-000000-bbbbbb"))
    assert lookup(tmp_path, "r20260101").run_id == "r20260101-000000-aaaaaa"
    assert [r.run_id for r in recent(tmp_path)] == [
        "r20260102-000000-bbbbbb",
        "r20260101-000000-aaaaaa",
    ]


@pytest.mark.parametrize(
    "name, match", [("r2026", "names 2 runs"), ("zzz", "no run"), ("../x", "not a run")]
)
def test_bad_names(tmp_path: Path, name: str, match: str) -> None:
    register(tmp_path, info("r20260101-000000-aaaaaa"))
    register(tmp_path, info("r20260102-000000-bbbbbb"))
    with pytest.raises(ConfigError, match=match):
        lookup(tmp_path, name)


def test_corrupt_record(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "r1.json").write_bytes(b"\x00\xff")
    with pytest.raises(ConfigError, match="unreadable run record"):
        lookup(tmp_path, "r1")


def test_new_ids_are_unique_and_sortable() -> None:
    a, b = new_run_id(0), new_run_id(86400)
    assert a != b and a < b and a.startswith("r19700101-000000-")
