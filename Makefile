# The two quickstart commands: `make run` and `make test`. Each creates .venv and installs
# what it needs on a fresh machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint audit browser lock clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/ispbot migrate
	$(BIN)/ispbot seed-demo --if-empty
	$(BIN)/ispbot serve

test: $(STAMP) browser audit
	$(BIN)/ruff check .
	$(BIN)/pytest

# Known vulnerabilities in the locked dependencies (PyPI's advisory data): fails on any.
# A pin the advisory service does not know is listed as skipped, not failed.
audit: $(STAMP)
	$(BIN)/pip-audit --requirement requirements.lock --no-deps --disable-pip --progress-spinner off

lint: $(STAMP)
	$(BIN)/ruff check .

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
browser:
	@command -v chromium >/dev/null && dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null)

# Re-pin the dependencies after changing pyproject.toml.
lock:
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info
