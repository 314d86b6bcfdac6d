# Two commands on a fresh clone: `make demo` and `make test`. Both create the virtual
# environment and install the pinned requirements themselves, and are safe to re-run.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENTERPRISES ?= 3000
DEMO_SEED ?= 2026
PYTEST_ARGS ?=

.PHONY: demo test venv messages static lint

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
	  { echo "This project needs Python 3.10 or newer (Django 5.2); '$(PYTHON)' is `$(PYTHON) --version 2>&1`." >&2; \
	    echo "Install a newer python3 or run: make PYTHON=/path/to/python3.11 ..." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed: requirements.txt $(VENV)/.python-ok
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

messages: venv
	$(PY) manage.py compiletranslations --verbosity 0

# Static files are collected so that whitenoise serves the same files in every mode.
static: venv
	$(PY) manage.py collectstatic --noinput --verbosity 0

lint: venv
	$(VENV)/bin/ruff check .

demo: messages static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --enterprises $(DEMO_ENTERPRISES) --seed $(DEMO_SEED)
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: messages static lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)
