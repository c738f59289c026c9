"""Entry point of a jailed sandbox worker.

Started by the pool as ``python -I -S -B -c BOOT CMD_FD REPLY_FD PATHS``; reads its settings from
the host, drops to its unprivileged uid, hardens itself, warms the judge up (pytest collected or
evaluate.py imported), loads the seccomp filter and then serves evaluation requests until told to
stop. It never runs candidate code itself: every candidate runs in a fork (see ``watch``).
"""

from __future__ import annotations

import os
import sys

from petri.sandbox import child, proctree, syscalls, watch
from petri.sandbox.framing import read_frame, write_frame
from petri.sandbox.judge_evaluate import EvaluateJudge, JudgeLoadError

# Every module the worker imports is inherited by, and so costs, each candidate's fork: what
# only annotations need stays out at run time (typing alone brings 30 modules).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from petri.sandbox.child import Judge

BOOT = (
    "import sys;sys.path[:0]=sys.argv[3].split(':');"
    "from petri.sandbox.harness import main;main(int(sys.argv[1]),int(sys.argv[2]))"
)


def main(cmd_fd: int, reply_fd: int) -> None:
    config = read_frame(cmd_fd)
    if config is None:
        return
    if config.get("uid") is not None:
        _drop_privileges(int(config["uid"]))
    proctree.harden_worker()
    child.capture_streams()  # made once here rather than in every candidate's child
    root = str(config["root"])
    sys.path.insert(0, root)
    os.chdir(root)
    os.makedirs(config["tmp_dir"], exist_ok=True)
    judge = _make_judge(config)
    server = _Server(judge, config, cmd_fd, reply_fd)
    try:
        code = judge.serve(server.loop)
    except JudgeLoadError as exc:
        write_frame(reply_fd, {"op": "ready", "error": str(exc)})
        return
    if not server.started:
        write_frame(reply_fd, {"op": "ready", "error": f"pytest could not start (exit {code})"})


def _drop_privileges(uid: int) -> None:
    """Become an unprivileged uid: the kernel does not enforce RLIMIT_NPROC for root."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _make_judge(config: dict[str, Any]) -> Any:
    args = (str(config["root"]), str(config["program"]), str(config["module"]))
    if config["kind"] != "tests":
        return EvaluateJudge(*args)
    from petri.sandbox.judge_pytest import PytestJudge  # only pytest workers pay for pytest

    return PytestJudge(*args)


class _Server:
    """The request loop, run from inside the judge's warm session."""

    def __init__(self, judge: Judge, config: dict[str, Any], cmd_fd: int, reply_fd: int) -> None:
        self.judge = judge
        self.config = config
        self.cmd_fd = cmd_fd
        self.reply_fd = reply_fd
        self.started = False

    def loop(self) -> None:
        self.started = True
        errors = list(getattr(getattr(self.judge, "recorder", None), "collect_errors", []))
        seccomp = syscalls.install()
        ready = {"op": "ready", "units": self.judge.units, "collect_errors": errors}
        write_frame(self.reply_fd, {**ready, "seccomp": seccomp})
        if errors or not self.judge.units:
            return
        limits = dict(self.config["limits"])
        cfg = watch.Settings(
            limits=limits,
            unit_timeout=float(limits[self.judge.unit_timeout_key]),
            tmp_dir=str(self.config["tmp_dir"]),
            whole_namespace=bool(self.config["whole_namespace"]),
            keep_tmp=tuple(self.config.get("keep_tmp", ())),
            host_fds=(self.cmd_fd, self.reply_fd),
        )
        variants: dict[tuple[bool, float, bool], watch.Settings] = {}
        while True:
            request = read_frame(self.cmd_fd)
            if request is None or request.get("op") != "eval":
                return
            # Coverage is per test of the program file: the evaluate.py judge has neither.
            coverage = bool(request.get("coverage")) and self.config["kind"] == "tests"
            unit_timeout = _shorter(request.get("unit_timeout"), cfg.unit_timeout)
            key = (coverage, unit_timeout, bool(request.get("stop_on_timeout")))
            if key not in variants:  # a search sends few variants: build each once
                if len(variants) >= 16:
                    variants.clear()
                variants[key] = cfg.per_request(
                    coverage=key[0], unit_timeout=key[1], stop_on_timeout=key[2]
                )
            try:
                verdict = watch.evaluate(
                    self.judge, str(request["source"]), str(request["nonce"]),
                    str(self.config["program"]), variants[key],
                )  # fmt: skip
            except Exception:  # petri's own failure: say so rather than die looking attacked
                import traceback  # only now: see TYPE_CHECKING above

                write_frame(self.reply_fd, {"op": "error", "message": traceback.format_exc()})
                return
            write_frame(self.reply_fd, _reply(verdict))


def _shorter(asked: object, limit: float) -> float:
    """A per-request unit timeout may only shorten the configured one."""
    if isinstance(asked, int | float) and not isinstance(asked, bool) and 0 < asked < limit:
        return float(asked)
    return limit


def _reply(verdict: watch.Verdict) -> dict[str, Any]:
    tests = [
        {"name": verdict.units[i], **verdict.results[i]} for i in sorted(verdict.results) if i >= 0
    ]
    return {
        "op": "result",
        "tests": tests,
        "metrics": verdict.results.get(-1, {}).get("metrics", {}),
        "flags": sorted(verdict.flags),
        "message": verdict.message,
        "judge_error": verdict.judge_error,
        "output": verdict.output.decode("utf-8", "replace"),
        "dropped": verdict.dropped,
        "peak_memory_bytes": verdict.peak_rss,
    }
