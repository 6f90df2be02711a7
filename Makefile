# Newsdesk: `make run` serves the chat, `make test` runs every test. Both install first.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install model run test unit integration lint format browser clean

install: $(STAMP)

# llama.cpp is compiled for this CPU, without AMX: a virtual machine may report AMX and still
# refuse its instructions (the model then dies of SIGILL on its first prompt). No wheel cache
# for the same reason: a cached build may come from a CPU this one is not.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CMAKE_ARGS ?= -DGGML_NATIVE=ON -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)'

# torch is pinned in pyproject.toml, so pip takes the CPU wheel in the same command as the rest.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --no-cache-dir -e ".[test]"
	touch $@

model: install
	$(BIN)/newsdesk prepare-model

run: model
	$(BIN)/newsdesk serve --samples-if-empty

# Debian's Chromium and its driver run the browser tests; installed once when missing.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    chromium chromium-driver >/dev/null; }

test: model browser
	$(BIN)/python -m pytest

unit: install
	$(BIN)/python -m pytest -m "not integration"

integration: model browser
	$(BIN)/python -m pytest -m integration

lint: install
	$(BIN)/ruff check index qa ui tests
	$(BIN)/ruff format --check index qa ui tests
	$(BIN)/mypy

format: install
	$(BIN)/ruff format index qa ui tests
	$(BIN)/ruff check --fix index qa ui tests

clean:
	rm -rf $(VENV) .pytest_cache
