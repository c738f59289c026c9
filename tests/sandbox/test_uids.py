"""Leasing unprivileged uids: one per live worker, freed when its holder ends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from petri.errors import SandboxError
from petri.sandbox.uids import lease_uid


def test_live_leases_never_share_a_uid(tmp_path: Path) -> None:
    leases = [lease_uid(70000, span=8, lock_dir=tmp_path) for _ in range(3)]
    assert [lease.uid for lease in leases] == [70000, 70001, 70002]
    leases[1].release()
    assert lease_uid(70000, span=8, lock_dir=tmp_path).uid == 70001  # freed, so reused


def test_a_lease_held_by_another_process_is_skipped_and_ends_with_it(tmp_path: Path) -> None:
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the holder
        lease_uid(70000, span=4, lock_dir=tmp_path)
        os.write(ready_w, b"x")
        os.read(go_r, 1)
        os._exit(0)
    os.read(ready_r, 1)
    assert lease_uid(70000, span=4, lock_dir=tmp_path).uid == 70001
    os.kill(pid, 9)  # no cleanup runs: the kernel drops the flock with the process
    os.waitpid(pid, 0)
    assert lease_uid(70000, span=4, lock_dir=tmp_path).uid == 70000
    for fd in (ready_r, ready_w, go_r, go_w):
        os.close(fd)


def test_running_out_of_uids_names_the_setting(tmp_path: Path) -> None:
    held = [lease_uid(70000, span=2, lock_dir=tmp_path) for _ in range(2)]
    with pytest.raises(SandboxError, match="PETRI_SANDBOX__UID"):
        lease_uid(70000, span=2, lock_dir=tmp_path)
    assert len(held) == 2


def test_a_lock_folder_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can hand a folder to another user here")
    folder = tmp_path / "locks"
    folder.mkdir()
    os.chown(folder, 65534, 65534)
    with pytest.raises(SandboxError, match="not owned"):
        lease_uid(70000, span=2, lock_dir=folder)
