# One command each, on a fresh machine with Python 3.11+:
#   make test   set up .venv, run the unit tests and re-execute every notebook with nbval
#   make run    set up .venv, execute the whole series in place and render the site
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
NBVAL_OPTS := --nbval --nbval-current-env --nbval-sanitize-with nbval-sanitize.cfg

.PHONY: venv test unit nbval run notebooks benchmark clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## The README's test command: unit tests and every notebook re-executed and compared.
test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks $(NBVAL_OPTS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest notebooks $(NBVAL_OPTS)

## The README's main-job command: execute the whole series (outputs stored in the notebooks).
run: notebooks

notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=python3 $(NOTEBOOKS)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/notebooks.py

clean:
	rm -rf $(VENV) _build
