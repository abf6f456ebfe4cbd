# Giftnet: the two commands are `make run` and `make test`; each installs what is missing.
# Everything comes from the package registries (PyPI, npm, Debian); nothing else is downloaded.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.5
BUN := .tools/node_modules/.bin/bun
# axe-core: the accessibility rules the Playwright tests run in every screen (tests/support/axe.py).
AXE_VERSION := 4.14.1
AXE := .tools/node_modules/axe-core/axe.min.js
# jsQR: the counter's QR decoder where the browser has no BarcodeDetector (assets/qr_scanner.js),
# served as a static asset from assets/vendor/ (copied there from .tools; not in git).
JSQR_VERSION := 1.4.0
JSQR := assets/vendor/jsQR.js
# swagger-ui-dist: the API docs page's script and style (/api/v1/docs), served by the app itself
# from assets/vendor/swagger-ui/ (copied there from .tools; not in git), never from a CDN.
SWAGGER_UI_VERSION := 5.35.0
SWAGGER_UI := assets/vendor/swagger-ui/swagger-ui-bundle.js
PORT ?= 3000
# `make run` listens on this machine only; HOST=0.0.0.0 make run opens it to the network (a tablet on the Wi-Fi).
HOST ?= 127.0.0.1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Reflex must use our bun (from the npm registry) and never phone home.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run run-prod run-backend lint test test-unit test-e2e migrate demo bench check-ledger deps chromium openssh wrk clean i18n catalogs

## run: install what is missing, migrate, load the demo network, serve on http://localhost:$(PORT)
## (loopback only; HOST=0.0.0.0 to listen on every interface)
run: deps
	$(PY) -m app.cli migrate
	PUBLIC_URL=$${PUBLIC_URL:-http://localhost:$(PORT)} $(PY) -m app.cli seed-demo
	@echo ""
	@echo "  Giftnet starts at http://localhost:$(PORT)  (the first start builds the frontend: about a minute)"
	@echo "  Demo login: demo@giftnet.local / demo-downtown-2026"
	@if [ "$(HOST)" = "127.0.0.1" ] || [ "$(HOST)" = "localhost" ]; then \
		echo "  Listening on $(HOST):$(PORT) only: this machine. To open it to other devices (a tablet): HOST=0.0.0.0 make run"; \
	else \
		echo "  Listening on $(HOST):$(PORT): other machines on the network can reach it"; \
	fi
	@echo ""
	PUBLIC_URL=$${PUBLIC_URL:-http://localhost:$(PORT)} $(VENV)/bin/reflex run --env prod --single-port \
		--backend-host $(HOST) --frontend-port $(PORT) --backend-port $(PORT)

## run-prod: production mode on this machine: PostgreSQL (DATABASE_URL, default the local database
## `giftnet`, created if missing), Redis (REDIS_URL: Reflex state, the event relay, rate limits) and
## WORKERS backend workers (Granian, GRANIAN_WORKERS), after migrating. No demo data. See docs/deployment.md.
## The background jobs run in their own process (`python -m app.cli jobs`, stopped with the app), not in
## the web workers (BACKGROUND_JOBS=off for them; BACKGROUND_JOBS=workers keeps the jobs in the workers).
WORKERS ?= 3
PROD_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/giftnet
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
run-prod: deps
	@export DATABASE_URL="$${DATABASE_URL:-$(PROD_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(PROD_REDIS_URL)}" \
		GRANIAN_WORKERS="$${GRANIAN_WORKERS:-$(WORKERS)}" PUBLIC_URL="$${PUBLIC_URL:-http://localhost:$(PORT)}"; \
	$(PY) -m app.cli create-database && \
	{ $(PY) -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()' 2>/dev/null \
		|| { echo "Redis does not answer at $$REDIS_URL (set REDIS_URL)"; exit 1; }; } && \
	$(PY) -m app.cli migrate && \
	echo "" && \
	echo "  Giftnet (production mode) starts at $$PUBLIC_URL with $$GRANIAN_WORKERS backend workers" && \
	echo "  database: $$($(PY) -c 'import os; from sqlalchemy.engine import make_url; print(make_url(os.environ["DATABASE_URL"]).render_as_string(hide_password=True))')" && \
	echo "  redis:    $$REDIS_URL   (the first start builds the frontend: about a minute)" && \
	export BACKGROUND_JOBS="$${BACKGROUND_JOBS:-off}" && \
	if [ "$$BACKGROUND_JOBS" = off ]; then \
		$(PY) -m app.cli jobs & JOBS_PID=$$!; trap 'kill $$JOBS_PID 2>/dev/null' EXIT; \
		echo "  jobs:     their own process (python -m app.cli jobs, pid $$JOBS_PID)"; \
	fi && \
	echo "" && \
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

## run-backend: the backend alone (API and websocket, no frontend build) on PORT, for scripts
run-backend: deps
	$(PY) -m app.cli migrate
	$(VENV)/bin/reflex run --env prod --backend-only --backend-port $(PORT)

## lint: ruff over the whole tree (rules in ruff.toml)
lint: deps
	$(VENV)/bin/ruff check .

## test: install what is missing (Chromium and OpenSSH through apt included), lint, and run the whole suite
test: deps chromium openssh
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

test-unit: deps openssh
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

## bench: every bench at its real size, figures written to bench/RESULTS.md (python bench/results.py --quick: minutes)
bench: deps chromium wrk
	$(PY) bench/results.py

deps: $(VENV)/.installed catalogs $(BUN) $(AXE) $(JSQR) $(SWAGGER_UI)

# The gettext catalogs (app/locale/<lang>/LC_MESSAGES/messages.po) compiled to the .mo files the app reads (not in git).
catalogs: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile -d app/locale -D messages --statistics 2>&1 | grep -v '^compiling' || true

## i18n: extract every sentence marked _() / N_() into app/locale/messages.pot, update the
## language catalogs (app/locale/fr/LC_MESSAGES/messages.po: a translator fills the empty msgstr), compile them
i18n: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _ -k t -k _t -k translate --no-location --sort-output --project=Giftnet \
		-o app/locale/messages.pot app
	$(VENV)/bin/pybabel update -i app/locale/messages.pot -d app/locale -D messages --no-fuzzy-matching --width 100
	$(VENV)/bin/pybabel compile -d app/locale -D messages --statistics

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	touch $@

# npm drops what an earlier --no-save install put in .tools, so the packages are always named together.
NPM_TOOLS := bun@$(BUN_VERSION) axe-core@$(AXE_VERSION) jsqr@$(JSQR_VERSION) swagger-ui-dist@$(SWAGGER_UI_VERSION)

$(BUN):
	mkdir -p .tools
	npm install --prefix .tools --no-save --no-audit --no-fund $(NPM_TOOLS)
	$(BUN) --version

$(AXE): $(BUN)
	@test -f $(AXE) && grep -q '"version": "$(AXE_VERSION)"' .tools/node_modules/axe-core/package.json || \
		npm install --prefix .tools --no-save --no-audit --no-fund $(NPM_TOOLS)

$(JSQR): $(BUN)
	@test -f .tools/node_modules/jsqr/dist/jsQR.js && grep -q '"version": "$(JSQR_VERSION)"' .tools/node_modules/jsqr/package.json || \
		npm install --prefix .tools --no-save --no-audit --no-fund $(NPM_TOOLS)
	mkdir -p assets/vendor
	cp .tools/node_modules/jsqr/dist/jsQR.js $@

$(SWAGGER_UI): $(BUN)
	@test -f .tools/node_modules/swagger-ui-dist/swagger-ui-bundle.js && grep -q '"version": "$(SWAGGER_UI_VERSION)"' .tools/node_modules/swagger-ui-dist/package.json || \
		npm install --prefix .tools --no-save --no-audit --no-fund $(NPM_TOOLS)
	mkdir -p assets/vendor/swagger-ui
	cp .tools/node_modules/swagger-ui-dist/swagger-ui.css .tools/node_modules/swagger-ui-dist/swagger-ui-bundle.js assets/vendor/swagger-ui/

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium from Debian's packages (for the Playwright tests)"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# bench/money_path.py drives the API with wrk: a load generator that costs little CPU.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing wrk from Debian's packages (for the benches)"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# The SFTP delivery tests start a real OpenSSH server (sshd) and make keys with ssh-keygen.
openssh:
	@{ test -x /usr/sbin/sshd && command -v ssh-keygen >/dev/null 2>&1; } || { \
		echo "Installing OpenSSH from Debian's packages (for the SFTP delivery tests)"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server openssh-client; }

clean:
	rm -rf .web .states .pytest_cache
