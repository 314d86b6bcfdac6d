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

# The demo is served as a newcomer should see the site: DEBUG off, so a missing page is the
# portal's own 404 page and an error its 500 page, not Django's debug pages. Production
# settings need a secret key and host names: a key is generated per run, the hosts are
# the loopback ones, there is no TLS to redirect to and no HSTS to remember; whitenoise
# serves the collected (hashed) static files. `make demo-env` prints these settings.
DEMO_SECRET_KEY := $(shell $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(48))' 2>/dev/null)
DEMO_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$(DEMO_SECRET_KEY) DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,[::1] \
  DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_HSTS_SECONDS=0

.PHONY: demo demo-env test venv messages static lint

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

demo-env:
	@echo $(DEMO_ENV)

demo: messages static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --enterprises $(DEMO_ENTERPRISES) --seed $(DEMO_SEED)
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: messages static lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)
