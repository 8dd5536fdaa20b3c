# make build: set up .venv from the pinned lock file, build the data package and the site.
# make test:  run every test.   make serve: show the built site at http://127.0.0.1:8000/.
# make bench: parse-time benchmark.  make bench-scale N=1000: a generated corpus, time and memory per stage.
#
# The Python that makes .venv: the first of these names that runs Python 3.11 or newer (a pyenv shim of a
# version that is not installed fails to run and is passed over). Override: `make build PYTHON=python3.12`.
# Only creating .venv needs it; everything else runs .venv/bin/python.
PYTHON_NAMES := python3.13 python3.12 python3.11 python3 python
PYTHON_OK    := import sys; sys.exit(sys.version_info < (3, 11))
PY      := .venv/bin/python
STAMP   := .venv/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: build package site test serve bench bench-scale clean

build: package site

$(STAMP): requirements.lock
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then for p in $(PYTHON_NAMES); do \
	  if $$p -c '$(PYTHON_OK)' >/dev/null 2>&1; then py=$$p; break; fi; done; fi; \
	if [ -z "$$py" ] || ! "$$py" -c '$(PYTHON_OK)' >/dev/null 2>&1; then \
	  echo "error: Python 3.11 or newer is needed to create .venv$${py:+ ($$py is older or does not run)}; install it (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python) or name it: make build PYTHON=/path/to/python3.12" >&2; \
	  exit 1; fi; \
	echo "creating .venv with $$("$$py" -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	"$$py" -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

package: $(STAMP)
	$(PY) -m pipeline build --sources disclosures --out datapackage

site: $(STAMP) package
	$(PY) -m pipeline site --package datapackage --out site

test: $(STAMP)
	$(PY) -m pytest

# serves what `make build` wrote into site/ (builds it first if it is not there); Ctrl-C stops it
serve: $(STAMP)
	@[ -f site/index.html ] || $(MAKE) build
	$(PY) -m pipeline serve --site site --host $(HOST) --port $(PORT)

bench: $(STAMP)
	$(PY) -m pipeline.bench

# a generated corpus of N documents (N agencies) built as `make build` does: time and memory per stage;
# SITE=1 builds the site from it too (generation, MkDocs rendering, search indexing)
N ?= 1000
bench-scale: $(STAMP)
	$(PY) -m pipeline.bench --scale $(N)$(if $(SITE), --site)

clean:
	find datapackage -mindepth 1 -maxdepth 1 ! -name schema -exec rm -rf {} +; rm -rf build site site_src/docs
