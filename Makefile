# The two set-up commands of the README:
#   make crawl   installs the project and runs `scrapy crawl seeds` on seeds/
#   make test    installs what the tests need (pywb included), runs ruff, mypy and the tests
# and the fast tier of the tests (in-process, no system packages, under a minute):
#   make test-fast
PYTHON ?= python3
VENV := .venv
PYWB_VENV := .venv-pywb
WARCPROX_VENV := .venv-warcprox
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: crawl test test-fast lint install install-test system-deps bench bench-peers bench-dates clean

crawl: install
	$(VENV)/bin/scrapy crawl seeds

test: install-test system-deps lint
	$(VENV)/bin/pytest

# Style, import order and types: part of `make test`, so of CI.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check archiver tests bench
	$(VENV)/bin/mypy

# Only the test extras: the fast tier starts no pywb, Redis, PostgreSQL or crawl.
test-fast: $(VENV)/.installed-test
	$(VENV)/bin/pytest -m fast

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test $(PYWB_VENV)/.installed $(WARCPROX_VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]'
	touch $@

# pywb pins redis 2.x and its own Werkzeug: it gets a virtual environment of
# its own, as a replay server does in production.
$(PYWB_VENV)/.installed:
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/pip install $(PIP_FLAGS) 'pywb>=2.9'
	touch $@

# warcprox writes the archives tests/test_other_tools.py audits: a recording
# proxy users run beside us, with its own pins, so its own environment too.
$(WARCPROX_VENV)/.installed:
	$(PYTHON) -m venv $(WARCPROX_VENV)
	$(WARCPROX_VENV)/bin/pip install $(PIP_FLAGS) 'warcprox>=2.6'
	touch $@

# Real servers the tests start: Redis and PostgreSQL (Debian packages), and
# unshare for the offline test. Installed when missing and we may (root).
SYSTEM_PROGRAMS := redis-server:redis-server unshare:util-linux nginx:nginx-light wget:wget chromium:chromium
system-deps:
	@missing=""; \
	for pair in $(SYSTEM_PROGRAMS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; \
	done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing (install them, or their tests are skipped)"; \
	  fi; \
	fi

# The benchmark: its peers (LinkChecker and trafilatura's command line from
# PyPI, linkinator from npm) in bench/.peers, nginx and wget from Debian.
PEERS := bench/.peers
bench: install system-deps bench-peers
	$(VENV)/bin/python -m bench.run

# Page dates against htmldate on ../shared/eval/dates (python -m bench.dates --help).
bench-dates: install
	$(VENV)/bin/python -m bench.dates

bench-peers: $(PEERS)/.installed
$(PEERS)/.installed:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install $(PIP_FLAGS) 'linkchecker>=10.5' 'trafilatura>=2.3' 'lxml_html_clean>=0.4'
	cd $(PEERS) && npm install --silent --no-audit --no-fund 'linkinator@^7'
	touch $@

clean:
	rm -rf $(VENV) $(PYWB_VENV) $(WARCPROX_VENV) *.egg-info
