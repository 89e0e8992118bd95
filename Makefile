# Fengqiao — two commands: `make run` (set up and serve with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install messages migrate seed lint format check clean

run: setup seed ## Set everything up on SQLite, load demo data and serve on 127.0.0.1:8000
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install messages ## Install and run the whole suite (SQLite unless DATABASE_URL is set)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(PY) -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; \
	  exit $$rc

setup: install messages migrate

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

messages: install ## Compile the zh-Hans and en catalogues (needs gettext's msgfmt)
	@command -v msgfmt >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y -qq gettext >/dev/null; \
	  else echo "msgfmt not found: install gettext (apt-get install gettext)"; exit 1; fi; }
	$(PY) manage.py compilemessages --ignore=.venv -v 0

migrate: install
	$(PY) manage.py migrate --no-input -v 0

seed: migrate ## Load demo data (idempotent) and print the demo logins
	$(PY) manage.py seed_demo

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
