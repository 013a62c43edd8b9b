# Cluster Portal — the two commands a newcomer needs:
#   make run    install, migrate, load demo data, serve http://127.0.0.1:8000 with its worker
#   make test   install, check, lint and run the whole test suite
# DATABASE_URL selects the database (default: SQLite file db.sqlite3).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n auto
SCALE ?= 1

.PHONY: install run demo test check lint format pytest clean generate-data browser-deps pdf-deps integrity

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# WeasyPrint's system libraries (pango) and the Japanese fonts for server-side PDFs (README "Printing and PDF").
install: $(STAMP) pdf-deps

demo: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo

# The web server and the background worker (notifications, long imports); Ctrl-C stops both.
run: demo
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) bash scripts/run_dev.sh

# Large synthetic dataset for load tests (docs/operations.md): make generate-data SCALE=10
# Replaces earlier synthetic rows; the demo data and other rows are left alone.
generate-data: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py generate_data --replace --scale $(SCALE)

# The invariants (README "Invariants") on the demo data and on a synthetic dataset of scale 1,
# in the database DATABASE_URL names: check_integrity exits non-zero on any violation.
integrity: demo
	DEBUG=true $(PY) manage.py check_integrity
	DEBUG=true $(PY) manage.py generate_data --replace --scale 1
	DEBUG=true $(PY) manage.py check_integrity

check: install
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# ruff, then the layers contract of pyproject.toml (import-linter): a new upward import fails.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

browser-deps:
	@bash .ci/install-browser.sh || echo "Chromium could not be installed: the browser tests (tests/e2e) will be skipped."

pdf-deps:
	@bash .ci/install-pdf.sh

pytest: install browser-deps
	$(PY) -m pytest $(PYTEST_ARGS)

test: check lint pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

# Security audit (docs/security-findings.md): bandit on the project code (findings not
# in docs/bandit-baseline.json fail), then pip-audit on the pinned requirements.txt
# (a vulnerability fails; an unreachable vulnerability service is reported loudly and
# fails only with AUDIT_STRICT=1).
.PHONY: audit
audit: install
	$(VENV)/bin/bandit -q -c pyproject.toml -r cluster_portal notifications regions projects coordinators public ministry workspace dataio demo -b docs/bandit-baseline.json
	$(PY) scripts/audit_dependencies.py

# Benchmark of bulk import/export (reports seconds and rows/second; see README "Import and export").
.PHONY: bench-import
bench-import: install
	$(PY) bench/bench_import.py --sizes 1000 10000 --repeat 3

# HTTP benchmark: gunicorn (DEBUG off) on PostgreSQL + Redis at scale 1 and 10, loaded with wrk
# (installed with apt-get if missing); table on the terminal and in bench/results/ (docs/operations.md).
BENCH_ARGS ?= --scales 1 10
.PHONY: bench
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
