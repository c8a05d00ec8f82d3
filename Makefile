# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install clean bench

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes. `compat` editable mode puts the repository on
# sys.path, so new top-level modules need no reinstall.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=compat
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/riderunion migrate
	$(BIN)/riderunion demo-data
	$(BIN)/riderunion serve

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

# The benchmarks (bench/, docs/performance.md): each prints its figure, a baseline measured in
# the same run and their ratio. PostgreSQL on 127.0.0.1:5432; the first run installs
# django-helpdesk into var/bench/helpdesk-venv.
bench: install
	$(BIN)/python bench/helpdesk_compare.py
	$(BIN)/python bench/sweep_scaling.py
	$(BIN)/python bench/chat_load.py
	$(BIN)/python bench/api_load.py
	$(BIN)/python bench/outbox_rate.py
	$(BIN)/python bench/form_memory.py --storage db
	$(BIN)/python bench/form_memory.py --storage redis

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
