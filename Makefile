# PalmCity: the only commands anyone needs. `make run` and `make test` work on a fresh clone
# with Python 3.11 and Node 20; everything else is installed here.

PYTHON  ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
VENV    := .venv
PY      := $(VENV)/bin/python
UV      := $(VENV)/bin/uv
MP      := miniprogram
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: help install front h5 weapp run serve urls migrate seed test test-fast test-topology test-cluster test-outage test-fuzz lint fmt bench migrations i18n clean

help:
	@echo "make run         install, migrate, load demo data, build H5 and serve http://$(HOST):$(PORT)"
	@echo "make test        install and run the whole suite (import contracts, pytest with the H5 flows, the API fuzz)"
	@echo "make test-fast   import contracts and pytest without the browser and the fuzzer"
	@echo "make test-topology  sanic --workers 2 and two job workers on PostgreSQL and Redis, over HTTP"
	@echo "make test-outage    Redis stopped, PostgreSQL restarted and starved under load (in make test's suite)"
	@echo "make test-cluster   the Redis-dependent tests on a three-master Redis Cluster (in make test)"
	@echo "make test-fuzz   schemathesis against the published /docs/openapi.json (a few minutes)"
	@echo "make lint        ruff check, ruff format --check, mypy --strict, import contracts"
	@echo "make bench       benchmarks beside a bare-Sanic baseline"
	@echo "make migrations  write a migration for model changes (name=...)"
	@echo "make i18n        extract messages and update locales/*/messages.po"

# --- installing ---------------------------------------------------------------------------------
$(VENV)/.installed: pyproject.toml uv.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "PalmCity needs Python 3.11"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python $(PY)
	@touch $@

install: $(VENV)/.installed

$(MP)/node_modules/.installed: $(MP)/package.json $(MP)/package-lock.json
	cd $(MP) && npm ci --no-audit --no-fund
	@touch $@

front: $(MP)/node_modules/.installed

h5: front
	cd $(MP) && API_BASE= npm run build:h5

weapp: front
	cd $(MP) && npm run build:weapp

# --- running ------------------------------------------------------------------------------------
migrate: install
	$(PY) -m server.cli migrate

seed: migrate
	$(PY) -m server.cli seed-demo

# The embedded default (SQLite under var/, in-process Redis, sandbox platforms) serves one
# process: the in-process Redis and worker live in it.
run: install h5 seed serve

serve: urls
	$(VENV)/bin/sanic server.main:create_app --factory --host $(HOST) --port $(PORT) --single-process

# Where to open what; the demo accounts are server/demo's (sandbox only).
urls:
	@echo ""
	@echo "PalmCity is starting at http://$(HOST):$(PORT)/"
	@echo "  the app (H5)  http://$(HOST):$(PORT)/h5/"
	@echo "                residents: 登录, then any name (sandbox); alice is verified L3 with a child"
	@echo "  staff         http://$(HOST):$(PORT)/h5/#/pages/staff/login"
	@echo "                admin, officer.qx, reviewer.sw, finance.qy, hall.qy ... password palmcity-demo-2026"
	@echo "  API docs      http://$(HOST):$(PORT)/docs  (OpenAPI 3.1: /docs/openapi.json)"
	@echo ""

# --- checking -----------------------------------------------------------------------------------
# Four stages: the suite (with the H5 flows in Chromium, the outage tests and the Sentinel and TLS
# tests); the production topology (its own processes, about two minutes, needs PostgreSQL: skipped
# with the reason without it); the Redis Cluster stage (a three-master cluster of its own); then
# the fuzzer, which needs minutes and says little while anything earlier fails. Exit code 5
# (PYTEST_ARGS selected no test of a stage) is fine.
# weapp too: tests/test_weapp_size.py measures its packages against WeChat's limits.
test: install h5 weapp
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -m "not fuzz and not topology" $(PYTEST_ARGS)
	$(PY) -m pytest -m topology $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(PY) -m pytest -p tests.cluster.plugin $(CLUSTER_TESTS) -k "not embedded"
	$(PY) -m pytest -m fuzz $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-fast: install
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -m "not e2e and not fuzz and not topology" $(PYTEST_ARGS)

# tests/topology: sanic --workers 2 and two `python -m server.worker` on a fresh PostgreSQL
# database and a redis-server of their own, driven over HTTP (docs/operations.md).
test-topology: install
	$(PY) -m pytest -m topology $(PYTEST_ARGS)

# tests/outage: a PostgreSQL cluster and a redis-server of their own, stopped, restarted and
# starved under load (docs/operations.md); part of make test's first stage, here alone.
test-outage: install
	$(PY) -m pytest tests/outage $(PYTEST_ARGS)

# The Redis Cluster stage: the Redis-dependent tests again, on a three-master Redis Cluster that
# tests/cluster/plugin.py starts on free loopback ports (redis-server in cluster mode) and names in
# REDIS_URL (redis+cluster://), plus tests/cluster, which runs only here; the
# tests that choose the embedded Redis for themselves are left out (docs/operations.md).
CLUSTER_TESTS := tests/cluster tests/domain/test_ratelimit.py tests/api/test_guards.py \
  tests/domain/test_tokens.py tests/api/test_auth.py tests/api/test_staff.py tests/api/test_scanning.py \
  tests/api/test_catalog.py tests/domain/test_capacity.py tests/api/test_system.py
test-cluster: install
	$(PY) -m pytest -p tests.cluster.plugin $(CLUSTER_TESTS) -k "not embedded" $(PYTEST_ARGS)

test-fuzz: install
	$(PY) -m pytest -m fuzz $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) bench/run.py

migrations: install
	$(PY) -m server.cli makemigrations $(if $(name),--name $(name),)

i18n: install
	$(VENV)/bin/pybabel extract --no-location --sort-output -F babel.cfg -k _ -o locales/messages.pot api domain adapters server
	for l in zh_Hans zh_Hant en; do \
	  if [ -f locales/$$l/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update --no-fuzzy-matching --omit-header -i locales/messages.pot -d locales -l $$l; \
	  else $(VENV)/bin/pybabel init -i locales/messages.pot -d locales -l $$l; fi; \
	done

clean:
	rm -rf var/test var/bench $(MP)/dist
