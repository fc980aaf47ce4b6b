# Ouvert — set-up, demo, tests.
#
#   make demo      create .venv, install everything, build static files and translations,
#                  then migrate, load the demo content and serve on http://127.0.0.1:8000
#   make test      the same set-up, then the whole test suite (pytest)
#   make lint      ruff
#   make messages  refresh the translation catalogue (needs GNU gettext), then compile it
#   make r-examples  install R (Debian's r-base-core, r-cran-httr, r-cran-jsonlite) for the
#                  teaching section's R examples, which the tests run; nothing when Rscript is there
#
# Re-running is fast: pip and npm only run again when pyproject.toml or
# package-lock.json change (stamp files), static files and .mo files only when their
# sources change. Pass PYTHON=python3.12 to choose the interpreter, PYTEST_ARGS=... to
# narrow the tests, DATABASE_URL=postgres://... to test on PostgreSQL, PYTEST_WORKERS=N
# to run the tests in N processes (default: one per core; 0: in make's own process).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_STAMP := $(VENV)/.ouvert-installed
NPM_STAMP := node_modules/.ouvert-installed
VENDOR_STAMP := src/ouvert/static/vendor/versions.json
PO_FILES := $(wildcard src/ouvert/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
PYTEST_ARGS ?=
PYTEST_WORKERS ?= auto

export OUVERT_DATA_DIR ?= $(CURDIR)/var

.PHONY: all setup demo test lint messages static clean check-tools r-examples

all: setup

setup: check-tools $(PIP_STAMP) $(VENDOR_STAMP) $(MO_FILES)

check-tools:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required ($(PYTHON) not found; try PYTHON=python3.11)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required; $(PYTHON) is $$($(PYTHON) --version). Try PYTHON=python3.11."; exit 1; }
	@command -v node >/dev/null || { echo "Node.js 20+ is required (node not found)."; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || { echo "Node.js 20+ is required; node is $$(node --version)."; exit 1; }
	@command -v npm >/dev/null || { echo "npm is required (it comes with Node.js)."; exit 1; }
	@command -v Rscript >/dev/null || echo "Warning: Rscript not found: the teaching section's R examples will fail in the tests (run make r-examples)."

r-examples:
	@Rscript -e 'library(httr); library(jsonlite)' >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q r-base-core r-cran-httr r-cran-jsonlite; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PIP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[test,dev]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR_STAMP): $(NPM_STAMP) scripts/build-static.mjs
	node scripts/build-static.mjs

static: $(VENDOR_STAMP)

src/ouvert/locale/%.mo: src/ouvert/locale/%.po $(PIP_STAMP)
	$(BIN)/python scripts/compile_messages.py

demo: setup
	$(BIN)/ouvert demo

test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(PIP_STAMP)
	$(BIN)/ruff check src tests scripts

# makemessages walks the package folder only (not .venv or node_modules) and keeps
# file names (not line numbers) as locations, so the catalogue's diffs stay readable.
messages: $(PIP_STAMP)
	@command -v msgmerge >/dev/null || { echo "makemessages needs GNU gettext: sudo apt-get install gettext"; exit 1; }
	cd src/ouvert && $(CURDIR)/$(BIN)/ouvert manage makemessages -l en --add-location=file --no-obsolete
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) node_modules src/ouvert/static/vendor $(MO_FILES)
