# greendc: `make run` and `make test` work on a fresh machine with only python3.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup run test test-fast lint typecheck bench browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## the main job: plan tomorrow for a built-in western hub (Zhongwei, Ningxia); prints where the report is
run: setup
	$(VENV)/bin/greendc plan --site zhongwei

## the whole test suite, slow tests included (what CI runs); the browser tests run after the rest,
## alone, so a headless Chromium does not share two cores with the solver tests
test: setup browser
	$(PY) -m pytest -q -n 2 -m "not browser"
	$(PY) -m pytest -q -m browser

## fast tests only
test-fast: setup
	$(PY) -m pytest -q -m "not slow and not browser"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## headless Chromium and its driver for the dashboard's browser tests (Debian packages; needs root)
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else \
			echo "chromium/chromedriver missing: browser tests will be skipped (run 'sudo make browser')"; \
		fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
