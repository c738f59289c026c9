"""API keys: where they come from, and how they are kept out of every log line and message.

A key is read from a key file (``llm.key_file``) or an environment variable (``llm.api_key_env``,
default ``OPENAI_API_KEY`` / ``ANTHROPIC_API_KEY``). Every key read is remembered here so that
``redact`` can replace it with ``***`` in any text petri builds, and ``RedactFilter`` can do the
same to log records of petri's loggers and of the SDKs' (``openai``, ``anthropic``, ``httpx*``,
``httpcore*``), which log requests at DEBUG.

A key file readable by group or others is used, with a warning naming the ``chmod 600`` fix,
rather than refused: Docker and Kubernetes mount secrets 0444/0644 inside single-tenant
containers, where refusing would break a legitimate setup and protect nothing; on a shared host
the warning says the key has already leaked and must be rotated anyway.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

from petri.errors import ConfigError
from petri.llm.settings import LlmSettings

__all__ = ["LOGGERS", "RedactFilter", "install_redaction", "redact", "remember", "resolve_key"]

log = logging.getLogger(__name__)

# Loggers whose records may carry a request: petri's own and the vendor SDKs' stacks.
LOGGERS = ("petri", "openai", "anthropic", "httpx", "httpx2", "httpcore", "httpcore2")
MASK = "***"
# Shorter strings are placeholders ("EMPTY", "none"); masking them would garble every log line.
_MIN_SECRET = 6

_secrets: set[str] = set()
_lock = threading.Lock()


def remember(secret: str) -> None:
    """Mask ``secret`` from now on in ``redact`` and in filtered log records."""
    if len(secret) >= _MIN_SECRET:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with every remembered key replaced by ``***``."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: keys may nest
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactFilter(logging.Filter):
    """Rewrites a record whose message or traceback holds a known key; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set, so the traceback is rendered (and masked) here.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactFilter()


def install_redaction() -> None:
    """Put the filter on petri's and the SDKs' loggers, and on their existing children.

    A logger's filters do not see records propagated from its children, hence the children:
    the SDKs create their module loggers at import, before this runs. Idempotent.
    """
    manager = logging.Logger.manager
    names = set(LOGGERS)
    names.update(
        name
        for name, logger in list(manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and name.split(".")[0] in LOGGERS
    )
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def resolve_key(settings: LlmSettings) -> str | None:
    """The key: from ``key_file`` when set, else from the environment variable; None if neither.

    Raises ``ConfigError`` for a key file that is missing, unreadable or empty. The key is
    remembered for redaction before it is returned.
    """
    key: str | None
    if settings.key_file is not None:
        key = _read_key_file(settings.key_file)
    else:
        key = os.environ.get(settings.key_env, "").strip() or None
    if key is not None:
        remember(key)
    return key


def _read_key_file(path: Path) -> str:
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"key file {path} does not exist; fix llm.key_file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"key file {path} cannot be read ({type(exc).__name__}); fix its permissions"
        ) from exc
    key = text.strip()
    if not key:
        raise ConfigError(f"key file {path} is empty; write the key into it")
    if any(char.isspace() for char in key):
        raise ConfigError(f"key file {path} holds more than the key; leave only the key in it")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "key file %s is readable by group or others (mode %o); run: chmod 600 %s",
            path,
            stat.S_IMODE(info.st_mode),
            path,
        )
    return key
