# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint format install system-deps serve bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use: Chromium (browser tests), WeasyPrint's libraries (PDF),
# poppler (PDF pages to PNG) and a CJK font. Installed only where missing, and only as root.
DEBS := chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-wqy-microhei
system-deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Not root: cannot install $$missing (browser/PDF tests will skip)"; \
	  fi; \
	fi

demo: $(STAMP)
	$(VENV)/bin/cxm demo --replace

test: $(STAMP) system-deps
	$(VENV)/bin/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks

serve: $(STAMP)
	$(VENV)/bin/cxm serve

clean:
	rm -rf $(VENV) cxm.db cxm.db-wal cxm.db-shm .pytest_cache .mypy_cache .ruff_cache
