# Golden Thread: install, build, run and test.
# Every install and build step leaves a stamp file, so a second `make` after
# nothing changed does nothing; each stamp is touched only after its recipe
# succeeded.

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
PORT ?= 5000
PYTEST_ARGS ?=

PIP := $(VENV)/bin/pip install --disable-pip-version-check --progress-bar off
FLASK := $(VENV)/bin/flask --app wsgi
DIST_STAMP := app/static/dist/.built
FRONTEND_SOURCES := $(shell find app/static/src -type f 2>/dev/null)

.PHONY: run test frontend install migrate seed clean

# A link in a mail must open the server this starts: unless BASE_URL is set (and not empty),
# it is this server's own address on PORT (config.py reads BASE_URL; its default, port 5000,
# would be wrong for `PORT=8080 make run`).
run: export BASE_URL := $(or $(strip $(BASE_URL)),http://127.0.0.1:$(PORT))
run: $(VENV)/.installed-run $(DIST_STAMP)
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	exec $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The import contracts (.importlinter) run first and fail the target on their
# own: a broken layer is reported in a second, before the suite starts
# (--no-cache: the graph takes a tenth of a second, and no cache dir is left).
# pytest exits 5 when it collected nothing: a suite that runs no test is
# broken (a bad marker expression or path), not green.
test: $(VENV)/.installed-test $(DIST_STAMP)
	$(VENV)/bin/lint-imports --no-logo --no-cache
	@status=0; $(VENV)/bin/python -m pytest -n auto $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then \
		echo "make test: pytest collected no tests (exit 5); a suite that runs nothing is broken" >&2; \
		exit 1; \
	fi; \
	exit $$status

frontend: $(DIST_STAMP)

install: $(VENV)/.installed-run $(VENV)/.installed-test node_modules/.installed

migrate: $(VENV)/.installed-run
	mkdir -p instance
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

clean:
	rm -rf $(VENV) node_modules app/static/dist

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(PIP) -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt itself, and brings pytest and
# import-linter (lint-imports); the stamp is rebuilt when either list changes.
$(VENV)/.installed-test: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The build empties dist/ first, stamp included, so the stamp is written after.
$(DIST_STAMP): node_modules/.installed scripts/build-frontend.mjs $(FRONTEND_SOURCES)
	npm run --silent build
	touch $@
