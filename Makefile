# make build: set up .venv if missing and build the whole graph into dist/
# make test:  same set-up, then run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/cnocc build --out dist

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf dist .pytest_cache
