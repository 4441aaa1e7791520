# Shop Evolution — every set-up step is here, idempotent and quick when already done.
#   make demo   stage01 on SQLite, seeded, nothing to install but the shop's Python packages
#               (make demo PORT=8002 when 8000 is taken)
#   make test   everything the tests need (venv, servers, browser, compose), then all checks
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHOP_STAMP := $(VENV)/.installed-shop
DEV_STAMP := $(VENV)/.installed-dev
PORT ?= 8000
# pip's own output is the progress (a line per package, download bars). The one warning
# filtered is setuptools' notice that an editable install of a flat layout exists, which
# asks nothing of anyone; any other warning shows.
PIP_INSTALL := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --disable-pip-version-check --progress-bar on
PYTEST_ARGS ?=
# stage01 runs the behaviour suite inside the main pytest run; every later stage once more.
LATER_STAGES := $(filter-out stage01_single,$(patsubst %/compose.yaml,%,$(sort $(wildcard stage*/compose.yaml))))

.PHONY: help venv servers minio search compose browser demo lint test test-fast clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# An editable install maps each top-level package when it is made: a new stage directory
# (after a pull) needs it made again, or `import stageNN_...` fails in the shop's own jobs.
$(SHOP_STAMP): pyproject.toml $(wildcard stage*/__init__.py)
	@test -d $(VENV) || { echo "Creating the virtual environment $(VENV) ..."; $(PYTHON) -m venv $(VENV); }
	@$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip 'setuptools>=77'  # pyproject's build backend: tests/test_packaging.py builds with the venv's
	@echo "Installing the shop's Python packages into $(VENV) (the first time: a minute or two) ..."
	@$(PIP_INSTALL) -e .
	@touch $@

$(DEV_STAMP): $(SHOP_STAMP)
	@echo "Installing the development tools (pytest, ruff, mypy, Playwright) into $(VENV) ..."
	@$(PIP_INSTALL) -e '.[dev]'
	@touch $@

venv: $(DEV_STAMP) ## Python virtual environment: the shop's pinned packages and the development tools

servers: ## MariaDB, Redis, nginx, RabbitMQ from Debian packages (only what is missing)
	@bash scripts/install-servers.sh

minio: ## MinIO built from its Go module into ~/.cache/shop-evolution (once: ~7 min on 2 cores)
	@bash scripts/install-minio.sh

search: ## Elasticsearch from Maven Central + its analysis plugin into ~/.cache/shop-evolution (once: ~1 min)
	@bash scripts/install-elasticsearch.sh

browser: ## Debian's Chromium for the real-browser test
	@bash scripts/install-browser.sh

compose: ## the real Docker Compose tool, built from its Go module (once: ~3-5 min on 2 cores)
	@bash scripts/install-compose.sh

demo: $(SHOP_STAMP) ## run stage01 on SQLite at http://127.0.0.1:8000, seeded (PORT=8002 for another port)
	@$(BIN)/shop demo --port $(PORT)

lint: venv ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: venv servers minio search compose browser lint ## install what the tests need, then run every check
	$(BIN)/pytest $(PYTEST_ARGS)
	@# A stage's own tests that run on the suite's deployment (their conftest shares its
	@# stage_deployment fixture: tests/stage07, tests/stage08) run in the same session.
	@for stage in $(LATER_STAGES); do \
	    own=tests/$${stage%%_*}; \
	    grep -qs stage_deployment $$own/conftest.py || own=; \
	    echo "== the behaviour suite against $$stage $${own:+(and $$own)}"; \
	    $(BIN)/pytest tests/behaviour $$own --stage $$stage $(PYTEST_ARGS) || exit 1; \
	done

test-fast: venv ## unit tests only: no servers
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

clean: ## stop every stage this checkout started and remove run data
	-$(BIN)/shop status --json >/dev/null 2>&1 && for s in $$(ls -d stage*/ | tr -d /); do $(BIN)/shop down $$s >/dev/null 2>&1; done
	rm -rf .run
