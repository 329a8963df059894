# One command each, on a fresh machine with Python 3.11+:
#   make test   set up .venv, run the unit tests (the site in a browser too) and re-execute
#               every notebook with nbval
#   make run    set up .venv, execute the whole series in place and render the site
#   make site   render the site alone from the outputs stored in the notebooks (_build/html)
#   make test-latest  the whole suite in .venv-latest, the newest releases of every requirement (no
#               pins): what the next upgrade breaks (benchmarks/results/latest.md; not in CI)
#   make lab    set up .venv and open the series in JupyterLab (rooted at the repository, notebook
#               01 open; --allow-root added when run as root), one BLAS thread
# One BLAS thread: on 2 shared cores, competing OpenBLAS threads made runs 3-6x slower (measured;
# in JupyterLab 1.7-4.2x per notebook, benchmarks/results/jupyterlab.md). Every target below runs
# with these, `make lab`'s kernels too; binder/start sets the same on Binder.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
PYTHON ?= python3
VENV   ?= .venv
LATEST_VENV ?= .venv-latest
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NBVAL_OPTS := --nbval --nbval-current-env --nbval-sanitize-with nbval-sanitize.cfg
# Tests that are phases of their own in `make test` (slow: a browser, a whole `make run`), not unit tests.
SITE_TEST := tests/test_site.py
CLEAN_RUN_TEST := tests/test_make_run_clean.py

.PHONY: venv test unit nbval test-latest run notebooks site lab benchmark benchmark-lab clean

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	    { echo "pity-the-fool needs Python 3.11 or later; $(PYTHON) is $$($(PYTHON) --version 2>&1). Use PYTHON=python3.11 make ..."; exit 1; }
	@echo "Setting up $(VENV): the pinned packages of requirements.txt and constraints.txt (about 150;"
	@echo "about 3 minutes on 2 cores with a fast network), then helpers (editable)."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)
	@echo "$(VENV) is ready."

## The README's test command, in four phases, each announced: the unit tests, the site in a
## browser, `make run` on a clean clone of HEAD (it must leave `git status` clean), and every
## notebook re-executed and compared with its stored outputs (nbval).
test: $(STAMP)
	@echo "== make test, 1 of 4: unit tests (9.5 min measured here, on 2 busy cores) =="
	$(BIN)/python -m pytest tests --ignore=$(SITE_TEST) --ignore=$(CLEAN_RUN_TEST)
	@echo "== make test, 2 of 4: the site, built and opened in a headless browser (7 min) =="
	$(BIN)/python -m pytest $(SITE_TEST)
	@echo "== make test, 3 of 4: make run on a clean clone leaves git status clean (4.3 min) =="
	$(BIN)/python -m pytest $(CLEAN_RUN_TEST)
	@echo "== make test, 4 of 4: every notebook re-executed and compared, text and figures (2.2 min) =="
	$(BIN)/python -m pytest notebooks $(NBVAL_OPTS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=$(SITE_TEST) --ignore=$(CLEAN_RUN_TEST)

nbval: $(STAMP)
	$(BIN)/python -m pytest notebooks $(NBVAL_OPTS)

## The newest releases, no pins (a fresh venv each time): benchmarks/results/latest.md.
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	sed -e 's/[=<>~!].*//' -e '/^#/d' -e '/^$$/d' requirements.txt > $(LATEST_VENV)/unpinned.txt
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade -r $(LATEST_VENV)/unpinned.txt
	$(LATEST_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(LATEST_VENV)/bin/python benchmarks/latest.py

## The README's main-job command: execute the whole series (outputs stored in the notebooks),
## then render the site from those outputs and print where to open it.
run: notebooks
	$(MAKE) --no-print-directory site

## One line per notebook (name, seconds, whether its outputs changed); a notebook is rewritten
## only when they did, so a run on a clean checkout leaves it clean (scripts/execute_notebooks.py).
notebooks: $(STAMP)
	$(BIN)/python scripts/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/python scripts/readme_figure.py

## The static site (Jupyter Book, warnings are errors, offline): _build/html/index.html.
site: $(STAMP)
	$(BIN)/python site/build.py

## Read and run the notebooks in JupyterLab, as fast as `make notebooks` (the BLAS settings above
## reach every kernel it starts): rooted at the repository, so the notebooks' links to site/ open,
## with notebook 01 open; as root (a container) with --allow-root, and a line saying so
## (scripts/lab.py; LAB_OPTIONS="--port=8890 --no-browser" passes options on). Stop it with Ctrl-C.
lab: $(STAMP)
	$(BIN)/python scripts/lab.py $(LAB_OPTIONS)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/notebooks.py

## Run All in JupyterLab (headless Chromium) against `make notebooks`, with and without the
## thread settings: benchmarks/results/jupyterlab.md (about 10 minutes).
benchmark-lab: $(STAMP)
	$(BIN)/python benchmarks/jupyterlab.py

clean:
	rm -rf $(VENV) $(LATEST_VENV) _build site/notebooks benchmarks/screenshots
