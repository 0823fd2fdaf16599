# make build: set up .venv if missing and build the whole graph into dist/
# make test:  same set-up, then run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test bench bench-serve bench-stores clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/cnocc build --out dist

test: $(STAMP)
	$(BIN)/python -m pytest

SIZES ?= 10k,100k,1m,6.5m
BENCH_ARGS ?= --naive-max 1m --query-cap 300
bench: $(STAMP)  # not a test: build time by stage at each size against a floor and a naive pipeline (benchmarks/results/)
	$(BIN)/python -c "import matplotlib" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench.py --sizes $(SIZES) $(BENCH_ARGS)

bench-serve: build  # not a test: load figures for `cnocc serve` next to oxigraph serve-read-only
	$(BIN)/python benchmarks/serve_load.py --dist dist

bench-stores: build  # not a test: load and query times in rdflib, Oxigraph, Virtuoso and Jena TDB2, side by side
	$(BIN)/python benchmarks/stores.py --dist dist

clean:
	rm -rf dist .pytest_cache
