# Rathaus — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test venv deps deps-dev assets demo migrate worker lint typecheck check messages lock system-packages clean

## make run: set up everything (venv, locked deps, assets, SQLite, demo data) and start server + worker
run: deps assets
	@$(PY) -m rathaus.config.cli migrate --noinput -v 0
	@$(PY) -m rathaus.config.cli demo_data
	@$(PY) -m rathaus.config.cli collectstatic --noinput -v 0
	@PORT=$(PORT) $(PY) -m rathaus.config.cli serve

## make test: install test dependencies and run the whole suite (browser tests need Chromium)
test: deps-dev assets
	@$(PY) -m pytest $(PYTEST_ARGS)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.deps: requirements.lock pyproject.toml | $(PY)
	$(UV) pip install -q --python $(PY) --require-hashes -r requirements.lock
	$(UV) pip install -q --python $(PY) --no-deps -e .
	@touch $@

$(VENV)/.deps-dev: requirements-dev.lock $(VENV)/.deps
	$(UV) pip install -q --python $(PY) --require-hashes -r requirements-dev.lock
	@touch $@

deps: $(VENV)/.deps
deps-dev: $(VENV)/.deps-dev

## static assets from the npm registry at build time (KERN UX), copied into the project's static folder
assets: src/rathaus/static/vendor/.stamp

src/rathaus/static/vendor/.stamp: frontend/package.json frontend/package-lock.json frontend/build.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	@touch $@

lint:
	$(VENV)/bin/ruff check src tests conftest.py
	$(VENV)/bin/ruff format --check src tests conftest.py

typecheck:
	$(VENV)/bin/mypy

## checks CI runs besides the tests
check: deps-dev
	$(PY) -m rathaus.config.cli makemigrations --check --dry-run -v 1
	$(MAKE) lint
	$(VENV)/bin/mypy

## refresh the English catalogue after changing German texts (then translate the new entries)
messages:
	cd src/rathaus && ../../$(PY) -m rathaus.config.cli makemessages -l en --no-obsolete --ignore 'static/*' --ignore 'testing/*' --ignore '*/tests/*'
	cd src/rathaus && ../../$(PY) -m rathaus.config.cli compilemessages

## re-resolve the lock files after changing pyproject.toml
lock: | $(PY)
	$(UV) pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header -q -o requirements.lock
	$(UV) pip compile pyproject.toml --group dev --python-version 3.11 --generate-hashes --no-header -q -o requirements-dev.lock

## System packages (Debian; needs root): Chromium for the browser tests, Pango for PDF notices
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

worker: deps
	$(PY) -m rathaus.config.cli worker

clean:
	rm -rf $(VENV) frontend/node_modules src/rathaus/static/vendor var

## make bench: the benchmark suite (docs/performance.md) on SQLite, then on PostgreSQL when
## DATABASE_URL is set; 1 M cases, long. make bench-quick: a small version (about two minutes).
.PHONY: bench bench-quick
bench: deps-dev assets
	@$(PY) -m bench.run --db sqlite
	@if [ -n "$$DATABASE_URL" ]; then $(PY) -m bench.run --db postgres; fi

bench-quick: deps-dev assets
	@$(PY) -m bench.run --db sqlite --quick
	@if [ -n "$$DATABASE_URL" ]; then $(PY) -m bench.run --db postgres --quick; fi
