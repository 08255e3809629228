# Neural Networks, Interactively: build and test.
#   make book   set up, then build the HTML book from scratch into _build/html
#   make test   set up, then lint, unit tests, every notebook, the build and a browser check
# Run `make help` for the other targets.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

# The Python used to create .venv (3.11 or newer); override with `make PYTHON=python3.12 ...`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.requirements.stamp

# npm packages are copied here; Sphinx serves the folder's contents from _build/html/_static/.
VENDOR := _vendor
VENDOR_STAMP := $(VENDOR)/.assets.stamp
MATHJAX_DIR := node_modules/mathjax/es5

# The browser test drives this Chromium through Playwright (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

# One BLAS thread per process. The book's matrices are small: NumPy's OpenBLAS spends more on
# waking its threads than they save, and two nbval workers would each start one per core. The
# chapters execute about 20% faster (benchmarks set their thread counts themselves). Override
# with `make OPENBLAS_NUM_THREADS=2 ...`.
export OPENBLAS_NUM_THREADS ?= 1

IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
APT_GET := DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: help venv assets node chromium book lite pdf student students lint unit notebooks browser test bench clean distclean

help:
	@echo "make book       create .venv, fetch browser assets, build the book (and its JupyterLite"
	@echo "                site) into _build/html"
	@echo "make test       everything 'make book' does, plus lint, unit tests, nbval (chapters and"
	@echo "                student copies), the PDF and the browser tests"
	@echo "make venv       create .venv with the pinned requirements and nnlib (editable)"
	@echo "make assets     install MathJax from package-lock.json"
	@echo "make lite       the JupyterLite site (every chapter, nnlib as a wheel) into _build/html/lite"
	@echo "make pdf        the whole book as one PDF, _build/pdf/book.pdf (after make book)"
	@echo "make student    student copies of the chapters in student/: no solutions, stubs to fill in"
	@echo "make students   make student, then run every student copy under nbval"
	@echo "make lint       ruff on nnlib/, tests/, tools/, bench/ and the chapter notebooks"
	@echo "make bench      benchmarks (nnlib vs PyTorch and scikit-learn, widgets, book times);"
	@echo "                installs bench/requirements.txt, writes appendix/benchmarks.md"
	@echo "make clean      remove build outputs and caches (keeps .venv and node_modules)"
	@echo "make distclean  clean, and remove .venv and node_modules too"

# ---------------------------------------------------------------------------------------------
# Set-up

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "error: no python3 found; install Python 3.11 or newer" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "error: $(PYTHON) is older than Python 3.11; run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.txt
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps -e .
	touch $@

node:
	@if ! command -v npm >/dev/null; then \
	  if [ "$(IS_ROOT)" = yes ]; then \
	    echo "npm is missing: installing Debian's nodejs and npm"; \
	    $(APT_GET) update && $(APT_GET) install -y nodejs npm; \
	  else \
	    echo "error: Node.js and npm are needed for the browser assets. Run:" >&2; \
	    echo "  sudo apt-get update && sudo apt-get install -y nodejs npm" >&2; \
	    exit 1; \
	  fi; \
	fi

assets: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json | node
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/mathjax
	cp -R $(MATHJAX_DIR) $(VENDOR)/mathjax/es5
	touch $@

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$(CHROMIUM)" = /usr/bin/chromium ] && [ "$(IS_ROOT)" = yes ]; then \
	    echo "Chromium is missing: installing Debian's chromium"; \
	    $(APT_GET) update && $(APT_GET) install -y chromium; \
	  else \
	    echo "error: the browser test needs Chromium at $(CHROMIUM). Run:" >&2; \
	    echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; \
	fi
	@"$(CHROMIUM)" --version

# ---------------------------------------------------------------------------------------------
# Book

# Always from scratch: an incremental build silently skips executing unchanged notebooks.
# The JupyterLite site behind every chapter's "run in your browser" button is part of the book.
book: venv assets
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python -m tools.make_lite
	@echo
	@echo "Built: $(CURDIR)/_build/html/index.html"

# JupyterLite alone (about 15 s, 70 MB) into _build/html/lite, e.g. after changing a chapter.
lite: venv
	$(BIN)/python -m tools.make_lite

# Reuses the notebooks `make book` executed (_build/jupyter_execute/) when they are current.
pdf: venv assets chromium
	$(BIN)/python -m tools.make_pdf

student: venv
	$(BIN)/python -m tools.make_student

students: student
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
	  -n auto --dist loadfile -p no:cacheprovider student

# ---------------------------------------------------------------------------------------------
# Tests

lint: venv
	$(BIN)/ruff check nnlib tests chapters _ext tools bench

unit: venv
	$(BIN)/python -m pytest -m "not browser and not build" -n auto --dist loadfile

notebooks: venv
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
	  -n auto --dist loadfile chapters

browser: venv assets chromium
	$(BIN)/python -m pytest -m "build or browser" tests

# Sequential on purpose: the browser test must run after the build it checks.
test: venv assets chromium
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory notebooks
	$(MAKE) --no-print-directory students
	$(MAKE) --no-print-directory book
	$(MAKE) --no-print-directory pdf
	$(MAKE) --no-print-directory browser
	@echo "make test: all checks passed"

# ---------------------------------------------------------------------------------------------
# Benchmarks: a measurement, never a test. Installs the benchmark-only requirements (PyTorch, CPU
# build) into .venv, runs bench/run.py and writes the appendix page appendix/benchmarks.md.

BENCH_STAMP := $(VENV)/.bench-requirements.stamp

$(BENCH_STAMP): bench/requirements.txt $(VENV_STAMP)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r bench/requirements.txt
	touch $@

bench: venv assets $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# ---------------------------------------------------------------------------------------------

clean:
	rm -rf _build build student $(VENDOR) .pytest_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -path ./node_modules -prune -o \
	  \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV) node_modules
