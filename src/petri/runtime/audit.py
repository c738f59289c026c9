"""The audit trail: each action a person takes that changes work (a re-drive from the dashboard
or from ``petri queue redrive``) is an ``audit`` event with what, to what, who and when."""

from __future__ import annotations

import getpass
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from petri.runtime.store import Store
from petri.runtime.store import from_url as store_from_url

AUDIT_RUN = "audit"


def default_store(home: Path) -> str:
    """Where the trail lives unless told otherwise: SQLite in the petri home."""
    return f"sqlite:///{home / 'dashboard.db'}"


def record(store: Store, action: str, details: Mapping[str, Any], who: str) -> None:
    """Append one ``audit`` event (``at`` is the wall clock; the store stamps its own time)."""
    store.append(AUDIT_RUN, "audit", {"action": action, **details, "who": who, "at": time.time()})


def record_at(url: str, action: str, details: Mapping[str, Any], who: str) -> None:
    """``record`` in the store at ``url`` (opened and closed for this one event)."""
    store = store_from_url(url)
    try:
        record(store, action, details, who)
    finally:
        store.close()


def local_user() -> str:
    """The person at this terminal, as the trail names them."""
    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):
        return "unknown (cli)"
