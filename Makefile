# acm.submariner: the two commands are `make demo` and `make test` (see README.md).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell scripts/find-python.sh)
VENV := $(CURDIR)/.venv
# The support matrix's other combinations (make matrix): .venvs/NAME.
MATRIX_DIR := $(CURDIR)/.venvs
SANITY_VENV := $(CURDIR)/.venv-sanity
# ansible-test keeps its per-test venvs and caches under $$HOME: keep them in the checkout.
SANITY_HOME := $(CURDIR)/.cache/sanity-home
BIN := $(VENV)/bin
# ansible-core version whose ansible-test runs the sanity tests; must match requirements-dev.txt.
ANSIBLE_CORE_VERSION = $(shell $(BIN)/python -c 'import ansible.release as r; print(r.__version__)')

# The checkout is found as acm.submariner through build/ansible_collections/acm/submariner -> repo.
COLLECTIONS_DIR := $(CURDIR)/build
COLLECTION_LINK := $(COLLECTIONS_DIR)/ansible_collections/acm/submariner
# ansible-test wants a real tree (it resolves symlinks) with the dependencies beside ours.
# Outside the checkout: inside it, ansible-test would list files with git, which ignores build/,
# and then skip every target.
TEST_TREE ?= $(or $(TMPDIR),/tmp)/acm.submariner-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)/ansible_collections
TEST_COLLECTION := $(TEST_TREE)/acm/submariner

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_DIR)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := true
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.cache/ansible-local
export ANSIBLE_REMOTE_TEMP := $(CURDIR)/.cache/ansible-remote
export ANSIBLE_HOME := $(CURDIR)/.cache/ansible-home
export PATH := $(BIN):$(PATH)

LAB_PROFILE ?= acm-2.12
LAB_CLUSTERS ?= 2
# Seconds per simulated provisioning step (the lab's default); lab-up and demo share it so that demo
# reuses the lab lab-up started. It makes the demo's waits long enough to show their progress lines.
LAB_TIME_SCALE ?= 3
LAB := $(BIN)/python -m tests.lab

.PHONY: help
help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# ---------------------------------------------------------------- set-up
$(VENV)/.stamp: requirements.txt requirements-dev.txt
	@echo "== creating $(VENV) with $(PYTHON)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python scripts/check-venv.py
	touch $@

$(SANITY_VENV)/.stamp: $(VENV)/.stamp
	@echo "== creating $(SANITY_VENV) for ansible-test sanity (ansible-core $(ANSIBLE_CORE_VERSION))"
	test -x $(SANITY_VENV)/bin/python || $(PYTHON) -m venv $(SANITY_VENV)
	$(SANITY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SANITY_VENV)/bin/python -m pip install --quiet "ansible-core==$(ANSIBLE_CORE_VERSION)"
	cat $(SANITY_VENV)/lib/python3*/site-packages/ansible_test/_data/requirements/sanity.*.txt \
	  | grep -v '^#' | sort -u > $(SANITY_VENV)/requirements.txt
	$(SANITY_VENV)/bin/python -m pip install --quiet -r $(SANITY_VENV)/requirements.txt
	pip_version=$$(grep -ohP "^\s+pip='\K[0-9.]+" $(SANITY_VENV)/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | tr . _); \
	  mkdir -p $(SANITY_HOME)/.ansible/test/cache; \
	  cp scripts/get-pip-standin.py $(SANITY_HOME)/.ansible/test/cache/get_pip_$$pip_version.py
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

.PHONY: venv
venv: $(VENV)/.stamp $(COLLECTION_LINK)  ## Create .venv (idempotent) and make the checkout visible as acm.submariner

.PHONY: test-tree
test-tree: venv
	mkdir -p $(TEST_COLLECTION) $(TEST_TREE)/kubernetes $(TEST_TREE)/amazon
	$(BIN)/python scripts/sync-tree.py . $(TEST_COLLECTION)
	site=$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	  ln -sfn $$site/ansible_collections/kubernetes/core $(TEST_TREE)/kubernetes/core; \
	  ln -sfn $$site/ansible_collections/amazon/aws $(TEST_TREE)/amazon/aws

# ---------------------------------------------------------------- tests
.PHONY: sanity
sanity: test-tree $(SANITY_VENV)/.stamp  ## ansible-test sanity, offline, in its own venv
	cd $(TEST_COLLECTION) && HOME=$(SANITY_HOME) PATH=$(SANITY_VENV)/bin:/usr/bin:/bin \
	  $(SANITY_VENV)/bin/ansible-test sanity --python $$($(SANITY_VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
	  --skip-test pslint --color no 2>&1 | tee $(CURDIR)/.cache/sanity.log
	@! grep -q "All targets skipped" $(CURDIR)/.cache/sanity.log || { echo "sanity: ansible-test found no targets in $(TEST_COLLECTION)" >&2; exit 1; }

.PHONY: lint
lint: venv  ## ansible-lint, production profile
	$(BIN)/ansible-lint --profile production

.PHONY: units
units: venv  ## Unit tests (pytest, no cluster)
	$(BIN)/python -m pytest tests/unit

.PHONY: lab-tests
lab-tests: venv  ## The lab's own tests (they start and stop their own lab)
	$(BIN)/python -m pytest tests/lab

# The suites that drive playbooks against labs run on two pytest-xdist workers: a playbook run keeps
# about one core busy (the lab answers in microseconds; Ansible waits on its workers and modules), so
# a second test at once uses the other core. tests/conftest.py keeps each test module on one worker
# (its shared labs start once); long tests that share nothing (molecule scenarios) form groups of their own,
# and modules whose tests each start their own labs (XDIST_SPREAD) are spread test by test.
PYTEST_WORKERS ?= 2
XDIST = $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadgroup)

.PHONY: integration
integration: venv  ## Integration tests against a lab they start themselves
	$(BIN)/python -m pytest tests/integration $(XDIST)

.PHONY: reliability
reliability: venv  ## The reliability suite: bad input, faults, interruption, concurrency, secrets and TLS, on the lab
	$(BIN)/python -m pytest tests/reliability $(XDIST)

# make test's lab stage: integration, reliability and the oldest combination's lab smoke in one session,
# so that the two workers stay busy until the end. The files named first are the longest (--durations
# of earlier runs), so that no long test starts last; pytest collects a file named twice only once.
LAB_SUITES_FIRST := tests/integration/test_molecule.py tests/matrix tests/integration/test_site.py tests/integration/test_day2.py \
  tests/reliability/test_residue_loop.py tests/reliability/test_secrets_tls.py tests/integration/test_roles.py \
  tests/reliability/test_faults.py tests/reliability/test_do_no_harm.py

# The molecule scenarios converge the same labs as three least-privilege lifecycles, which run their lab
# options, variables, verify.yml and residue check (tests/integration/molecule_scenarios.py): make test runs
# only molecule's syntax, create and destroy steps through molecule; `make molecule` runs `molecule test` for all three.
LAB_SUITES_DESELECT := $(foreach name,default seed direct,--deselect 'tests/integration/test_molecule.py::test_molecule_scenario[$(name)]')

.PHONY: lab-suites
lab-suites: venv $(MATRIX_DIR)/oldest/.stamp
	MATRIX_NAME=oldest MATRIX_VENV=$(MATRIX_DIR)/oldest MATRIX_COLLECTIONS=$(MATRIX_DIR)/oldest/collections \
	  $(BIN)/python -m pytest $(LAB_SUITES_FIRST) tests/integration tests/reliability $(XDIST) $(LAB_SUITES_DESELECT) --durations=25

.PHONY: molecule
molecule: venv  ## Every molecule scenario (extensions/molecule), each on a lab of its own
	$(BIN)/python -m pytest tests/integration/test_molecule.py $(XDIST)

# Fails closed, before any venv and in one line: the lab validates against the upstream CRDs or
# not at all (tests/lab/crds.py; only `make demo` may run on stand-ins, and says so).
ifneq ($(filter test,$(MAKECMDGOALS)),)
CRDS_MISSING := $(shell $(PYTHON) -m tests.lab.crds 2>&1)
$(if $(CRDS_MISSING),$(error $(CRDS_MISSING)))
endif

.PHONY: crds
crds:  ## Check the upstream CRDs are there ($$LAB_CRDS_DIR or ../shared/crds)
	@$(PYTHON) -m tests.lab.crds

.PHONY: test
test: crds shellcheck  ## Everything CI runs
	$(MAKE) --no-print-directory -j2 --output-sync=line test-checks test-labs
	@echo "== make test: all suites passed"

# make test's two halves run side by side (-j2: at most two recipes at once). The lab stage leaves CPU
# idle while playbooks wait on the lab; the checks (sanity, lint, units, the lab's own tests) fill it.
.PHONY: test-checks test-labs
test-checks: sanity lint units lab-tests matrix-sanity-oldest matrix-versions-newest
test-labs: lab-suites

# ---------------------------------------------------------------- support matrix
# README "Supported versions": each combination is tested with sanity and a lab smoke
# (tests/matrix). `newest` is .venv itself (requirements-dev.txt; its sanity is `make sanity`); every
# other combination NAME gets .venvs/NAME from requirements/matrix-NAME.txt (scripts/matrix-venv.py)
# and its own sanity venv .venvs/sanity/NAME for that ansible-core.
MATRIX := oldest
MATRIX_TREE = $(or $(TMPDIR),/tmp)/acm.submariner-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-8)-$*/ansible_collections

$(MATRIX_DIR)/%/.stamp: requirements/matrix-%.txt scripts/matrix-venv.py | $(VENV)/.stamp
	@echo "== creating $(MATRIX_DIR)/$* from requirements/matrix-$*.txt"
	$(BIN)/python scripts/matrix-venv.py $* --dir $(MATRIX_DIR)
	touch $@

$(MATRIX_DIR)/sanity/%/.stamp: $(MATRIX_DIR)/%/.stamp
	@echo "== creating $(MATRIX_DIR)/sanity/$* for ansible-test sanity of matrix combination $*"
	test -x $(MATRIX_DIR)/sanity/$*/bin/python || $(MATRIX_DIR)/$*/bin/python -m venv $(MATRIX_DIR)/sanity/$*
	$(MATRIX_DIR)/sanity/$*/bin/python -m pip install --quiet --upgrade pip
	$(MATRIX_DIR)/sanity/$*/bin/python -m pip install --quiet \
	  "ansible-core==$$($(MATRIX_DIR)/$*/bin/python -c 'import ansible.release as r; print(r.__version__)')"
	cat $(MATRIX_DIR)/sanity/$*/lib/python3*/site-packages/ansible_test/_data/requirements/sanity.*.txt \
	  | grep -v '^#' | sort -u > $(MATRIX_DIR)/sanity/$*/requirements.txt
	$(MATRIX_DIR)/sanity/$*/bin/python -m pip install --quiet -r $(MATRIX_DIR)/sanity/$*/requirements.txt
	touch $@

.PHONY: matrix-venvs
matrix-venvs: $(foreach name,$(MATRIX),$(MATRIX_DIR)/$(name)/.stamp $(MATRIX_DIR)/sanity/$(name)/.stamp)  ## Build the venvs of the support matrix (.venvs/, idempotent)

matrix-sanity-%: $(MATRIX_DIR)/sanity/%/.stamp $(COLLECTION_LINK)
	mkdir -p $(MATRIX_TREE)/acm/submariner $(MATRIX_TREE)/kubernetes $(MATRIX_TREE)/amazon $(CURDIR)/.cache
	$(BIN)/python scripts/sync-tree.py . $(MATRIX_TREE)/acm/submariner
	ln -sfn $(MATRIX_DIR)/$*/collections/ansible_collections/kubernetes/core $(MATRIX_TREE)/kubernetes/core
	ln -sfn $(MATRIX_DIR)/$*/collections/ansible_collections/amazon/aws $(MATRIX_TREE)/amazon/aws
	pip_version=$$(grep -ohP "^\s+pip='\K[0-9.]+" $(MATRIX_DIR)/sanity/$*/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py | tr . _); \
	  mkdir -p $(SANITY_HOME)-$*/.ansible/test/cache; \
	  cp scripts/get-pip-standin.py $(SANITY_HOME)-$*/.ansible/test/cache/get_pip_$$pip_version.py
	cd $(MATRIX_TREE)/acm/submariner && HOME=$(SANITY_HOME)-$* PATH=$(MATRIX_DIR)/sanity/$*/bin:/usr/bin:/bin \
	  $(MATRIX_DIR)/sanity/$*/bin/ansible-test sanity --python $$($(MATRIX_DIR)/sanity/$*/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') \
	  --skip-test pslint --color no 2>&1 | tee $(CURDIR)/.cache/sanity-$*.log
	@! grep -q "All targets skipped" $(CURDIR)/.cache/sanity-$*.log || { echo "sanity ($*): ansible-test found no targets" >&2; exit 1; }

matrix-smoke-%: $(MATRIX_DIR)/%/.stamp $(COLLECTION_LINK)
	MATRIX_NAME=$* MATRIX_VENV=$(MATRIX_DIR)/$* MATRIX_COLLECTIONS=$(MATRIX_DIR)/$*/collections $(BIN)/python -m pytest tests/matrix -p no:cacheprovider -rA

.PHONY: matrix-smoke-newest
matrix-smoke-newest: venv
	MATRIX_NAME=newest MATRIX_VENV=$(VENV) MATRIX_COLLECTIONS= $(BIN)/python -m pytest tests/matrix -p no:cacheprovider -rA

# In make test the newest combination (.venv) gets its lab lifecycle from tests/integration/test_site.py
# (test_site_lifecycle: the same steps as tests/matrix's test_lifecycle, on today's ACM instead of ACM 2.2,
# without the seed scenario's verify.yml); only its versions are checked here.
.PHONY: matrix-versions-newest
matrix-versions-newest: venv
	MATRIX_NAME=newest MATRIX_VENV=$(VENV) MATRIX_COLLECTIONS= $(BIN)/python -m pytest tests/matrix -p no:cacheprovider -rA -k versions

.PHONY: matrix
matrix: $(foreach name,$(MATRIX),matrix-sanity-$(name) matrix-smoke-$(name)) matrix-smoke-newest  ## The support matrix: sanity and a lab smoke per README combination (newest's sanity is make sanity)
	@echo "== make matrix: $(MATRIX) newest passed"

# ---------------------------------------------------------------- shellcheck
# Debian's shellcheck, installed when missing (CI runs as root on a fresh Debian machine).
SHELL_SCRIPTS := .ci/run $(wildcard scripts/*.sh)

.PHONY: shellcheck
shellcheck:  ## shellcheck the shipped shell scripts (installs Debian's shellcheck when missing)
	command -v shellcheck >/dev/null || { [ "$$(id -u)" = 0 ] || { echo "shellcheck: not installed; run: sudo apt-get install shellcheck" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
	shellcheck --version | sed -n 2p
	shellcheck $(SHELL_SCRIPTS)

# ---------------------------------------------------------------- demo
.PHONY: demo
demo: venv  ## Start the lab (LAB_PROFILE, LAB_CLUSTERS), run site.yml against it, print the result
	LAB_PROFILE=$(LAB_PROFILE) LAB_CLUSTERS=$(LAB_CLUSTERS) LAB_TIME_SCALE=$(LAB_TIME_SCALE) scripts/demo.sh

# ---------------------------------------------------------------- benchmarks
.PHONY: bench
bench: venv  ## Speed and memory against a naive kubernetes.core playbook, on the lab (not part of make test)
	$(BIN)/python benchmarks/bench.py

# ---------------------------------------------------------------- lab
.PHONY: lab-up
lab-up: venv  ## Start the local lab (LAB_PROFILE, LAB_CLUSTERS, LAB_TIME_SCALE); refuses to replace a running lab of other options
	$(LAB) up --profile $(LAB_PROFILE) --clusters $(LAB_CLUSTERS) --time-scale $(LAB_TIME_SCALE)

.PHONY: lab-down
lab-down: venv  ## Stop the local lab and remove .lab/
	$(LAB) down

.PHONY: lab-status
lab-status: venv
	$(LAB) status

# ---------------------------------------------------------------- packaging
.PHONY: build
build: venv  ## Build the collection tarball into build/dist
	mkdir -p build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path build/dist .

.PHONY: ee-context
ee-context: build  ## Execution-environment build context in build/ee (ansible-builder create, offline)
	mkdir -p build/ee-collections
	cp build/dist/acm-submariner-$$(awk '/^version:/ {print $$2}' galaxy.yml).tar.gz build/ee-collections/acm-submariner.tar.gz
	$(BIN)/ansible-builder create -f execution-environment/execution-environment.yml -c build/ee --output-filename Containerfile

.PHONY: clean
clean:  ## Remove build output and test results (keeps the venvs)
	rm -rf build tests/output .cache reports .pytest_cache

.PHONY: distclean
distclean: clean
	-$(LAB) down 2>/dev/null
	rm -rf $(VENV) $(SANITY_VENV) $(MATRIX_DIR) .lab
