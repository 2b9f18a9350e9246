# The two commands of the README:  `make book`  and  `make test`.  Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DLBOOK_PROGRESS ?= 0
export PYTHONHASHSEED := 0

.PHONY: book book-en book-zh translations test check setup system-deps execute exercises \
	lint clean benchmarks

## book: build both editions (set-up included): the English book into _build/html, the
## Chinese one into _build/html/zh_CN (each page links to the same page in the other)
book: book-en book-zh

## book-en: the English book only
book-en: setup
	$(BIN)/python -m tools.fetch_mathjax
	$(BIN)/jupyter-book build . --builder html
	@echo "The book is at $(CURDIR)/_build/html/index.html"

## book-zh: the Chinese book only, from the same sources and locales/zh_CN's catalogues
book-zh: setup
	$(BIN)/python -m tools.fetch_mathjax
	$(BIN)/python -m tools.translations build

## translations: after an English edit, the catalogues in locales/zh_CN follow it (new
## messages empty, changed ones fuzzy), then the Chinese notebooks in zh/ are rewritten
translations: setup
	$(BIN)/python -m tools.translations extract
	$(BIN)/python -m tools.translate_notebooks

## test: run the whole test suite (set-up included)
test: setup system-deps
	$(BIN)/python -m tools.fetch_mathjax
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## check: the quick loop, the unit tests only (tests/, no notebook runs, no otter-grader, no
## book build, no browser; under 2 minutes on 2 cores); `make test` runs everything
check: setup
	$(BIN)/python -m pytest tests -m "not grading and not book and not browser" $(PYTEST_ARGS)

## setup: the virtual environment in .venv, from requirements.txt (re-run when it changes)
setup: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (dlbook)" >/dev/null
	touch $(STAMP)

## system-deps: Debian's Chromium for the browser tests, and a CJK font so that the glossary's
## Chinese shows in the screenshots (each installed when missing and we are root)
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing; the browser tests may be skipped"; \
	  else echo "note: missing$$missing (sudo apt-get install$$missing); browser tests may be skipped"; fi; \
	fi

## execute: re-run notebooks in place, top to bottom (all, or NB="book/01-neurons.ipynb ...")
execute: setup
	$(BIN)/python -m tools.execute_notebooks $(NB)

## exercises: regenerate exercises/ from the masters in solutions/ with otter assign
exercises: setup
	$(BIN)/python -m tools.make_exercises

## benchmarks: the from-scratch operations against PyTorch, scaling, machine ceiling; writes
## benchmarks/results.json and book/costs.md (BENCH_ARGS="--chapters" also executes every
## notebook CI's nbval runs: each chapter's time against its budget, its headline numbers,
## the total against 35 minutes)
benchmarks: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check src tests tools book solutions benchmarks

clean:
	rm -rf _build dist book/_static/mathjax
