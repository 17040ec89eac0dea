# Two commands for a fresh machine (Python and make only): `make run` serves the default fixtures,
# `make test` runs everything. `make bench` measures; its throughput scenarios need wrk.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
# The suite on one pytest-xdist worker per usable core, and in one process on a single core,
# where one worker is slower than none (a second collection and the controller, ~10 s of CPU).
# Not `-n auto`: with psutil installed it counts physical cores, one on a 2-vCPU VM.
# PYTEST_ARGS= runs it in one process.
CORES   = $(shell $(PYTHON) -c 'import os; print(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)')
PYTEST_ARGS ?= -n $(if $(filter 1,$(CORES)),0,$(CORES))
# Python's default: bytecode kept in __pycache__ (git ignores it). Some machines and container
# images set PYTHONDONTWRITEBYTECODE; then each of the suite's many Python processes compiles
# the package again, and pytest its rewritten plugin modules (the suite's CPU: 275 s -> 225 s).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test lint style format clean bench docs screenshots

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[bench]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/sequences-mock serve --port $(PORT)

# BENCH_ARGS=--consumer-suite runs only the consumer-suite scenario, which needs no wrk.
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The console's screenshots in docs/img/, taken in headless Chromium (apt-get install chromium).
screenshots: $(VENV)/.installed-test
	$(BIN)/python docs/screenshots.py

lint: style
	$(BIN)/mypy

# ruff alone (a second or less): `make lint` adds mypy after it, `make test` beside the suite.
style: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench examples docs
	$(BIN)/ruff format --check src tests bench examples docs

# mypy runs beside the suite rather than before it: on a fresh clone it takes ~8 s of one core,
# which the suite's workers leave idle often enough (sleeps, subprocesses starting, the end);
# its report follows the suite's, and either failing fails `make test`.
test: style
	@$(BIN)/mypy > $(VENV)/mypy.log 2>&1 & typing=$$!; \
	echo "$(BIN)/pytest $(PYTEST_ARGS)  (and $(BIN)/mypy beside it)"; \
	$(BIN)/pytest $(PYTEST_ARGS); tested=$$?; \
	wait $$typing; typed=$$?; echo "$(BIN)/mypy"; cat $(VENV)/mypy.log; \
	[ $$tested -eq 0 ] && [ $$typed -eq 0 ]

# The docs site in site/ (`$(BIN)/mkdocs serve` to read it while writing); `make test` builds it
# too. `$(BIN)/python docs/tables.py` rewrites the tables written from the code.
docs: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix src tests bench examples docs
	$(BIN)/ruff format src tests bench examples docs

clean:
	rm -rf $(VENV) reports site .pytest_cache .ruff_cache .mypy_cache
