# The README's two commands: `make demo` and `make test`. Each sets up what it needs.
# `make test-fast` is the quick loop while working: see its own note below.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast lint install replicas

demo: install
	$(BIN)/partnerbot demo

# Two pytest processes (pytest-xdist): much of the suite waits on bots, clocks and
# sockets, so two share two cores well. Each has its own databases and free ports.
# PYTEST_WORKERS=0 runs in one process, e.g. to use pdb.
PYTEST_WORKERS ?= 2

# Everything: both databases, real `partnerbot` processes, kill -9. CI runs this.
test: install
	@.ci/ensure-postgres
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# Unit and in-process tests on SQLite only, in under two minutes: no PostgreSQL and no
# test marked `process` (those start `partnerbot`). It only ever leaves tests out.
test-fast: install
	PARTNERBOT_TEST_DATABASES=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not process"

# Two HTTP replicas on ports 3001 and 3002 sharing DATABASE_URL (PostgreSQL), as behind a
# load balancer; Slack settings come from the environment. Ctrl-C stops both.
replicas: install
	@case "$$DATABASE_URL" in postgresql*|postgres:*) ;; \
	  *) echo "make replicas: set DATABASE_URL to a PostgreSQL URL" >&2; exit 2;; esac
	trap 'kill $$(jobs -p) 2>/dev/null' INT TERM; \
	PORT=3001 $(BIN)/partnerbot run & PORT=3002 $(BIN)/partnerbot run & wait

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@
