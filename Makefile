# The portal's set-up, run and test. `make run` and `make test` do all set-up on a fresh
# Debian or Ubuntu machine with Python 3.11+; every other target is a step of theirs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# System packages, as "command:package" (present if the command is on PATH) or a bare
# package name (present if dpkg has it): CJK font and HarfBuzz subsetting for WeasyPrint
# (without it PDFs are written ~40x slower), gettext for translations, npm for front-end
# assets, Chromium for the browser tests, poppler-utils to read PDFs back in tests.
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
	msgfmt:gettext npm:npm chromium:chromium pdftotext:poppler-utils \
	docker-compose:docker-compose pg_dump:postgresql-client

.PHONY: run test setup system-packages venv assets messages po static migrate demo logins lint format bench clean \
	check-deploy backup restore load

run: setup migrate demo
	@echo "Serving the portal on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory check-deploy
	$(VENV)/bin/pytest

setup: system-packages venv assets messages static

# Installs what is missing when run as root with apt; otherwise says what to install.
system-packages:
	@missing=""; for spec in $(SYSTEM_PACKAGES); do \
		case $$spec in \
		*:*) command -v $${spec%%:*} >/dev/null 2>&1 || missing="$$missing $${spec#*:}";; \
		*) dpkg-query -W -f='$${Status}' $$spec 2>/dev/null | grep -q "install ok installed" \
			|| missing="$$missing $$spec";; \
		esac; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing system packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "Missing system packages:$$missing"; \
		echo "Install them with: sudo apt-get install$$missing"; \
		exit 1; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

# Front-end assets from the npm registry, pinned by package-lock.json; never a CDN.
assets: static/vendor/.installed

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor/bootstrap static/vendor/htmx static/vendor/echarts
	cp -R node_modules/bootstrap/dist/. static/vendor/bootstrap/
	cp -R node_modules/htmx.org/dist/. static/vendor/htmx/
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE static/vendor/echarts/
	touch $@

messages: venv
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# Extract new strings into the Chinese catalogue; translate them before committing.
po: venv
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete -v0 --ignore=.venv --ignore=node_modules \
		--ignore=static --ignore=staticfiles --ignore=var --ignore=test-artifacts

static: venv assets
	$(PY) manage.py collectstatic --noinput -v0

migrate: venv
	$(PY) manage.py migrate --noinput -v0

demo: migrate
	$(PY) manage.py load_longshan_demo

logins: venv
	@$(PY) manage.py load_longshan_demo --logins

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Django's deployment checklist under production settings: HTTPS, a real key, no DEBUG.
check-deploy: venv
	DEBUG=0 LONGSHAN_HTTPS=1 ALLOWED_HOSTS=cadres.longshan.example \
		SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(PY) manage.py check --deploy --fail-level WARNING

# A backup of the database (DATABASE_URL) under var/backups/, named with the time.
backup: venv
	$(PY) manage.py backup_database

# Replace the database's content with a backup: make restore FILE=var/backups/longshan-….dump
restore: venv
	@test -n "$(FILE)" || { echo "Name the backup: make restore FILE=var/backups/..."; exit 1; }
	$(PY) manage.py restore_database "$(FILE)"

# Load run, not part of `make test`: 50 simulated users for 2 minutes of the month-end mix
# against gunicorn on loopback with the demo data; writes its p95 to bench/results.json.
# LOAD_DATABASE_URL (default DATABASE_URL, else var/load/longshan-load.sqlite3), LOAD_USERS,
# LOAD_DURATION, LOAD_PORT override it. Fails if any request failed.
load: setup
	$(PY) bench/load.py

# Benchmark, not part of `make test`: a synthetic county at scale SCALE (1 = Longshan,
# 60 = a province) built on a fresh database of its own (BENCH_DATABASE_URL; else a
# `bench` database on DATABASE_URL's PostgreSQL server; else var/bench/*.sqlite3), the
# jobs, documents and pages measured beside their floors; writes bench/results.json.
SCALE ?= 1
bench: setup
	BENCH_SCALE=$(SCALE) $(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles var
