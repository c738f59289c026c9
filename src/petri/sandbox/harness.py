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
from petri.sandbox.lines import file_lines

# Every module the worker imports is inherited by, and so costs, each candidate's fork: what
# only annotations need stays out at run time (typing alone brings 30 modules).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from petri.sandbox.child import Judge
    from petri.sandbox.child_reports import Verdict

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
    # The problem's own folders first (a repository's "src"), then the problem itself.
    sys.path[:0] = [*(os.path.join(root, str(p)) for p in config.get("paths", ())), root]
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
    if config["kind"] == "openevolve":
        from petri.sandbox.judge_openevolve import OpenEvolveJudge

        return OpenEvolveJudge(*args)
    if config["kind"] == "shadow":
        from petri.sandbox.judge_shadow import ShadowJudge

        return ShadowJudge(*args, tests=[str(t) for t in config.get("tests", ["tests"])])
    if config["kind"] != "tests":
        return EvaluateJudge(*args)
    if config.get("layout") == "repository":
        from petri.sandbox.judge_repository import RepositoryJudge

        return RepositoryJudge(*args, tests=[str(t) for t in config["tests"]])
    from petri.sandbox.judge_pytest import PytestJudge  # only pytest workers pay for pytest

    return PytestJudge(*args, tests=[str(t) for t in config.get("tests", ["tests"])])


class _Server:
    """The request loop, run from inside the judge's warm session."""

    def __init__(self, judge: Judge, config: dict[str, Any], cmd_fd: int, reply_fd: int) -> None:
        self.judge = judge
        self.config = config
        self.cmd_fd = cmd_fd
        self.reply_fd = reply_fd
        self.started = False
        self.variants: dict[tuple[bool, float, bool, bool, bool], watch.Settings] = {}
        self.sources: dict[str, tuple[str, int]] | None = None  # see _source_files

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
        index = {name: i for i, name in enumerate(self.judge.units)}
        while True:
            request = read_frame(self.cmd_fd)
            if request is None or request.get("op") != "eval":
                return
            chosen = {} if "select" not in request else {"select": _selected(request, index)}
            try:
                verdict = watch.evaluate(
                    self.judge, str(request["source"]), str(request["nonce"]),
                    str(self.config["program"]), self._settings(cfg, request), **chosen,
                )  # fmt: skip
            except Exception:  # petri's own failure: say so rather than die looking attacked
                import traceback  # only now: see TYPE_CHECKING above

                write_frame(self.reply_fd, {"op": "error", "message": traceback.format_exc()})
                return
            write_frame(self.reply_fd, _reply(verdict))

    def _settings(self, cfg: watch.Settings, request: dict[str, Any]) -> watch.Settings:
        # Coverage is per test: the evaluate.py judge has none.
        tests = self.config["kind"] == "tests"
        coverage = bool(request.get("coverage")) and tests
        per_file = bool(request.get("file_coverage")) and tests
        unit_timeout = _shorter(request.get("unit_timeout"), cfg.unit_timeout)
        details = request.get("failure_details", True) is not False
        key = (coverage, unit_timeout, bool(request.get("stop_on_timeout")), per_file, details)
        if key not in self.variants:  # a search sends few variants: build each once
            if len(self.variants) >= 16:
                self.variants.clear()
            self.variants[key] = cfg.per_request(
                coverage=key[0], unit_timeout=key[1], stop_on_timeout=key[2],
                files=self._source_files() if per_file else None, failure_details=key[4],
            )  # fmt: skip
        return self.variants[key]

    def _source_files(self) -> dict[str, tuple[str, int]]:
        """The problem's source files as coverage.py names them (real paths), each with its
        name to report and its line count; read once, on the first request that asks."""
        if self.sources is None:
            root = str(self.config["root"])
            self.sources = {}
            for name in self.config.get("sources", ()):
                path = os.path.realpath(os.path.join(root, str(name)))
                self.sources[path] = (str(name), file_lines(path))
        return self.sources


def _selected(request: dict[str, Any], index: dict[str, int]) -> list[int]:
    """The indexes of the units a request selects, in collection order; unknown names are
    ignored."""
    names = request["select"]
    if not isinstance(names, list):
        return []
    return sorted({index[n] for n in names if isinstance(n, str) and n in index})


def _shorter(asked: object, limit: float) -> float:
    """A per-request unit timeout may only shorten the configured one."""
    if isinstance(asked, int | float) and not isinstance(asked, bool) and 0 < asked < limit:
        return float(asked)
    return limit


def _reply(verdict: Verdict) -> dict[str, Any]:
    tests = [
        {"name": verdict.units[i], **verdict.results[i]} for i in sorted(verdict.results) if i >= 0
    ]
    return {
        "op": "result",
        "tests": tests,
        "metrics": verdict.results.get(-1, {}).get("metrics", {}),
        "artifacts": verdict.results.get(-1, {}).get("artifacts", {}),
        "flags": sorted(verdict.flags),
        "message": verdict.message,
        "judge_error": verdict.judge_error,
        "output": verdict.output.decode("utf-8", "replace"),
        "dropped": verdict.dropped,
        "peak_memory_bytes": verdict.peak_rss,
    }
