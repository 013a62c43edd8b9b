# Cluster Portal — the two commands a newcomer needs:
#   make run    install, migrate, load demo data, serve http://127.0.0.1:8000
#   make test   install, check, lint and run the whole test suite
# DATABASE_URL selects the database (default: SQLite file db.sqlite3).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run demo test check lint format pytest clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

demo: install
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo

run: demo
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

check: install
	DEBUG=true $(PY) manage.py check
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

test: check lint pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
