# Two commands do all set-up: `make serve` serves the sample site, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: serve test lint system-packages bench bench-publish bench-scale bench-build bench-import \
	bench-memory bench-redeploy bench-polls bench-samebytes bench-firststart screenshots clean

WHEELHOUSE := $(VENV)/wheelhouse

# The wheelhouse holds every dependency as a wheel (and setuptools, to build ours, and pip, which
# pipx puts in its shared venv), so the tests that install feeds outside the checkout (into a
# fresh venv, and with pipx) need no network.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) . 'setuptools>=68' pip
	rm -f $(WHEELHOUSE)/feeds-*.whl
	rm -rf build  # setuptools' work folder: a stale one would put deleted modules in the next wheel
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/feeds serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check feeds tests bench tools
	$(BIN)/mypy

# The Debian programs the end-to-end tests drive: chromium, newsboat, rss2email, varnish, nginx.
system-packages:
	tools/system-packages

# Two processes, a test file each at a time (a file's tests share its servers): the suite
# mostly waits on servers, readers and proxies, so two keep both cores busy.
PYTEST_ARGS ?= -n 2 --dist loadfile

test: lint system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

bench-publish: $(STAMP)
	$(BIN)/python -m bench.publish $(BENCH_ARGS)

# Sites of 10,000 and 100,000 stories, with and without ids; Hugo beside, where installed.
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

# feeds build on the 10,000-story site: a full build beside Hugo's, and one-file incremental builds.
bench-build: $(STAMP)
	$(BIN)/python -m bench.build $(BENCH_ARGS)

# First starts at 10,000 and 100,000 stories, in rounds alternating with a baseline commit.
bench-firststart: $(STAMP)
	$(BIN)/python -m bench.firststart $(BENCH_ARGS)

# feeds build of the 10,000-story site by this checkout and by a baseline (BENCH_ARGS=--baseline
# COMMIT, default 8e2167f), compared file by file (gzip twins decompressed).
bench-samebytes: $(STAMP)
	$(BIN)/python -m bench.samebytes $(BENCH_ARGS)

# feeds import of a thousand-item export per platform, timed, with peak memory; and a paged
# feed that never ends, before and after the spool.
bench-import: $(STAMP)
	$(BIN)/python -m bench.importing $(BENCH_ARGS)

# Deploys that replace content/ (a symlink swap, rm -rf and cp -r): swap to served, in rounds.
bench-redeploy: $(STAMP)
	$(BIN)/python -m bench.redeploy $(BENCH_ARGS)

# One worker's RSS and PSS while it serves 32,000 distinct documents, at three cache sizes.
bench-memory: $(STAMP)
	$(BIN)/python -m bench.memory $(BENCH_ARGS)

# What counting polls for /stats/ costs a 304 poll, in-process, with and without the hook.
bench-polls: $(STAMP)
	$(BIN)/python -m bench.pollcount $(BENCH_ARGS)

screenshots: $(STAMP) system-packages
	$(BIN)/python -m tools.screenshots

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
