# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export HF_HUB_OFFLINE := 1

.PHONY: run test test-rebuild models lint bench worker clean stop-db

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

# Serves the UI and API with one Celery worker. Ctrl-C stops the worker and,
# unless DATABASE_URL points elsewhere, the embedded PostgreSQL this run started.
# The demo source is a feed this server serves itself: the address guard refuses
# loopback addresses, except the one host:port named here.
run: export SITE_URL := http://127.0.0.1:$(PORT)
run: export FETCH_ALLOWED_HOSTS := 127.0.0.1:$(PORT)
run: $(VENV)/.runtime
	@[ -z "$$DATABASE_URL" ] && [ "$$($(PY) -m factcheck.embedded_pg running)" = no ] && started_db=yes || started_db=no; \
	cleanup() { status=$$?; \
		[ -n "$$worker" ] && kill $$worker 2>/dev/null && wait $$worker 2>/dev/null; \
		[ "$$started_db" = yes ] && $(PY) -m factcheck.embedded_pg stop; \
		trap - EXIT INT TERM; exit $$status; \
	}; \
	trap cleanup EXIT INT TERM; \
	$(PY) manage.py migrate --noinput && $(PY) manage.py load_demo || exit 1; \
	echo "factcheck on http://127.0.0.1:$(PORT)/ — log in as reviewer / factcheck-demo"; \
	$(VENV)/bin/celery -A factcheck worker -B -Q default,extraction,embedding,matching -c 1 --loglevel INFO \
		--without-mingle --without-gossip -s $(CURDIR)/.var/celerybeat-schedule & worker=$$!; \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

# Stops an embedded PostgreSQL left running (by a `make run` that was killed, or the tests).
stop-db:
	$(PY) -m factcheck.embedded_pg stop

test: $(VENV)/.dev
	$(VENV)/bin/pytest

# Rebuilds the committed check-worthiness models from ../shared and compares the
# bytes (about 80 s: the joint model embeds 42,776 debate sentences).
test-rebuild: $(VENV)/.dev
	$(VENV)/bin/pytest -m rebuild

# The ONNX exports (about 45 s on 2 cores), done once per machine.
models: $(VENV)/.runtime
	$(PY) manage.py prepare_models

# Style, layer contracts (pyproject.toml [tool.importlinter]) and types.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy claims factcheck

clean:
	rm -rf .var

# Load test on loopback (about 3 minutes): gunicorn, two Celery workers and a
# private Redis against a throwaway database; prints throughput and latencies.
.PHONY: load
load: $(VENV)/.dev
	$(PY) loadtest/run.py $(LOAD_ARGS)

# Benchmarks on loopback (under 15 minutes on 2 cores once the benchmark
# database holds the embedded corpus): a table, and the figures in
# bench/results.json. Never touches the development database.
.PHONY: bench-scale
bench: $(VENV)/.dev
	$(PY) -m bench.run $(BENCH_ARGS)

# Search with a million synthetic references (an hour or more on 2 cores).
bench-scale: $(VENV)/.dev
	$(PY) -m bench.run --parts scale_1m
