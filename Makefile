# The two set-up commands of the README:
#   make crawl   installs the project and runs `scrapy crawl seeds` on seeds/
#   make test    installs what the tests need (pywb included) and runs them
PYTHON ?= python3
VENV := .venv
PYWB_VENV := .venv-pywb
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: crawl test install install-test clean

crawl: install
	$(VENV)/bin/scrapy crawl seeds

test: install-test
	$(VENV)/bin/pytest

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test $(PYWB_VENV)/.installed

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

clean:
	rm -rf $(VENV) $(PYWB_VENV) *.egg-info
