# Fengqiao — two commands: `make run` (set up and serve with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve backup restore test setup install system browser messages migrate seed lint format check clean

run: setup seed ## Set everything up on SQLite, load demo data and serve on 127.0.0.1:8000
	@# HOST and PORT also set FENGQIAO_PUBLIC_URL's default (config/settings.py), so documents'
	@# verification link and QR code point where this server answers.
	HOST=$(HOST) PORT=$(PORT) DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

serve: system install messages ## The deployed stack on this machine: PostgreSQL, Redis, Celery worker and beat, gunicorn (docs/deploy.md)
	HOST=$(HOST) PORT=$(PORT) ./config/serve.sh

BACKUP ?= var/backups/$(shell date +%Y%m%d-%H%M%S)
backup: install ## pg_dump and the media folder into BACKUP (default var/backups/<time>); PostgreSQL only
	$(PY) manage.py backup $(BACKUP)

restore: install ## Replace the database and media with the backup in BACKUP=folder (asks first)
	@[ -n "$(filter command line environment,$(origin BACKUP))" ] || { echo "say which: make restore BACKUP=var/backups/…"; exit 1; }
	$(PY) manage.py restore $(BACKUP)

# The suite in parallel, one database per worker (pytest-xdist): 2 workers on these 2-core machines.
JOBS ?= 2
test: system browser install messages ## Install and run the whole suite (SQLite unless DATABASE_URL is set)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n $(JOBS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here"; exit 1; fi; \
	  exit $$rc

setup: system install messages migrate

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Debian packages the PDFs need: Pango, a CJK font (else WeasyPrint prints empty boxes), HarfBuzz's
# subsetter (else subsetting falls back to fontTools, ~9 s a page), gettext, and poppler's pdfsig
# (the tests check the signed agreement with it as an independent verifier). apt as root,
# otherwise a clear message; never silently without.
system:
	@missing=""; \
	  fc-list :lang=zh family 2>/dev/null | grep -q "WenQuanYi Micro Hei" || missing="$$missing fontconfig fonts-wqy-microhei"; \
	  fc-list :lang=zh family 2>/dev/null | grep -q "AR PL UMing CN" || missing="$$missing fonts-arphic-uming"; \
	  fc-list : family 2>/dev/null | grep -q "Liberation Serif" || missing="$$missing fonts-liberation"; \
	  ldconfig -p 2>/dev/null | grep -q libpangoft2 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	  ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	  command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	  command -v pdfsig >/dev/null || missing="$$missing poppler-utils"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "installing:$$missing"; \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; }; \
	    else echo "missing system packages:$$missing (apt-get install$$missing)"; exit 1; fi; \
	  fi

# Debian's chromium for the browser tests (tests/browser), which Playwright drives: its own browser
# download (`playwright install`) cannot reach this network. apt as root, otherwise a clear message.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing: chromium (for the browser tests)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; \
	  else echo "missing $(CHROMIUM) for the browser tests (apt-get install chromium)"; exit 1; fi; \
	  [ -x $(CHROMIUM) ] || { echo "chromium was installed but $(CHROMIUM) is missing"; exit 1; }; \
	fi

messages: install ## Compile the zh-Hans and en catalogues (needs gettext's msgfmt)
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: run make system"; exit 1; }
	$(PY) manage.py compilemessages --ignore=.venv -v 0

migrate: install
	$(PY) manage.py migrate --no-input -v 0

seed: migrate ## Load demo data (idempotent) and print the demo logins
	$(PY) manage.py seed_demo

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
