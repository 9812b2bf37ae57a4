# The two commands a newcomer needs: `make run` and `make test`. Both make their own
# virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test fuzz bench lint typecheck check init clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Bytecode written ahead (cheap when it is current): where PYTHONDONTWRITEBYTECODE is set,
# every start would otherwise compile the bot's own modules again (0.2 s of its start).
COMPILE := $(BIN)/python -m compileall -q bot handlers models scheduler

run: $(STAMP)
	$(COMPILE)
	$(BIN)/hamlet-bot run

init: $(STAMP)
	$(BIN)/hamlet-bot init

# TEST_DATABASE_URL (e.g. postgresql://user@127.0.0.1:5432/hamlet_test) runs the same
# suite on another database; unset, it runs on a fresh SQLite file.
test: $(STAMP)
	$(BIN)/pytest

# The property-based fuzz of tests/test_fuzz.py with 10,000 updates (the suite sends 2,000).
fuzz: $(STAMP)
	HAMLET_FUZZ_UPDATES=10000 $(BIN)/pytest -q tests/test_fuzz.py

# Every benchmark, each figure beside its goal and baseline; writes bench/RESULTS.md.
bench: $(STAMP)
	$(COMPILE)
	$(BIN)/python -m bench.run_all

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy bot handlers models scheduler tests bench

check: lint typecheck test

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
