"""Structured logs of the dashboard: one JSON object per line, in a rotated file.

Actions log what was done, to what and by whom (the same as their audit event); requests are
not logged one by one, because an address may carry a token.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import time
from pathlib import Path

#: Fields of a record that every line has, or that ``logging`` adds itself.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5


class JsonFormatter(logging.Formatter):
    """A record as ``{"time", "level", "logger", "message", ...extra}``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def log_to(path: Path) -> logging.Handler:
    """Send petri's logs to ``path`` as JSON lines, rotated at 10 MiB (5 files kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("petri")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler
