# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test install lint format messages compilemessages system-deps check-deploy clean

# --- installation (each step re-runs only when its inputs change) ---------------------------
$(BIN)/activate: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Tilskot needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

install: $(BIN)/activate node_modules/.package-lock.json compilemessages

compilemessages: $(BIN)/activate
	@$(MANAGE) compile_catalogs

# What the tests need from the system: Debian's Chromium for the browser tests (Playwright
# cannot download a browser here), GNU gettext for the catalog check, and WeasyPrint's Pango,
# HarfBuzz subsetting and the letters' font. Installed when missing
# and we are root on Debian; otherwise a clear message.
system-deps:
	@missing=""; \
	command -v $${CHROMIUM_PATH:-chromium} >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v xgettext >/dev/null 2>&1 || missing="$$missing gettext"; \
	for lib in libpango-1.0.so.0:libpango-1.0-0 libpangoft2-1.0.so.0:libpangoft2-1.0-0 \
	           libharfbuzz-subset.so.0:libharfbuzz-subset0; do \
	  /sbin/ldconfig -p | grep -q "$${lib%%:*}" || missing="$$missing $${lib##*:}"; \
	done; \
	fc-list 2>/dev/null | grep -qi "liberation sans" || missing="$$missing fonts-liberation2"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing from Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing:$$missing. Install them (Debian: sudo apt-get install$$missing)."; exit 1; \
	  fi; \
	fi

# --- the two commands ------------------------------------------------------------------------
run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) load_reference
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# --- for developers ---------------------------------------------------------------------------
lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/djlint templates --lint

format: $(BIN)/activate
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract UI strings into locale/*/LC_MESSAGES/django.po (needs GNU gettext's xgettext).
messages: $(BIN)/activate
	$(MANAGE) makemessages --locale nb --locale nn --locale en --no-obsolete --add-location file \
	  --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'

check-deploy: $(BIN)/activate
	DEBUG=0 SECRET_KEY=$$(openssl rand -hex 32) ALLOWED_HOSTS=tilskot.example.org \
	  $(MANAGE) check --deploy --fail-level WARNING

# Benchmarks and the load test (bench/README.md): PostgreSQL and Redis on 127.0.0.1; fills its
# own database (tilskot_bench) and uses Redis db 5. BENCH_SIZES="100 1000" skips 10,000.
.PHONY: bench
bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	bench/run.sh

# The ten key pages at 375 and 1280 px, in nynorsk (Bergen) and bokmål (Østfold), as PNGs in
# screenshots/ (ignored by git): a demo of its own in a temporary SQLite file, Debian's Chromium.
.PHONY: screenshots
screenshots: install
	$(BIN)/python -m tests.screenshots

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
