# Giftnet: the two commands are `make run` and `make test`; each installs what is missing.
# Everything comes from the package registries (PyPI, npm, Debian); nothing else is downloaded.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.5
BUN := .tools/node_modules/.bin/bun
PORT ?= 3000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Reflex must use our bun (from the npm registry) and never phone home.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run run-backend test test-unit test-e2e migrate demo bench check-ledger deps chromium clean

## run: install what is missing, migrate, load the demo network, serve on http://localhost:$(PORT)
run: deps
	$(PY) -m app.cli migrate
	PUBLIC_URL=$${PUBLIC_URL:-http://localhost:$(PORT)} $(PY) -m app.cli seed-demo
	@echo ""
	@echo "  Giftnet starts at http://localhost:$(PORT)  (the first start builds the frontend: about a minute)"
	@echo "  Demo login: demo@giftnet.local / demo-downtown-2026"
	@echo ""
	PUBLIC_URL=$${PUBLIC_URL:-http://localhost:$(PORT)} $(VENV)/bin/reflex run --env prod --single-port \
		--frontend-port $(PORT) --backend-port $(PORT)

## run-backend: the backend alone (API and websocket, no frontend build) on PORT, for scripts
run-backend: deps
	$(PY) -m app.cli migrate
	$(VENV)/bin/reflex run --env prod --backend-only --backend-port $(PORT)

## test: install what is missing (Chromium through apt included) and run the whole suite
test: deps chromium
	$(PY) -m pytest

test-unit: deps
	$(PY) -m pytest -m "not e2e"

test-e2e: deps chromium
	$(PY) -m pytest -m e2e

migrate: deps
	$(PY) -m app.cli migrate

demo: deps
	$(PY) -m app.cli migrate
	$(PY) -m app.cli seed-demo

check-ledger: deps
	$(PY) -m app.cli check-ledger

bench: deps chromium
	$(PY) bench/ledger.py
	$(PY) bench/api.py
	$(PY) bench/import.py
	$(PY) bench/pos_latency.py

deps: $(VENV)/.installed $(BUN)

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	touch $@

$(BUN):
	mkdir -p .tools
	npm install --prefix .tools --no-save --no-audit --no-fund bun@$(BUN_VERSION)
	$(BUN) --version

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium from Debian's packages (for the Playwright tests)"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

clean:
	rm -rf .web .states .pytest_cache
