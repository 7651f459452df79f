# Sales-KPI warehouse: set-up and operation. `make up` and `make test` are all a newcomer needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION    ?= 0.13.9
UV            ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
KPI_START_DATE ?= 2024-12-01
DEMO_SCALE    ?= 0.1
DEMO_SEED     ?= 42
SF            ?= 1
export KPI_START_DATE

KPI_SOURCES_DIR ?= $(CURDIR)/data/sources
# The demo history runs from KPI_START_DATE through yesterday, so the newest partition has data.
DEMO_DAYS = $(shell python3 -c "import datetime as d; print((d.date.today() - d.date.fromisoformat('$(KPI_START_DATE)')).days)")

.PHONY: help uv sync chromium demo-data build up report-now down status test test-fast bench backfill lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

uv:
	@command -v $(UV) >/dev/null 2>&1 || { echo "installing uv $(UV_VERSION)"; \
	  python3 -m pip install --user --quiet "uv==$(UV_VERSION)"; }

# Bytecode is compiled at install time: every process (dbt, Dagster, Superset, Celery) then starts from .pyc, even
# where PYTHONDONTWRITEBYTECODE is set, instead of compiling its imports from source on each start.
sync: uv  ## install both locked environments (pipeline and Superset)
	$(UV) sync --frozen --quiet --compile-bytecode
	cd superset && $(UV) sync --frozen --quiet --compile-bytecode
	@bash scripts/install_chromium.sh
	@bash scripts/install_nginx.sh

demo-data: sync  ## generate the demo sources if none exist
	@if [ -d "$(KPI_SOURCES_DIR)/crm" ]; then echo "demo sources present in $(KPI_SOURCES_DIR)"; else \
	  $(UV) run kpi demo-data --scale $(DEMO_SCALE) --seed $(DEMO_SEED) --start $(KPI_START_DATE) \
	    --days $(DEMO_DAYS) --out "$(KPI_SOURCES_DIR)"; fi

build: demo-data  ## the whole build without servers: ingest → dbt → checks → publish
	$(UV) run kpi build

KPI_SERVING_PATH ?= $(CURDIR)/data/warehouse/serving.duckdb

# One line per step with its time (ops/bin/step); each step's full output is in .run/<step>.log.
up:  ## build (first time), provision Superset, start Dagster, Superset and the TLS proxy in the background
	@ops/bin/step "install environments" $(MAKE) --no-print-directory sync
	@ops/bin/step "demo sources" $(MAKE) --no-print-directory demo-data
	@if [ -f "$(KPI_SERVING_PATH)" ]; then echo "warehouse already built (make build rebuilds it)"; \
	  else ops/bin/step "build the warehouse" $(UV) run kpi build; fi
	@ops/bin/step "provision Superset" superset/bin/provision
	@ops/bin/step "start services" $(UV) run python ops/services.py up
	@superset/bin/provision --login-only

report-now:  ## send one alert or report of superset/alerts.yaml now: make report-now KEY=weekly_leadership_dashboard
	@test -n "$(KEY)" || { echo 'usage: make report-now KEY=<key in superset/alerts.yaml>'; exit 2; }
	superset/bin/report-now $(KEY)

down:  ## stop exactly what `make up` started
	@python3 ops/services.py down

status:  ## which services are running
	@python3 ops/services.py status

backfill: sync  ## reprocess a day range as ONE run: make backfill START=YYYY-MM-DD END=YYYY-MM-DD
	@test -n "$(START)" -a -n "$(END)" || { echo "usage: make backfill START=YYYY-MM-DD END=YYYY-MM-DD"; exit 2; }
	$(UV) run kpi backfill --start $(START) --end $(END)

test: sync lint  ## lint, then the whole test suite (real DuckDB, PostgreSQL, Redis, Superset, Chromium)
	$(UV) run pytest

test-fast: sync  ## the suite without the slow end-to-end tests
	$(UV) run pytest -m "not e2e"

bench: sync  ## run the benchmarks at scale SF and print their figures
	$(UV) run python benchmarks/run_all.py --scale $(SF)

lint: sync  ## ruff lint and format check over the whole tree
	$(UV) run ruff check .
	$(UV) run ruff format --check .

clean: down  ## remove everything generated under data/ (sources, warehouse, Superset metadata)
	rm -rf data/sources data/warehouse data/superset data/dagster_home data/quality .run
