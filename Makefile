# Two commands do all set-up on a fresh machine:
#   make demo   runs the main job: the web application on a seeded SQLite database at
#               http://127.0.0.1:8000, printing the demo logins first
#   make test   runs every check and test
#   make tour   the command-line tour (no server)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo tour test lint bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

DEMO_DIR ?= var/demo

demo: setup
	DISCRETION_DATA_DIR=$(DEMO_DIR) $(BIN)/discretion demo web

tour: setup
	$(BIN)/discretion policies
	$(BIN)/discretion timeline examples/seed-minor-victim.json
	$(BIN)/discretion assess examples/seed-minor-victim.json

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

# The tests talk to the local PostgreSQL server and drive Debian's Chromium: start or
# install them when missing (no-ops when they are there).
services:
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh

test: lint services
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/decide.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
