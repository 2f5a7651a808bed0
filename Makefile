# Ruhu: `make run` serves the demo on http://127.0.0.1:8000; `make test` runs every test.
# Both bootstrap everything from a machine that has only python3 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BIND ?= 127.0.0.1:8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
export PYTHONDONTWRITEBYTECODE := 1
# Services carry the business rules: they are type-checked (DESIGN: mypy on services).
TYPED := $(wildcard src/ruhu/*/services.py src/ruhu/*/services/*.py) $(addprefix src/ruhu/common/,policy.py workdays.py pii.py notifications.py attachments.py pictures.py picture_worker.py converters.py audit.py ledger.py inbox.py ratelimit.py rows.py handler.py sqlite_backend/lock.py sqlite_backend/base.py error_pages.py access.py citations.py search.py spreadsheets.py private_files.py actors.py errors.py scoping.py selectors.py) $(wildcard src/ruhu/common/importing/*.py) $(addprefix src/ruhu/common/,policy_registry.py policy_seed.py policy_docs.py) $(addprefix src/ruhu/common/,frozen.py ledger_chain.py ledger_heads.py evidence.py evidence_written.py)

.PHONY: run test test-fast lint format bench bench-import bench-plan bench-visits bench-hazards bench-scale migrate demo fonts browser-deps clean help

help:
	@echo "make run    set up and serve the demo on http://$(BIND)"
	@echo "make test   set up and run the whole test suite (in parallel, one database per worker)"
	@echo "make test-fast  the same without the browser tests (no Chromium needed)"
	@echo "make lint   ruff, formatting, migration and type checks"
	@echo "make bench  run the benchmarks under bench/"

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { \
	  echo "python3-venv is missing: installing it with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The migrations also create the database cache table the login throttle needs.
migrate: $(STAMP)
	$(BIN)/ruhu migrate --no-input -v 0

demo: migrate
	$(BIN)/ruhu demo

run: fonts demo
	$(BIN)/ruhu serve --bind $(BIND)

# WenQuanYi Micro Hei is embedded in every PDF (notices) and renders Chinese in screenshots.
fonts:
	@[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || { \
	  echo "installing the CJK font fonts-wqy-microhei with apt-get"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; }

# Debian's Chromium drives the browser tests.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium with apt-get"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# pytest-xdist: one worker per core (`auto`), each with its own test database, var directory,
# queue and cache keys. Keep xdist's default `--dist load`: the scope-based modes (loadscope,
# loadfile, loadgroup) key tests by node id and silently run one of the schemathesis test's
# fifty operations, which share one id. PYTEST_WORKERS=0 runs in one process; PYTEST_ARGS
# comes last and wins (`make test PYTEST_ARGS="tests/hazards -x"`, or `PYTEST_ARGS="-n 0"`).
PYTEST_WORKERS ?= auto
PYTEST := RUHU_ENV=test $(BIN)/python -m pytest -n $(PYTEST_WORKERS)

test: $(STAMP) fonts browser-deps
	$(PYTEST) $(PYTEST_ARGS)

# Everything but the browser tests (marker `browser`): the same setup minus Chromium.
test-fast: $(STAMP) fonts
	$(PYTEST) -m "not browser" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruhu makemigrations --check --dry-run
	$(BIN)/mypy $(TYPED)
	$(BIN)/lint-imports --no-logo --no-cache

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

# BENCH_ROWS=200000 for a quicker run; BENCH_PG names the PostgreSQL server (loopback).
bench-import: $(STAMP)
	$(BIN)/python -m bench.importing

# Monthly plan, 1,000,000 households and 500 inspectors; the data is built once and kept
# (BENCH_PLAN_DIR, default /tmp/bench-var-plan, and database ruhu_bench_plan).
bench-plan: $(STAMP)
	$(BIN)/python -m bench.plan

# Visit submission through `ruhu serve` with 8 clients, next to a bare indexed read.
bench-visits: $(STAMP)
	$(BIN)/python -m bench.visits

# The daily hazard clock over 500,000 open hazards and the rectification rates over 1,000,000
# hazards of 1,000,000 households; the data is built once and kept (BENCH_HAZARDS_DIR, default
# /tmp/bench-var-hazards, and database ruhu_bench_hazards).
bench-hazards: $(STAMP)
	$(BIN)/python -m bench.hazards

# Opt-in, not part of `make bench`: 10,000,000 households in 40 branches on PostgreSQL
# (BENCH_PG, loopback; a scratch database ruhu_bench_scale, dropped at the end), imported,
# planned for 5,000 inspectors, searched, with EXPLAIN of the plan's and lists' queries.
# About 50 minutes on 2 shared cores (34 of them the import) and 11 GB of disk; BENCH_SCALE_HOUSEHOLDS=200000
# BENCH_SCALE_BRANCHES=4 BENCH_SCALE_INSPECTORS=100 for a 3-minute run (bench/scale.py).
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) var/test.sqlite3* var/xdist tests/screenshots
