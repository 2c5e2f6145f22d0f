# Two commands: `make run` and `make test`. Everything else is optional.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
DEMO_COUNT ?= 48
# Resolved lazily: only needed when the venv is (re)created.
PYTHON_FOR_VENV = $(shell scripts/find-python)

.PHONY: run serve test install lint format worker worker-fast worker-builds migrate demo clean update-screenshots

$(BIN)/python:
	@py="$(PYTHON_FOR_VENV)"; [ -n "$$py" ] || exit 1; echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py make_secret_key --verbosity 0
	$(BIN)/python manage.py migrate --noinput

# Every step skips what an earlier run did (the key written, migrations applied, static files
# unchanged, demo images present), so a second `make run` is ready in seconds (README "Two
# commands"). scripts/prepare-demo runs migrate, collectstatic and seed_demo in one process.
demo: install
	@if [ ! -s "$${VAR_DIR:-var}/secret_key" ] || grep -qs VAR_DIR .env; then \
		$(BIN)/python manage.py make_secret_key --verbosity 0; fi
	@$(BIN)/python scripts/prepare-demo $(DEMO_COUNT)

run: demo
	@scripts/serve

# The production web server (gunicorn, deploy/gunicorn.conf.py); see README "Running in production".
serve: install
	$(BIN)/python manage.py make_secret_key --verbosity 0
	@scripts/serve-production

# Two pools, so purges and moderation never wait behind builds (README "Workers"):
# one fast worker per host, one builds worker per core. `make worker` runs one of each.
worker: install
	@$(MAKE) --no-print-directory -j2 worker-fast worker-builds

worker-fast: install
	$(BIN)/python manage.py run_worker fast

worker-builds: install
	$(BIN)/python manage.py run_worker builds

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

update-screenshots:
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/visual -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/ .pytest_cache test-output
