# Bolster: `make run` serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The tests run on PostgreSQL and Redis; these are the local servers' defaults.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bolster
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1
# Test processes in parallel (pytest-xdist), one PostgreSQL test database each: one more
# than the machine has cores, because part of the suite waits (on real Celery workers, a
# browser, lock time-outs) rather than computes.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
# The second, shorter run of `make test`: the date-sensitive tests with the clock years ahead.
FAR_FUTURE_CLOCK ?= 2031-06-02T08:30:00+00:00
FAR_FUTURE_TESTS ?= tests/booking tests/safety tests/clinics tests/care tests/frontdesk tests/waitlist -m "not e2e and not fault"
TEST_ENV = DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)}

# Both lock files pin every package, direct or not, with its hashes: today's install is the
# one next month gets. `make lock` refreshes them from pyproject.toml.
LOCK_FLAGS := --quiet --generate-hashes --universal --python-version 3.11

.PHONY: run test install assets lint format lock benchmark clean

$(STAMP): requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.txt
	touch $(STAMP)

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

install: $(STAMP) node_modules/.installed

assets: node_modules/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho start -f Procfile

# With PYTEST_ARGS set, only those tests run, once, on today's clock.
test: install
	$(TEST_ENV) $(BIN)/python scripts/check_services.py
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
ifeq ($(strip $(PYTEST_ARGS)),)
	$(TEST_ENV) BOLSTER_TEST_CLOCK=$(FAR_FUTURE_CLOCK) \
		$(BIN)/pytest -n $(PYTEST_WORKERS) -q $(FAR_FUTURE_TESTS)
endif

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.txt
	$(BIN)/uv pip compile pyproject.toml $(LOCK_FLAGS) --extra dev -o requirements-dev.txt

benchmark: install
	$(TEST_ENV) $(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) node_modules var/* test-output staticfiles
