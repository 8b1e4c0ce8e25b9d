# The single source of setup: `make run` and `make test` build everything they need from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench screenshots clean migrate browser-deps smoke constraints

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "okrbot needs Python 3.11 or newer" >&2; exit 1)
	@echo "okrbot: installing into $(VENV) (a minute the first time; pip's log goes to $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@($(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]') \
		> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log >&2; exit 1)
	@touch $(STAMP)

## run: start okrbot (HTTP server with Slack credentials, else the local sandbox)
run: $(STAMP)
	@$(BIN)/okrbot run

## test: lint, then the whole suite on every core (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
PYTEST_ARGS ?= -n auto
test: $(STAMP)
	$(BIN)/ruff check bot storage tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot storage tests bench

## smoke: build the wheel, install it without extras in a fresh venv, run every command (.ci/smoke-wheel)
smoke: $(STAMP)
	PYTHON=$(abspath $(BIN)/python) .ci/smoke-wheel

## constraints: re-pin constraints.txt from the current .venv (after changing pyproject.toml)
constraints: $(STAMP)
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^okrbot'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

migrate: $(STAMP)
	$(BIN)/okrbot migrate

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	$(BIN)/python -m bot.sandbox.screenshots

clean:
	rm -rf $(VENV) .pytest_cache okrbot.db
