# Linli: `make run` to try it, `make test` to check it. Needs only Python 3.11, git and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.stamp
PYTEST_ARGS ?= -n 2
export FLASK_APP := wsgi

.PHONY: run serve test lint format translations extract-messages migrate clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Linli needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP)-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(STAMP)-dev: requirements.txt requirements-dev.txt $(STAMP)-run
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# Compiled catalogs are build output: made from the .po files, never committed.
translations: $(STAMP)-run
	@$(BIN)/pybabel compile -d app/translations

## run: install, bring the database up to date, load the demo city, serve on http://127.0.0.1:5000 with the scheduler
run: $(STAMP)-run translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Linli is at http://127.0.0.1:5000, its scheduler beside it (Ctrl-C stops both)"
	@$(BIN)/flask scheduler run & scheduler=$$!; \
	trap 'kill -TERM $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# axe-core (npm) for the accessibility checks in the browser tests; skipped, with the reason, without npm.
node_modules/.stamp: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: the accessibility checks will be reported as skipped"; fi

## test: install the dev tools, lint, and run the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
test: $(STAMP)-dev translations node_modules/.stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## extract-messages: refresh the message template and the catalogs after changing texts
extract-messages: $(STAMP)-run
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --ignore-dirs=".* node_modules" \
		--project=Linli --copyright-holder="Linli contributors" -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --width 100

## migrate: write a new migration from the models (review it before committing)
migrate: $(STAMP)-run
	$(BIN)/flask db migrate -m "$(m)"

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
	find app -name '*.mo' -delete
