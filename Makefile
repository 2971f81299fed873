# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint format bench worker check-deploy messages clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## run: install, migrate, load the demo data, start the task worker and serve on 127.0.0.1:$(PORT)
run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_demo_data --with-demo-users
	@echo "Serving on http://127.0.0.1:$(PORT)/ (the task worker runs beside it; Ctrl+C stops both)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: install what the tests need and run the whole suite on every CPU (TEST_WORKERS=1 for
## one process; browser tests need /usr/bin/chromium)
test: $(VENV)/.installed-test
	TESTING=1 $(PY) -m pytest -n $${TEST_WORKERS:-auto}

## lint: ruff lint and format check, and Django's deployment checklist on production settings
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) check-deploy

check-deploy: $(VENV)/.installed
	DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=activator.example.org $(PY) manage.py check --deploy --fail-level WARNING

format: $(VENV)/.installed-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: time the directory and the API at 10,000 organisations, then the catalog search at
## 100,000 projects on SQLite and PostgreSQL against hand-written SQL and the admin, then the
## ranking of 10,000 applications x 5 reviews against a plain Python loop, then the city index
## of 1,000 cities x 100 indicators and its 1,000-draw sensitivity against a plain Python loop,
## then the events calendar list, API and iCalendar feed at 5,000 events and 200,000
## registrations on SQLite and PostgreSQL beside the trivial view, then the top 10 solutions for
## one challenge among 100,000 on SQLite and PostgreSQL beside a plain NumPy cosine top 10, then
## scheduling 2,000 meeting requests of 300 participants in 12 slots beside the upper bound, then
## the proposals list sorted by supports in one category at 100,000 proposals and 1,000,000
## supports on SQLite and PostgreSQL beside hand-written SQL
bench: $(VENV)/.installed-test
	$(PY) bench/directory.py
	$(PY) bench/catalog.py
	$(PY) bench/calls.py
	$(PY) bench/index.py
	$(PY) bench/events.py
	$(PY) bench/matching_ranking.py
	$(PY) bench/matching_schedule.py
	$(PY) bench/participation.py

## messages: refresh the translation catalogues after changing user-facing strings
messages: $(VENV)/.installed
	cd activator && ../$(PY) ../manage.py makemessages -l ko -l es --no-obsolete
	cd activator && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
