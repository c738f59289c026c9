"""The jailed worker's own code (``harness.main``) run in a plain fork of the test process,
driven over the same framed protocol as the pool drives it: each path is exercised and
measured without a jail."""

from __future__ import annotations

import os
from typing import Any

from petri.sandbox import harness
from petri.sandbox.framing import read_frame, write_frame

#: Address space a candidate may use here. A fork of the test process inherits its mappings
#: (thread stacks and malloc arenas of every test that ran before), which a jailed worker does
#: not have; the configured limit would count them against the candidate.
IN_PROCESS_MEMORY_MB = 16384


class InProcessWorker:
    """``harness.main`` in a forked child; ``ready`` is its first reply."""

    def __init__(self, config: dict[str, Any]) -> None:
        limits = dict(config["limits"])
        limits["memory_mb"] = max(int(limits["memory_mb"]), IN_PROCESS_MEMORY_MB)
        cmd_r, self.cmd_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - measured through the fork patch, not here
            os.close(self.cmd_w)
            os.close(self.reply_r)
            try:
                harness.main(cmd_r, reply_w)
            finally:
                os._exit(0)
        os.close(cmd_r)
        os.close(reply_w)
        write_frame(self.cmd_w, {**config, "limits": limits})
        self.ready = read_frame(self.reply_r) or {}

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        write_frame(self.cmd_w, message)
        return read_frame(self.reply_r) or {}

    def evaluate(self, source: str, **options: Any) -> dict[str, Any]:
        reply = self.request({"op": "eval", "source": source, "nonce": "n0nce", **options})
        assert reply, "the worker closed its channel"
        return reply

    def close(self) -> None:
        os.close(self.cmd_w)
        os.waitpid(self.pid, 0)
        os.close(self.reply_r)
