# volume_licensing.kms: two commands on a fresh machine.
#   make demo   set up, start the simulated lab, run the main job against it, stop the lab
#   make test   lint and the whole test suite (what CI runs)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test test-deps lint unit integration venv clean ee bench link

# make demo installs only what the demo runs (requirements-demo.txt: the runtime and the
# simulated lab); make test the test and lint tools on top.
$(DEMO_STAMP): requirements.txt requirements-demo.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-demo.txt
	touch $(DEMO_STAMP)

$(STAMP): requirements.txt requirements-demo.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP) $(DEMO_STAMP)

# The repository root is also the collection volume_licensing.kms: ansible.cfg finds it as
# collections/ansible_collections/volume_licensing/kms, a link made here (git-ignored, never
# committed). Without make: mkdir -p collections/ansible_collections/volume_licensing &&
# ln -sfn ../../.. collections/ansible_collections/volume_licensing/kms
link:
	@mkdir -p collections/ansible_collections/volume_licensing
	@ln -sfn ../../.. collections/ansible_collections/volume_licensing/kms

venv: $(STAMP) link

demo: $(DEMO_STAMP) link
	$(BIN)/python -m tests.simlab.demo

lint: venv
	$(BIN)/ruff check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production --offline

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv
	$(BIN)/python -m pytest tests/integration

# System packages the tests need: headless Chromium renders the HTML fleet report
# (tests/integration/test_report.py). Installed from Debian's packages, as root, only when
# missing.
test-deps:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	else \
		SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
		$$SUDO apt-get update && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends chromium; \
	fi

test: test-deps lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

# Fleet runs of 50, 200 and 500 simulated hosts with figures (benchmarks/README.md).
bench: venv
	$(BIN)/python -m benchmarks.run

# The AWX / Automation Platform execution environment's build context (build/ee), with the
# collection built from this checkout. Build the image from it with podman or docker.
ee: venv
	rm -rf build && mkdir -p build
	$(BIN)/ansible-galaxy collection build --output-path build .
	mv build/volume_licensing-kms-*.tar.gz build/volume_licensing-kms.tar.gz
	$(BIN)/ansible-builder create -f execution-environment.yml -c build/ee

clean:
	rm -rf $(VENV) reports build collections
