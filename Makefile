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

.PHONY: help install front h5 weapp run serve migrate seed test test-fast lint fmt bench migrations i18n clean

help:
	@echo "make run         install, migrate, load demo data, build H5 and serve http://$(HOST):$(PORT)"
	@echo "make test        install and run the whole suite (import contracts, pytest, H5 end-to-end)"
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

serve:
	$(VENV)/bin/sanic server.main:create_app --factory --host $(HOST) --port $(PORT) --single-process

# --- checking -----------------------------------------------------------------------------------
test: install h5
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

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
