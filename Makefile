# make build: set up .venv from the pinned lock file, build the data package and the site.
# make test:  run every test.   make bench: parse-time benchmark.
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: build package site test bench clean

build: package site

$(STAMP): requirements.lock
	python3.11 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

package: $(STAMP)
	$(PY) -m pipeline build --sources disclosures --out datapackage

site: $(STAMP) package
	$(PY) -m pipeline site --package datapackage --out site

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m pipeline.bench

clean:
	find datapackage -mindepth 1 -maxdepth 1 ! -name schema -exec rm -rf {} +; rm -rf build site site_src/docs
