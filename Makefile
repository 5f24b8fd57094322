# The entry points a person types. Everything installs into ./.venv from uv.lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PERIOD ?= 2026-10
# The demo month's finance sign-off (docs/finance.md): who closes, who approves, and why the
# demo's unassigned machines (unattributed_usage) are waived rather than billed.
DEMO_CONTROLLER ?= Demo Controller
DEMO_APPROVER ?= Demo Approver
DEMO_WAIVER ?= Demo month: usage of unassigned machines stays unbilled until an assignment covers it
# The demo customers' payments (meterline demo statements) are dunned as of a month after the
# invoices fall due (docs/receivables.md, Demo).
DEMO_AS_OF ?= 2026-12-31
DEMO_CREDIT_CONTROLLER ?= Demo Credit Controller

export UV_PYTHON_DOWNLOADS := never
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home


.PHONY: install run test lint lint-python lint-sql fix bench docs ui clean browser-tools pdf-libs

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode writes every installed module's .pyc once, here: where PYTHONDONTWRITEBYTECODE
# is set (as on CI machines), Python would otherwise recompile Dagster, dbt and Great Expectations
# from source in every process, about 12 s of each billing run and 10 s of each close.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

install: $(VENV)/.synced

run: install pdf-libs  ## generate the demo month, bill it, close it, write its finance exports, get paid and dun
	$(VENV)/bin/meterline demo generate --period $(PERIOD) --seed 7
	$(VENV)/bin/meterline run --period $(PERIOD)
	$(VENV)/bin/meterline close --period $(PERIOD) --by "$(DEMO_CONTROLLER)" \
		--waive-reason-code unattributed_usage --why "$(DEMO_WAIVER)"
	$(VENV)/bin/meterline approve --period $(PERIOD) --rule first_invoice --by "$(DEMO_APPROVER)"
	$(VENV)/bin/meterline demo statements --period $(PERIOD)
	$(VENV)/bin/meterline dunning --as-of $(DEMO_AS_OF) --by "$(DEMO_CREDIT_CONTROLLER)"

# WeasyPrint subsets the fonts it embeds in the customer PDFs with HarfBuzz's subsetter, Debian's
# libharfbuzz-subset0; without it, it falls back to fontTools, whose subsets differ from one print
# to the next, and a document printed again would not be the same bytes (render.py refuses to).
# A Debian package, as root.
pdf-libs:
	@ldconfig -p | grep -q 'libharfbuzz-subset\.so\.0' || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libharfbuzz-subset0)

# Headless Chromium and poppler-utils (pdftoppm, pdftotext): the document and report tests
# open the HTML and print the PDFs with them, as a person would. Debian packages, as root.
browser-tools:
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils)

test: lint browser-tools pdf-libs  ## make lint, then the whole test suite
	$(VENV)/bin/pytest

# SQL_LINTED: every hand-written SQL file sqlfluff can read (.sqlfluffignore says what it skips and why).
SQL_LINTED := models macros tests/dbt

lint: install  ## Python: ruff lint, ruff format check, mypy (pyproject.toml); SQL: sqlfluff (.sqlfluff)
	@# mypy uses one core: the Python and SQL lints run side by side, each one's output kept together.
	$(MAKE) --no-print-directory -j2 --output-sync=target lint-python lint-sql

lint-python: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

lint-sql: install
	$(VENV)/bin/sqlfluff lint $(SQL_LINTED) --processes 2

fix: install  ## apply what the linters fix by themselves: ruff's fixes and format, sqlfluff fix
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/sqlfluff fix $(SQL_LINTED) --processes 2

bench: install  ## scaled month through the real job (time, memory per stage); then rows/s per adapter
	$(VENV)/bin/python -m bench.whole_job
	$(VENV)/bin/python -m bench.second_month
	$(VENV)/bin/python -m bench.adapters

# The dbt docs as one self-contained page (target/static_index.html): models, sources with their
# freshness rules, exposures and lineage, with column types and row counts from the warehouse
# when there is one (else without, from an empty scratch database). Nothing is fetched.
DOCS_DUCKDB = $(or $(MET_DUCKDB_PATH),warehouse/meterline.duckdb)
docs: install  ## static dbt docs, offline: prints the file to open
	@if [ -f "$(DOCS_DUCKDB)" ]; then \
		MET_DUCKDB_PATH="$(DOCS_DUCKDB)" MET_BILLING_PERIOD="$(PERIOD)" $(VENV)/bin/dbt docs generate \
			--static --profiles-dir .; \
	else \
		mkdir -p target/docs_scratch && MET_DUCKDB_PATH=target/docs_scratch/meterline.duckdb \
			MET_BILLING_PERIOD="$(PERIOD)" $(VENV)/bin/dbt docs generate --static --empty-catalog --profiles-dir .; \
	fi
	@echo "dbt docs: open file://$(CURDIR)/target/static_index.html (one file, works offline)"

ui: install  ## the Dagster UI on the same DAGSTER_HOME as `make run`
	$(VENV)/bin/python -m orchestration.wiring.instance_config $(DAGSTER_HOME)
	$(VENV)/bin/dagster dev -m orchestration.definitions

clean:
	rm -rf warehouse exports published landing truth target logs .dagster_home bench/work
