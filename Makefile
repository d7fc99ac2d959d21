# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test test-fast lint format install system-deps serve bench golden openapi clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

# PySpark (CXM_COMPUTE=spark and its engine-equality test): `make test` installs it,
# `make demo` does not.
SPARK_STAMP := $(VENV)/.spark-installed
# One pip run for both when neither is installed (CI's fresh clone): a second run would
# resolve every requirement again.
$(SPARK_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -f $(STAMP) || $(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,spark]'
	@touch $(STAMP) $(SPARK_STAMP)

# Debian packages the tests use: Chromium (browser tests), WeasyPrint's libraries (PDF),
# poppler (PDF pages to PNG) and a CJK font; .ci/run adds Java for PySpark (EXTRA_DEBS). Installed only where missing, and only as root.
EXTRA_DEBS ?=
DEBS := $(EXTRA_DEBS) chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-wqy-microhei
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

test: $(SPARK_STAMP) system-deps
	$(VENV)/bin/pytest -n 2 --dist loadgroup -p no:cacheprovider --durations=15 $(PYTEST_ARGS)

# The quick loop while coding: SQLite only, no browser, no slow kinds (under 2 minutes).
test-fast: $(STAMP)
	env -u CXM_TEST_POSTGRES_URL -u CXM_REQUIRE_ALL $(VENV)/bin/pytest -n 2 -p no:cacheprovider \
	  -m "not postgres and not browser and not slow and not fuzz and not spark and not simulation" \
	  --durations=15 $(PYTEST_ARGS)

# Golden outputs (tests/golden/*.json): regenerate after a change that alters a figure on purpose.
golden: $(STAMP)
	$(PY) -m tests.golden.regenerate

# The OpenAPI document of the JSON API (docs/openapi.json): regenerate after changing a route.
openapi: $(STAMP)
	$(PY) -m cxm.web.openapi_export

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks

serve: $(STAMP)
	$(VENV)/bin/cxm serve

# Every benchmark at modest sizes; figures to benchmarks/results/*.json.
bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) cxm.db cxm.db-wal cxm.db-shm .pytest_cache .mypy_cache .ruff_cache
