# nlmg: every target works from a fresh clone and is safe to run again.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# The browser tests (tests/browser) drive Debian's chromium, launched by this path.
CHROMIUM := /usr/bin/chromium

.PHONY: run test serve admin migrate canon lint format check clean-venv bench browser-deps screenshots backup restore soak \
	stop status worker

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

canon: migrate
	$(PY) manage.py load_canon
	$(PY) manage.py load_starter_threads

## make run: set up everything and serve the development site on http://127.0.0.1:8000,
## with a task worker beside it (notifications, email); Ctrl-C stops both.
run: canon
	@$(PY) -m nlmg.ops check-port $(HOST) $(PORT)
	@$(PY) -m nlmg.embedded_db status
	@echo
	@echo "  nlmg is starting on http://$(HOST):$(PORT)/ (another port: make run PORT=8001)"
	@echo "  A task worker runs beside it (notifications, email); Ctrl-C stops both."
	@echo "  First admin account: run 'make admin' in another terminal (then log in at /admin/)."
	@echo "  The database keeps running afterwards: 'make stop' stops it, 'make status' tells."
	@echo
	@$(WITH_WORKER) $(PY) manage.py runserver $(HOST):$(PORT)

# Runs the command after it with a task worker beside it, in a process group of its own (the
# worker's autoreloader has a child), stopped with the command however that ends.
WITH_WORKER = trap 'kill -TERM -$$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	setsid $(PY) manage.py run_worker & worker=$$!;

## make worker: run a task worker in the foreground (what production runs beside gunicorn)
worker: migrate
	$(PY) manage.py run_worker

## make status: is the embedded database running, and where (needs no .venv, starts nothing)
status:
	@$(PYTHON) -m nlmg.embedded_db status

## make stop: stop the embedded database (make run and make test start it again by themselves)
stop:
	@$(PYTHON) -m nlmg.embedded_db stop

## make test: lint, format check, migration check and the whole test suite on real PostgreSQL
test: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory browser-deps
	$(VENV)/bin/pytest

# axe-core (package.json, pinned in package-lock.json) for the browser tests' accessibility
# checks; without chromium the browser tests are skipped, and this says so.
browser-deps:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "chromium not found: the browser tests will be skipped (apt-get install chromium to run them)"; \
	elif [ -f node_modules/axe-core/axe.min.js ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund || npm install --no-audit --no-fund; \
	else \
		echo "npm not found: the accessibility checks will be skipped (apt-get install npm to run them)"; \
	fi

## make serve: the production-style server (gunicorn + whitenoise, DEBUG off) on loopback,
## with a task worker beside it
PRODUCTION_ENV = DJANGO_DEBUG=0 SECRET_KEY="$$(cat var/secret_key)" ALLOWED_HOSTS=127.0.0.1,localhost \
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0
serve: canon
	@$(PY) -m nlmg.ops check-port $(HOST) $(PORT)
	@mkdir -p var
	@test -s var/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	$(PRODUCTION_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@$(PY) -m nlmg.embedded_db status
	@echo "  nlmg (production mode) on http://$(HOST):$(PORT)/ (another port: make serve PORT=8001)"
	@export $(PRODUCTION_ENV); $(WITH_WORKER) \
	$(VENV)/bin/gunicorn nlmg.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--no-control-socket --access-logfile - --max-requests 5000 --max-requests-jitter 500

## make admin: create the first administrator account: asks in a terminal; without one (or
## when they are set) reads DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL, DJANGO_SUPERUSER_PASSWORD
admin: migrate
	@if [ -n "$$DJANGO_SUPERUSER_USERNAME$$DJANGO_SUPERUSER_PASSWORD" ] || [ ! -t 0 ]; then \
		if [ -z "$$DJANGO_SUPERUSER_USERNAME" ] || [ -z "$$DJANGO_SUPERUSER_EMAIL" ] || \
		   [ -z "$$DJANGO_SUPERUSER_PASSWORD" ]; then \
			echo "make admin: no terminal to ask in, so set all three of DJANGO_SUPERUSER_USERNAME," \
				"DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD and run it again, e.g." >&2; \
			echo "  DJANGO_SUPERUSER_USERNAME=emily DJANGO_SUPERUSER_EMAIL=emily@example.org" \
				"DJANGO_SUPERUSER_PASSWORD='a long passphrase' make admin" >&2; \
			exit 2; \
		fi; \
		$(PY) manage.py createsuperuser --noinput && \
		echo "make admin: created the administrator '$$DJANGO_SUPERUSER_USERNAME'; log in at /admin/"; \
	else \
		$(PY) manage.py createsuperuser; \
	fi

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean-venv:
	rm -rf $(VENV)

## make screenshots: refresh docs/screenshots/ (the README's tour) in headless chromium
screenshots: $(DEV_STAMP)
	@test -x "$(CHROMIUM)" || { echo "chromium not found: apt-get install chromium, then run make screenshots again"; exit 1; }
	$(VENV)/bin/pytest tests/browser/screenshots.py -q -s

## make bench: the generated large site under gunicorn, driven by wrk; writes bench/results.json
bench: $(DEV_STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || \
		(echo "Install wrk (apt-get install wrk) and run make bench again." && exit 1)
	$(PY) bench/run.py

## make backup [FILE=...]: pg_dump of the site's database (embedded or DATABASE_URL)
backup: $(STAMP)
	$(PY) -m nlmg.backup dump $(FILE)

## make restore FILE=...: restore a backup over the site's database
restore: $(STAMP)
	@test -n "$(FILE)" || (echo "Usage: make restore FILE=var/backups/nlmg-....dump" && exit 2)
	$(PY) -m nlmg.backup restore $(FILE)

## make soak: a few minutes of mixed load against gunicorn; errors, p99 and worker memory
soak: $(DEV_STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/soak.py
