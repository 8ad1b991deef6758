# margin_widgets: serve the voila apps and run the checks.
# Needs only python3 (>= 3.11, with its venv module) and make; everything else goes in .venv.
#
#   make app         serve voila_apps/ at http://127.0.0.1:$(PORT)/   (PORT ?= 8866)
#   make test        ruff + mypy + the whole pytest suite (unit, widgets, notebooks, browser)
#   make test-fast   ruff + mypy + pytest without the browser and notebook tiers
#   make classroom   a JupyterHub for a class at http://127.0.0.1:$(HUB_PORT)/ (deploy/jupyterhub)
#   make clean       caches and test artifacts (keeps .venv); make distclean also drops .venv

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
PORT ?= 8866
HUB_PORT ?= 8000
HOST := 127.0.0.1
PYTEST_ARGS ?=
# pytest-playwright: a PNG of the page of every failing browser test (the folder is
# emptied at the start of each run, so it is not artifacts/screenshots/)
BROWSER_ARTIFACTS := --screenshot=only-on-failure --output=artifacts/playwright

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Jupyter and IPython write their config, data and runtime files here, never in $HOME.
JUPYTER_ENV := $(CURDIR)/.jupyter-env
export JUPYTER_CONFIG_DIR := $(JUPYTER_ENV)/config
export JUPYTER_DATA_DIR := $(JUPYTER_ENV)/data
export JUPYTER_RUNTIME_DIR := $(JUPYTER_ENV)/runtime
export IPYTHONDIR := $(JUPYTER_ENV)/ipython
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

# Same search order as tests/ui/servers.py:locate_chromium()
CHROMIUM_FOUND = $(or $(MARGIN_WIDGETS_CHROMIUM),$(wildcard /usr/bin/chromium /usr/bin/chromium-browser),$(shell command -v chromium chromium-browser google-chrome google-chrome-stable 2>/dev/null))

.PHONY: help app classroom test test-fast lint typecheck install chromium jupyter-env clean distclean

help:
	@echo "make app        serve voila_apps/ at http://$(HOST):$(PORT)/ (PORT=... to change)"
	@echo "make classroom  JupyterHub for a class at http://$(HOST):$(HUB_PORT)/ (deploy/)"
	@echo "make test       ruff, mypy and the whole test suite (installs Chromium if root)"
	@echo "make test-fast  ruff, mypy and tests without the browser/notebook tiers"
	@echo "make clean      remove caches and artifacts (distclean: also .venv)"

# --- environment -------------------------------------------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "error: '$(PYTHON)' is missing or older than Python 3.11 (make PYTHON=python3.11 ...)" >&2; \
	  exit 1; }
	@echo "creating $(VENV) with $(PYTHON)"
	@if ! $(PYTHON) -m venv $(VENV); then \
	  rm -rf $(VENV); \
	  echo "" >&2; \
	  echo "error: '$(PYTHON) -m venv' failed: the venv module or ensurepip is missing." >&2; \
	  echo "       On Debian/Ubuntu install it with:  apt-get install python3-venv" >&2; \
	  exit 1; \
	fi

# Re-install only when pyproject.toml changes (or the venv is new).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test,classroom]'
	@touch $@

install: $(STAMP)

jupyter-env:
	@mkdir -p $(JUPYTER_CONFIG_DIR) $(JUPYTER_DATA_DIR) $(JUPYTER_RUNTIME_DIR) $(IPYTHONDIR)

# --- serve ---------------------------------------------------------------------------------

# `margin-widgets serve` (margin_widgets/cli.py) serves voila_apps/ with voila.json, found in
# the source checkout here and inside the package in an installed wheel; it prints the address.
app: $(STAMP) jupyter-env
	@exec $(BIN)/margin-widgets serve --host $(HOST) --port $(PORT)

# JupyterHub for a class (deploy/jupyterhub/jupyterhub_config.py, settings in deploy/shared.yaml):
# one server per learner, lessons copied into each home, Voila apps at /user/<name>/voila/...
# State (database, cookie secret, learners' homes) in .classroom/. AUTH=native (default: the
# teacher signs up as "teacher", then approves learners at /hub/authorize) or AUTH=firstuse.
AUTH ?= native
classroom: $(STAMP) jupyter-env
	@echo ""
	@echo "  Classroom hub: open  http://$(HOST):$(HUB_PORT)/   (Ctrl+C stops it and every learner's server)"
	@if [ "$(AUTH)" = native ]; then \
	  echo "  Teacher: sign up as 'teacher' at http://$(HOST):$(HUB_PORT)/hub/signup, log in, then"; \
	  echo "  approve each learner's sign-up at http://$(HOST):$(HUB_PORT)/hub/authorize"; fi
	@echo ""
	@MARGIN_CLASSROOM_AUTH=$(AUTH) MARGIN_CLASSROOM_PORT=$(HUB_PORT) \
	  exec $(BIN)/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

# --- checks --------------------------------------------------------------------------------

chromium:
	@if [ -n "$(strip $(CHROMIUM_FOUND))" ]; then \
	  echo "Chromium for browser tests: $(firstword $(CHROMIUM_FOUND))"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "no Chromium found: installing Debian's chromium"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update </dev/null && apt-get install -y chromium </dev/null; \
	else \
	  echo "NOTE: no Chromium found and not root: browser tests will be skipped."; \
	  echo "      Install it with 'sudo apt-get install -y chromium' or set MARGIN_WIDGETS_CHROMIUM."; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Every step runs even if an earlier one failed; the exit status is non-zero if any failed.
define run_checks
	status=0; \
	echo "== ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "== mypy"; $(BIN)/mypy || status=1; \
	echo "== pytest $(1)"; $(BIN)/python -m pytest $(1) || status=1; \
	if [ $$status -ne 0 ]; then echo "FAILED: see the output above" >&2; fi; \
	exit $$status
endef

test: $(STAMP) jupyter-env chromium
	@$(call run_checks,$(BROWSER_ARTIFACTS) $(PYTEST_ARGS))

test-fast: $(STAMP) jupyter-env
	@$(call run_checks,-m 'not browser and not notebook and not install and not classroom' $(PYTEST_ARGS))

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis .jupyter-env artifacts .classroom \
	  test-results build dist *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -path ./.venv -prune -o -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
