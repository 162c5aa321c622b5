# GANs, Question by Question: build the book and run the tests.
#
#   make book   the HTML book in _build/html, every notebook executed once (profile: full),
#               JOBS notebooks at a time, then a table of each notebook's time and budget
#   make test   pytest on JOBS workers: ganlib's unit tests, every notebook (profile: quick),
#               the HTML checks and the browser checks (headless Chromium) of the built
#               book: _build/html when `make book` made it from the current sources,
#               else a quick-profile build made by the tests
#
# Both create .venv if it is missing, install requirements.txt and ganlib into it, and
# fetch the JavaScript the offline HTML needs (MathJax, require.js, the ipywidgets
# embedder) into book/_vendor with npm; `make test` also installs Debian's chromium and
# fonts-noto-cjk with apt-get when they are missing. Every step prints how long it took.
# Needs: Python 3.11 (with venv and pip), npm, network access to PyPI and npm; for
# `make test` also apt-get (as root) or chromium and fonts-noto-cjk already installed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# The offline HTML assets: exact versions, checked against these SHA-256 sums of the
# npm tarballs (the registry never changes a published version's tarball).
MATHJAX := mathjax@3.2.2
MATHJAX_SHA256 := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
REQUIREJS := requirejs@2.3.8
REQUIREJS_SHA256 := 777158e89275e16bd51aec3ef714fbcb5dc45789e7078659933bc814916d7dec
HTMLMANAGER := @jupyter-widgets/html-manager@1.0.15
HTMLMANAGER_SHA256 := 2b9d65cb7913e1c7d671757a10008b32c9c2448d4429513371e55c07d6107638
VENDOR := book/_vendor
VENDOR_STAMP := $(VENDOR)/.complete-mathjax-3.2.2-requirejs-2.3.8-html-manager-1.0.15

# `step NAME COMMAND...` runs COMMAND and reports NAME's wall-clock time.
STEP = step() { local name=$$1; shift; local t0=$$(date +%s); \
	echo "[$$(date '+%F %T')] $$name: start"; "$$@"; \
	echo "[$$(date '+%F %T')] $$name: done in $$(( $$(date +%s) - t0 )) s"; }; step

# Sleeping, not spinning, OpenMP threads: see ganlib/__init__.py (kernels inherit this).
export OMP_WAIT_POLICY ?= PASSIVE

# Notebooks (make book) and pytest workers (make test) run JOBS at a time.
JOBS ?= 2
PROFILE_BOOK = $${GANLIB_PROFILE:-full}

.PHONY: help book test install vendor browser clean

help:
	@echo "make book   build the HTML book into _build/html (GANLIB_PROFILE=full unless set)"
	@echo "make test   run pytest: unit tests, every notebook (quick profile), HTML and browser checks"

# Each notebook runs once: .ci/execute_notebooks.py fills Jupyter Book's execution cache
# (_config.yml: execute_notebooks: cache) in parallel, and the build reads it. The log
# and a stamp in _build/html let `make test` check this build instead of making one.
book: install vendor
	@rm -f _build/html/.book-build.json
	@$(STEP) "execute the notebooks (profile $(PROFILE_BOOK), $(JOBS) at a time)" \
		env GANLIB_PROFILE=$(PROFILE_BOOK) GANLIB_STATIC_WIDGETS=1 \
		$(BIN)/python .ci/execute_notebooks.py --jobs $(JOBS)
	@$(STEP) "build the book (profile $(PROFILE_BOOK))" bash -o pipefail -c \
		'env GANLIB_PROFILE=$(PROFILE_BOOK) GANLIB_STATIC_WIDGETS=1 \
		$(BIN)/jupyter-book build --all -W -n --keep-going . 2>&1 | tee _build/book-build.log'
	@printf '{"profile": "%s", "returncode": 0, "log": "_build/book-build.log"}\n' \
		"$(PROFILE_BOOK)" > _build/html/.book-build.json
	@$(BIN)/python .ci/timetable.py
	@echo "The book is in _build/html/index.html"

test: install vendor browser
	@$(STEP) "pytest ($(JOBS) workers)" $(BIN)/pytest -n $(JOBS) --dist loadfile

# Debian's chromium (Playwright drives it: its own browser download does not work here)
# and a CJK font for the glossary's Chinese terms in the screenshots.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			$(STEP) "apt-get install chromium fonts-noto-cjk" bash -c \
			'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null'; \
		else echo "make test needs: sudo apt-get install -y chromium fonts-noto-cjk" >&2; exit 1; fi; \
	fi

install: $(VENV)/.installed

vendor: $(VENDOR_STAMP)

$(BIN)/python:
	@$(STEP) "create $(VENV) with $(PYTHON)" $(PYTHON) -m venv $(VENV)
	@$(STEP) "upgrade pip" $(BIN)/python -m pip install --quiet --upgrade pip

# Re-installs when requirements.txt or pyproject.toml change.
$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	@$(STEP) "pip install -r requirements.txt" $(BIN)/python -m pip install --quiet -r requirements.txt
	@$(STEP) "pip install -e . (ganlib)" $(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# npm pack downloads a package's tarball without installing anything.
$(VENDOR_STAMP):
	@$(STEP) "fetch the offline HTML assets into $(VENDOR)" $(MAKE) --no-print-directory _vendor

.PHONY: _vendor
_vendor:
	rm -rf $(VENDOR) $(VENDOR).tmp && mkdir -p $(VENDOR).tmp/pack
	cd $(VENDOR).tmp/pack && npm pack --silent --loglevel=error $(MATHJAX) $(REQUIREJS) $(HTMLMANAGER) >/dev/null
	cd $(VENDOR).tmp/pack && printf '%s  %s\n' \
		$(MATHJAX_SHA256) mathjax-3.2.2.tgz \
		$(REQUIREJS_SHA256) requirejs-2.3.8.tgz \
		$(HTMLMANAGER_SHA256) jupyter-widgets-html-manager-1.0.15.tgz | sha256sum --check --quiet
	cd $(VENDOR).tmp && for t in pack/*.tgz; do d=$$(basename $$t .tgz); mkdir -p x/$$d && tar -xzf $$t -C x/$$d; done
	cd $(VENDOR).tmp && mkdir -p out/mathjax/output/chtml/fonts out/requirejs out/html-manager \
		&& cp x/mathjax-3.2.2/package/es5/tex-chtml-full.js x/mathjax-3.2.2/package/LICENSE out/mathjax/ \
		&& cp -r x/mathjax-3.2.2/package/es5/output/chtml/fonts/woff-v2 out/mathjax/output/chtml/fonts/ \
		&& cp x/requirejs-2.3.8/package/require.js x/requirejs-2.3.8/package/package.json out/requirejs/ \
		&& cp x/jupyter-widgets-html-manager-1.0.15/package/dist/embed-amd.js \
		      x/jupyter-widgets-html-manager-1.0.15/package/dist/*.woff2 \
		      x/jupyter-widgets-html-manager-1.0.15/package/dist/embed.js.LICENSE.txt \
		      x/jupyter-widgets-html-manager-1.0.15/package/package.json out/html-manager/
	printf 'Fetched by `make vendor` (see the Makefile); not committed.\n%s\n%s\n%s\n' \
		$(MATHJAX) $(REQUIREJS) $(HTMLMANAGER) > $(VENDOR).tmp/out/README.txt
	mv $(VENDOR).tmp/out $(VENDOR) && rm -rf $(VENDOR).tmp
	touch $(VENDOR_STAMP)
	@du -sh $(VENDOR)

clean:
	rm -rf _build $(VENDOR) $(VENDOR).tmp
