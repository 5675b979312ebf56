# Two commands for a new user: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test bench docs clean browser serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[web]'
	touch $@

$(TSTAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,spice,dask,docs,web]'
	touch $@

# The dossier's test renders it in headless Chromium (Debian's package). Install it when it is
# missing and we may (root, as in CI). When we may not (not root), or the package manager cannot
# (its lock held by another process, no network), say so and go on: that one test is skipped,
# with the reason written to $(NOBROWSER) for pytest to give.
NOBROWSER := $(VENV)/.no-browser

browser:
	@mkdir -p $(VENV); rm -f $(NOBROWSER); \
	if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium for the dossier test"; \
			log=$$(mktemp); \
			if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >"$$log" 2>&1; then \
				:; \
			elif grep -qiE "could not get lock|held by process|lock-frontend|dpkg frontend lock" "$$log"; then \
				echo "the package manager is locked by another process: chromium not installed, the dossier's browser test will be skipped" | tee $(NOBROWSER); \
			else \
				echo "could not install chromium ($$(grep -m1 '^E:' "$$log" || tail -n1 "$$log")): the dossier's browser test will be skipped" | tee $(NOBROWSER); \
			fi; \
			rm -f "$$log"; \
		else \
			echo "chromium not found and not root: the dossier's browser test will be skipped"; \
		fi; \
	fi

demo: $(STAMP)
	$(BIN)/sojourn porkchop --from earth --to mars \
		--launch 2026-09-01:2027-01-15 --arrive 2027-06-01:2028-02-01 \
		--out porkchop-2026.png

# One pytest worker per core, a test file to a worker: on a fresh clone most of the suite's time
# is numba compiling kernels into its on-disk cache, and two workers compile two at a time.
test: $(TSTAMP) browser
	SOJOURN_SKIP_BROWSER="$$(cat $(NOBROWSER) 2>/dev/null)" $(BIN)/python -m pytest -q -n auto --dist loadfile

# The documentation site, built offline into site/ (its code blocks run in `make test`).
docs: $(TSTAMP)
	$(BIN)/python -m mkdocs build --strict --site-dir site

# The web app on http://127.0.0.1:8000/ (loopback only; Ctrl-C stops it).
serve: $(STAMP)
	$(BIN)/sojourn serve

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/porkchop.py

clean:
	rm -rf $(VENV) build site src/*.egg-info .pytest_cache
