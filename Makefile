# The two commands of the README: `make demo` and `make test` (and `make unit`: the fast tests,
# no servers, no browser).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# the optional C accelerators (setup.py): a change rebuilds them
C_SOURCES := $(wildcard authprobe/*.h authprobe/*/*.[ch] authprobe/*/*/*.[ch])

.PHONY: demo test lint typecheck unit install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py $(C_SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m compileall -q authprobe  # bytecode, as an installed copy has it
	touch $@

$(VENV)/.installed-test: pyproject.toml setup.py $(C_SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,lint]'
	$(BIN)/python -m compileall -q authprobe  # bytecode, as an installed copy has it
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/authprobe demo --html authprobe-report.html

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

unit: $(VENV)/.installed-test
	$(BIN)/pytest -q -m "not integration and not browser"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
