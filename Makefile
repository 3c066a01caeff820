# citizen-crm: `make dev` runs the whole stack locally on moto; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MOTO_PORT ?= 5000
API_PORT ?= 8000
WEBHOOK_PORT ?= 8001
WEB_PORT ?= 8080

.PHONY: install dev test lint format bench burst load chaos fuzz package deploy destroy bootstrap clean screenshots

install: $(STAMP)

# Reinstall whenever a requirements file changes; pip<26.3 because chalice pins it.
$(STAMP): requirements.txt requirements-dev.txt requirements-clients.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-clients.txt
	touch $@

dev: install
	MOTO_PORT=$(MOTO_PORT) API_PORT=$(API_PORT) WEBHOOK_PORT=$(WEBHOOK_PORT) WEB_PORT=$(WEB_PORT) $(BIN)/python -m infra.devstack

# The browser tests drive Debian's chromium (Playwright's own browser download cannot be reached).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	$$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y chromium || \
	  ($$([ "$$(id -u)" = 0 ] || echo sudo) apt-get update && $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y chromium)

# axe-core, the accessibility engine the browser tests run in each page; pinned and checked.
AXE := build/axe/axe.min.js
AXE_VERSION := 4.10.3
AXE_SHA256 := 880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb
$(AXE):
	mkdir -p $(dir $@)
	cd $(dir $@) && npm pack axe-core@$(AXE_VERSION) --silent && \
	  tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js && \
	  echo "$(AXE_SHA256)  axe.min.js" | sha256sum -c --quiet

test: install $(CHROMIUM) $(AXE)
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The README's pictures of the portal: the browser tests take them (build/screenshots/), this
# keeps them in docs/screenshots/ for the README to show, drawn with the Indic fonts a phone has
# (the tests read text, not pixels, so `make test` does without them).
INDIC_FONT := /usr/share/fonts/truetype/noto/NotoSansOriya-Regular.ttf
$(INDIC_FONT):
	$$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y fonts-noto-core || \
	  ($$([ "$$(id -u)" = 0 ] || echo sudo) apt-get update && $$([ "$$(id -u)" = 0 ] || echo sudo) apt-get install -y fonts-noto-core)

screenshots: install $(CHROMIUM) $(AXE) $(INDIC_FONT)
	rm -rf build/screenshots
	$(BIN)/python -m pytest -p no:randomly tests/browser -q
	mkdir -p docs/screenshots
	rm -f docs/screenshots/*.png
	cp build/screenshots/*.png docs/screenshots/

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy chalicelib

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/aws_calls.py
	$(BIN)/python bench/messages.py
	$(BIN)/python bench/faults.py
	$(BIN)/python bench/package_size.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/moto_transactions.py
	$(BIN)/python bench/cost.py

# N grievances at once, routed and escalated on a compressed clock: `make burst N=10000`.
N ?= 2000
burst: install
	$(BIN)/python bench/burst.py --grievances $(N)

# A realistic mix of people at once on the dev runner (bench/locustfile.py), then the audit.
USERS ?= 20
RUN_TIME ?= 60
load: install
	$(BIN)/python bench/load.py --users $(USERS) --run-time $(RUN_TIME)

# A burst filed while the consumers are killed and moto frozen: nothing lost or doubled.
CHAOS_N ?= 200
chaos: install
	$(BIN)/python bench/chaos.py --grievances $(CHAOS_N)

# schemathesis against the local stack as a citizen, an officer and the state cell (about 25,000
# requests, ~25 min); exits 1 on any finding. `bench/fuzz.py --help` for shorter runs.
fuzz: install
	$(BIN)/python bench/fuzz.py

# One state's stack, built offline into build/<STATE>/ (every example state when STATE is unset).
STATE ?=
package: install
	$(BIN)/python -m infra.package $(STATE)

# Deploy needs AWS credentials for the state's account; re-running with no change is a no-op.
deploy: install
	@test -n "$(STATE)" || { echo "usage: make deploy STATE=<stage of .chalice/config.json>"; exit 2; }
	$(BIN)/python -m infra.deploy deploy $(STATE)

# Keeps the state's tables, documents and keys unless DROP_DATA names the same state again.
destroy: install
	@test -n "$(STATE)" || { echo "usage: make destroy STATE=<stage> [DROP_DATA=<stage>]"; exit 2; }
	$(BIN)/python -m infra.deploy destroy $(STATE) --drop-data "$(DROP_DATA)"

# A deployed state's catalogue (infra/seed/FORMAT.md) and its first state_admin, whose one-time
# password goes by SMS and email only. Re-running changes nothing; REISSUE_PASSWORD=1 sends a new
# one-time password while the first is unused.
bootstrap: install
	@test -n "$(STATE)" -a -n "$(CATALOGUE)" -a -n "$(ADMIN_EMAIL)" -a -n "$(ADMIN_MOBILE)" || { echo "usage: make bootstrap STATE=<stage> CATALOGUE=<file> ADMIN_EMAIL=<email> ADMIN_MOBILE=<mobile> [ADMIN_NAME=<name>] [REISSUE_PASSWORD=1]"; exit 2; }
	$(BIN)/python -m infra.bootstrap "$(STATE)" "$(CATALOGUE)" --admin-email "$(ADMIN_EMAIL)" --admin-mobile "$(ADMIN_MOBILE)" $(if $(ADMIN_NAME),--admin-name "$(ADMIN_NAME)") $(if $(REISSUE_PASSWORD),--reissue-password)

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
