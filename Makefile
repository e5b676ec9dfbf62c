# The workbook's commands. Each creates .venv and installs what it needs on first use.
#   make lab    start the local cloud and JupyterLab (the workbook)
#   make test   run every test, the workbook under strict nbval, and the workbook at AWS's delays
#   make bench  print the benchmark table
#   make cloud  start only the local cloud;  make stop  stop the cloud and JupyterLab

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The SDK Lambda's Python runtime gives functions, apart from the local cloud's own packages.
LAMBDA_SDK := $(VENV)/lambda-runtime-sdk
DATA := .localcloud
export LOCALCLOUD_PORT ?= 4566
# No AWS_DEFAULT_REGION here: with WORKBOOK_TARGET=aws the region is the learner's (AWS_REGION,
# AWS_DEFAULT_REGION or their profile's), and an exported default would override the profile.
# The local cloud picks its own (us-east-1) and hands it to its clients (`localcloud env`).
# Headless runs have no one to click an email's confirmation link: the cloud plays the recipient.
HEADLESS_CLOUD := LOCALCLOUD_SIMULATED_RECIPIENT=1

.PHONY: install lab cloud stop status test lint bench clean

# The pinned requirements, then the project itself (pyproject.toml), editable: `import workbook`
# works in any kernel or script, with no path edits.
$(BIN)/.installed: requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# Replaced whole, so a package the pins no longer name does not linger on the functions' path.
$(LAMBDA_SDK)/.installed: requirements-lambda-runtime.txt $(BIN)/.installed
	rm -rf $(LAMBDA_SDK)
	$(BIN)/python -m pip install --quiet --target $(LAMBDA_SDK) -r requirements-lambda-runtime.txt
	@touch $@

# Node serves only the checks (newman runs the Postman collection, asl-validator the ASL), so
# only `make test` needs it: the workbook needs Python alone.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "make test needs Node.js 18 or newer, with npm, for \
	its Postman (newman) and ASL checks: install it (https://nodejs.org/ or your package \
	manager), then run make test again. make lab does not need it." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed $(LAMBDA_SDK)/.installed

cloud: install
	@$(BIN)/python -m localcloud start

status: install
	@$(BIN)/python -m localcloud status

# JupyterLab's kernels inherit the local cloud's settings from here. With WORKBOOK_TARGET=aws
# (and AWS_PROFILE) no cloud starts and the kernels get nothing local: notebook 00 explains.
lab: install
	@mkdir -p $(DATA)
	@if [ "$$WORKBOOK_TARGET" = aws ]; then target=""; else \
		$(BIN)/python -m localcloud start || exit 1; target=$$($(BIN)/python -m localcloud env); fi; \
	echo "Starting JupyterLab (Ctrl-C or 'make stop' to end it)."; \
	env $$target IPYTHONDIR=$(CURDIR)/.ipython \
		$(BIN)/jupyter lab notebooks/00-set-up-the-workbook.ipynb --ServerApp.root_dir=. \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root) & echo $$! > $(DATA)/jupyter.pid; wait

stop:
	@if [ -f $(DATA)/jupyter.pid ]; then kill $$(cat $(DATA)/jupyter.pid) 2>/dev/null || true; \
		rm -f $(DATA)/jupyter.pid; echo "Stopped JupyterLab."; fi
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m localcloud stop; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suites start their own clouds, each with the settings its tests choose (nothing from
# here). The notebooks run under strict nbval on the private cloud `exec` starts, twice: the
# second pass proves the workbook re-runs on the same cloud with the same outputs. Then the whole
# workbook runs once more, on a fresh cloud at AWS's typical delays (LOCALCLOUD_REALISM=aws):
# every cell must succeed, outputs are not compared (times differ); executed copies go to
# out/workbook-aws/. `exec` stops each cloud when its command ends.
test: install node_modules/.installed lint
	env $(HEADLESS_CLOUD) $(BIN)/python -m localcloud exec -- sh -c \
		'env -u LOCALCLOUD_SIMULATED_RECIPIENT $(BIN)/python -m pytest tests \
		&& $(BIN)/python -m pytest notebooks && $(BIN)/python -m pytest notebooks'
	env $(HEADLESS_CLOUD) LOCALCLOUD_REALISM=aws $(BIN)/python -m localcloud exec -- \
		$(BIN)/python scripts/run-workbook --out out/workbook-aws

bench: install
	env $(HEADLESS_CLOUD) $(BIN)/python -m localcloud exec -- $(BIN)/python scripts/bench.py

clean: stop
	rm -rf $(DATA) build out
