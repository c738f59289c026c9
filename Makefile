# petri: `make demo` and `make test` set everything up on a fresh machine, idempotently.
SHELL := /bin/bash
# The jail runs the interpreter as an unprivileged user, so prefer the system's python3.11.
PYTHON ?= $(shell for p in /usr/bin/python3.11 python3.11 python3; do command -v $$p >/dev/null 2>&1 && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.petri-installed

.PHONY: setup system demo test bench lint format clean

setup: system $(STAMP)

system:
	@scripts/system-packages.sh

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "petri: python venv module missing; installing python3-venv"; \
	  apt-get install -y -qq python3-venv python3.11-venv >/dev/null 2>&1 || true; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,redis,nats,postgres,web,report,llm]'
	@touch $(STAMP)

demo: setup
	$(BIN)/petri swarm repair examples/repos/ledger --seed 1
	@echo "see it in the dashboard: $(BIN)/petri dashboard, then open http://localhost:8321/ (the run is at the top)"

test: setup
	$(BIN)/python -m pytest -q -n 2 --cov=petri --cov-report=term --cov-fail-under=85

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .coverage
