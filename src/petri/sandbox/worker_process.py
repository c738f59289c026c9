"""The host's handle on one jailed worker process: launch, handshake, requests, hard kill."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from petri.config import Limits, SandboxSettings
from petri.errors import JudgeError, SandboxError, WorkerLost
from petri.sandbox.framing import FrameBuffer, FrameError, encode
from petri.sandbox.harness import BOOT
from petri.sandbox.jail import JAIL_PROBLEM, LaunchPlan, plan_launch
from petri.sandbox.spec import JudgeSpec
from petri.sandbox.uids import UidLease, lease_uid

READY_TIMEOUT_S = 120.0


class WorkerProcess:
    """One jailed worker. Only the host writes requests; only the worker writes replies."""

    def __init__(
        self,
        spec: JudgeSpec,
        limits: Limits,
        settings: SandboxSettings,
        index: int,
        mount: Path | None = None,
    ) -> None:
        self.spec = spec
        self.mount = mount  # a staged copy of spec.root to jail instead (see sandbox.staging)
        self.limits = limits
        self.settings = settings
        self.index = index
        self._plan: LaunchPlan | None = None
        self._uid: UidLease | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_dir = ""  # holds "stderr": what the worker printed, for start-up errors
        self._frames = FrameBuffer()
        self._cmd_w = -1
        self._reply_r = -1
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def plan(self) -> LaunchPlan:
        if self._plan is None:
            raise SandboxError("the sandbox worker was never launched")
        return self._plan

    def launch(self) -> None:
        if os.geteuid() == 0:  # root drops to a uid of the worker's own (see sandbox.uids)
            self._uid = lease_uid(self.settings.uid)
        boot = [sys.executable, "-I", "-S", "-B", "-c", BOOT]
        uid = self._uid.uid if self._uid else None
        jailed = replace(self.spec, root=self.mount) if self.mount else self.spec
        self._plan = plan_launch(jailed, self.limits, self.settings, uid, boot)
        cmd_r, self._cmd_w = os.pipe()
        self._reply_r, reply_w = os.pipe()
        self._log_dir = tempfile.mkdtemp(prefix="petri-worker-log-")
        # The worker may only append to its log; the host reads it by name.
        log = os.open(os.path.join(self._log_dir, "stderr"), os.O_WRONLY | os.O_CREAT, 0o600)
        argv = [*self.plan.argv, str(cmd_r), str(reply_w), ":".join(self.plan.sys_path)]
        try:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                pass_fds=(cmd_r, reply_w),
                env=self.plan.env,
                cwd=self.plan.cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"cannot start a sandbox worker: {exc}") from exc
        finally:
            for fd in (cmd_r, reply_w, log):
                os.close(fd)
        self._send(self._config(), time.monotonic() + READY_TIMEOUT_S)

    def _config(self) -> dict[str, Any]:
        tmp_dir = "/tmp"
        if self.plan.kind != "bwrap":
            self._tmp = tempfile.TemporaryDirectory(prefix="petri-sandbox-")
            tmp_dir = self._tmp.name
            if self.plan.uid is not None:
                os.chown(tmp_dir, self.plan.uid, self.plan.uid)
        return {
            "root": self.plan.problem_root,
            "program": self.spec.program,
            "module": self.spec.module,
            "kind": self.spec.kind,
            "limits": self.limits.model_dump(),
            "uid": self.plan.uid,
            "tmp_dir": tmp_dir,
            "whole_namespace": self.plan.problem_root == JAIL_PROBLEM,
            "layout": self.spec.layout,
            "tests": list(self.spec.tests),
            "paths": list(self.spec.paths),
            "sources": list(self.spec.sources),
        }

    def wait_ready(self) -> list[str]:
        """Block until the worker has warmed up; its unit (test) names."""
        try:
            ready = self._receive(time.monotonic() + READY_TIMEOUT_S)
        except WorkerLost as exc:
            reason = self._log_tail() or str(exc)
            raise SandboxError(f"a sandbox worker failed to start: {reason}") from exc
        if ready.get("error"):
            raise JudgeError(f"{self.spec.root}: {ready['error']}")
        errors = list(ready.get("collect_errors", []))
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise JudgeError(f"tests fail to import: {errors[0]}{more}; fix the tests")
        units = [str(u) for u in ready.get("units", [])]
        if not units:
            raise JudgeError(
                f"{self.spec.root / self.spec.tests[0]}: pytest collected no tests; "
                "name test files test_*.py and test functions test_*"
            )
        return units

    def evaluate(
        self,
        source: str,
        nonce: str,
        deadline: float,
        coverage: bool = False,
        unit_timeout: float | None = None,
        *,
        file_coverage: bool = False,
        select: list[str] | None = None,
        failure_details: bool = True,
        stop_on_timeout: bool = True,
    ) -> dict[str, Any]:
        """Send one candidate, wait for its reply; ``coverage`` asks for per-test lines (of
        each source file with ``file_coverage``), ``select`` names the only tests to run and
        ``unit_timeout`` shortens the per-test timeout for this candidate, and then (with
        ``stop_on_timeout``) its first timeout ends its run (the tests left are not run, so not
        passed). Without ``failure_details`` failures are named, not rendered."""
        request: dict[str, Any] = {"op": "eval", "source": source, "nonce": nonce}
        if not failure_details:
            request["failure_details"] = False
        if coverage:
            request["coverage"] = True
        if file_coverage:
            request["file_coverage"] = True
        if select is not None:
            request["select"] = select
        if unit_timeout is not None:
            request["unit_timeout"] = unit_timeout
            request["stop_on_timeout"] = stop_on_timeout
        self._send(request, deadline)
        return self._receive(deadline)

    def _send(self, message: dict[str, Any], deadline: float) -> None:
        view = memoryview(encode(message))
        os.set_blocking(self._cmd_w, False)
        while view:
            if not select.select([], [self._cmd_w], [], max(0.0, deadline - time.monotonic()))[1]:
                raise WorkerLost("the sandbox worker stopped reading (the candidate stopped it)")
            try:
                view = view[os.write(self._cmd_w, view) :]
            except BlockingIOError:
                continue
            except OSError as exc:
                raise WorkerLost("the sandbox worker died (the candidate killed it)") from exc

    def _receive(self, deadline: float) -> dict[str, Any]:
        while True:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self._reply_r], [], [], wait)[0]:
                raise WorkerLost("the sandbox worker stopped responding (the candidate stopped it)")
            data = os.read(self._reply_r, 1 << 16)
            if not data:
                raise WorkerLost("the sandbox worker died (the candidate killed it)")
            try:
                frames = self._frames.feed(data)
            except FrameError as exc:
                raise WorkerLost(f"the sandbox worker sent garbage: {exc}") from exc
            if frames:
                return frames[0]

    def _log_tail(self) -> str:
        try:
            with open(os.path.join(self._log_dir, "stderr"), "rb") as log:
                log.seek(max(0, os.fstat(log.fileno()).st_size - 4000))
                tail = log.read()
        except OSError:
            return ""
        lines = tail.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""

    def stop(self) -> None:
        """Ask the worker to finish, then make sure everything it started is gone."""
        with contextlib.suppress(OSError):
            os.close(self._cmd_w)  # EOF on its request pipe ends its loop
        self._cmd_w = -1
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=2)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (bwrap takes its namespace with it)."""
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
        for fd in (self._cmd_w, self._reply_r):
            with contextlib.suppress(OSError):
                if fd >= 0:
                    os.close(fd)
        self._cmd_w = self._reply_r = -1
        if self._log_dir:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = ""
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.cleanup()
            self._tmp = None
        if self._uid is not None:  # only now: every process that ran as this uid is gone
            self._uid.release()
            self._uid = None
