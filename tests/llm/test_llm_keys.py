"""Keys: read from a variable or a key file, and never seen again in logs, messages or reprs."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from fake_servers import KEY_ENV, Vendor, answer, status
from petri.errors import ConfigError, ModelError
from petri.llm import Ledger, LlmSettings, Message, from_settings, redact
from petri.llm.keys import RedactFilter, install_redaction, remember, resolve_key

ASK = [Message(role="user", content="hi")]
SDK_LOGGERS = ["openai", "anthropic", "httpx", "httpx2", "httpcore", "httpcore2", "petri"]


def _key_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "llm.key"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_key_from_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_LLM_KEY", "  sk-from-variable-1  \n")
    assert resolve_key(LlmSettings(backend="openai", api_key_env="MY_LLM_KEY")) == (
        "sk-from-variable-1"
    )


def test_default_variable_per_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-default-1")
    assert resolve_key(LlmSettings(backend="anthropic")) == "sk-ant-default-1"
    assert resolve_key(LlmSettings(backend="openai")) is None


def test_key_file_wins_and_is_used(
    anthropic_vendor: Vendor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-not-this-one-0")
    path = _key_file(tmp_path, "sk-from-file-7f3a2b\n")
    anthropic_vendor.server.push(answer("a"))
    model = from_settings(anthropic_vendor.settings(key_file=path))
    model.complete(ASK)
    headers = anthropic_vendor.server.requests[0].headers
    assert any("sk-from-file-7f3a2b" in value for value in headers.values())
    assert not any("sk-not-this-one-0" in value for value in headers.values())


def test_key_file_readable_by_others_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _key_file(tmp_path, "sk-shared-file-1", 0o644)
    with caplog.at_level(logging.WARNING, logger="petri.llm.keys"):
        assert resolve_key(LlmSettings(backend="openai", key_file=path)) == "sk-shared-file-1"
    assert f"chmod 600 {path}" in caplog.text and "mode 644" in caplog.text
    assert "sk-shared-file-1" not in caplog.text


def test_private_key_file_does_not_warn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _key_file(tmp_path, "sk-private-file-1")
    with caplog.at_level(logging.WARNING, logger="petri.llm.keys"):
        resolve_key(LlmSettings(backend="openai", key_file=path))
    assert not caplog.records


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "does not exist"), ("  \n", "is empty"), ("sk-one\nsk-two\n", "more than the key")],
)
def test_bad_key_files(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "llm.key" if content is None else _key_file(tmp_path, content)
    with pytest.raises(ConfigError, match=expected) as caught:
        resolve_key(LlmSettings(backend="openai", key_file=path))
    assert "sk-" not in str(caught.value)


def test_unreadable_key_file(tmp_path: Path) -> None:
    path = tmp_path / "a-folder"
    path.mkdir()
    with pytest.raises(ConfigError, match="cannot be read"):
        resolve_key(LlmSettings(backend="openai", key_file=path))


def test_redact_masks_remembered_keys_only() -> None:
    remember("sk-remembered-secret-42")
    remember("EMPTY")  # placeholders are too short to mask
    assert redact("a sk-remembered-secret-42 b EMPTY") == "a *** b EMPTY"


def test_filter_rewrites_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import openai  # noqa: F401  (its module loggers exist once it is imported)

    remember("sk-in-a-log-record-9")
    install_redaction()
    child = logging.getLogger("openai._base_client")  # a child: logger filters don't propagate
    assert any(isinstance(f, RedactFilter) for f in child.filters)
    with caplog.at_level(logging.DEBUG, logger="openai"):
        child.debug("Request options: %s", {"json_data": {"echo": "sk-in-a-log-record-9"}})
        try:
            raise RuntimeError("boom sk-in-a-log-record-9")
        except RuntimeError:
            child.exception("failed")
        child.debug("where sk-in-a-log-record-9 was logged", stack_info=True)
    assert "sk-in-a-log-record-9" not in caplog.text
    assert "'echo': '***'" in caplog.text and "boom ***" in caplog.text
    formatted = [logging.Formatter().format(r) for r in caplog.records]
    assert not any("sk-in-a-log-record-9" in text for text in formatted)


def test_keys_never_leak(vendor: Vendor, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[dict[str, Any]] = []
    for name in SDK_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    # The server echoes the key in its error body, as a careless proxy might.
    echo = json.dumps({"error": {"message": f"bad key {vendor.key}"}})
    vendor.server.push(answer("a"), status(500, body=echo), status(400, body=echo))
    model = vendor.model(Ledger(on_usage=seen.append), max_retries=1)
    model.complete(ASK, stream=True)
    with pytest.raises(ModelError) as caught:
        model.complete(ASK)
    assert vendor.key in str(caught.value.__cause__)  # the SDK's own message had it
    logging.getLogger("httpx2").debug("careless %s", vendor.key)
    assert vendor.key not in str(caught.value)
    assert "***" in str(caught.value)
    assert vendor.key not in caplog.text
    assert not any(vendor.key in r.getMessage() for r in caplog.records)
    assert caplog.records  # the SDKs did log at DEBUG: the check above means something
    assert vendor.key not in repr(model) and vendor.key not in str(model)
    assert vendor.key not in repr(model.settings) and vendor.key not in str(seen)
