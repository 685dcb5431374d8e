# Set-up is `make run` or `make test`; both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run index test bench reader clean

install: $(STAMP)

# torch is pinned first so the CPU build is used; nothing later upgrades it.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

index: install
	$(PY) -m index build seeds

run: index
	$(PY) app.py

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench $(BENCH_ARGS)

# Fine-tune the reader (resumes from .reader-work/), then fit its answer-or-decline decision.
reader: install
	$(PY) -m qa.reading.train $(READER_ARGS)
	$(PY) -m qa.reading.calibrate

clean:
	rm -rf $(VENV) .qa-index .pytest_cache .reader-work
