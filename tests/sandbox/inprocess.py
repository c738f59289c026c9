"""The jailed worker's own code (``harness.main``) run in a plain child process, driven over
the same framed protocol as the pool drives it: each path is exercised and measured without a
jail.

The child is a fresh interpreter, not a fork of the test process: a fork inherits the locks of
every thread earlier tests left running, and one held at the fork hangs the child (seen as
every test of an evaluation timing out, depending on which tests ran before)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from petri.sandbox.framing import read_frame, write_frame

#: Address space a candidate may use here: the child is an unjailed interpreter whose mappings
#: (coverage's tracer among them) a jailed worker does not have; the configured limit would
#: count them against the candidate.
IN_PROCESS_MEMORY_MB = 16384

#: The child: a test's prelude (e.g. a patch of the worker's code), then ``harness.main`` on the
#: two descriptors it is given.
CHILD = """
import sys
exec(sys.argv[3])
from petri.sandbox import harness
harness.main(int(sys.argv[1]), int(sys.argv[2]))
"""


class InProcessWorker:
    """``harness.main`` in a child process; ``ready`` is its first reply."""

    def __init__(self, config: dict[str, Any], prelude: str = "") -> None:
        limits = dict(config["limits"])
        limits["memory_mb"] = max(int(limits["memory_mb"]), IN_PROCESS_MEMORY_MB)
        cmd_r, self.cmd_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(cmd_r), str(reply_w), prelude],
            pass_fds=(cmd_r, reply_w),
        )
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
        self.process.wait()
        os.close(self.reply_r)
