# The workbook's commands. Each creates .venv and installs what it needs on first use.
#   make lab    start the local cloud and JupyterLab (the workbook)
#   make test   run every test and every notebook (strict nbval) against a private local cloud
#   make bench  print the benchmark table
#   make cloud  start only the local cloud;  make stop  stop the cloud and JupyterLab

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The SDK Lambda's Python runtime gives functions, apart from the local cloud's own packages.
LAMBDA_SDK := $(VENV)/lambda-runtime-sdk
DATA := .localcloud
export LOCALCLOUD_PORT ?= 4566
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: install lab cloud stop status test lint bench clean

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

# Replaced whole, so a package the pins no longer name does not linger on the functions' path.
$(LAMBDA_SDK)/.installed: requirements-lambda-runtime.txt $(BIN)/.installed
	rm -rf $(LAMBDA_SDK)
	$(BIN)/python -m pip install --quiet --target $(LAMBDA_SDK) -r requirements-lambda-runtime.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed $(LAMBDA_SDK)/.installed node_modules/.installed

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
	env $$target $(BIN)/jupyter lab --ServerApp.root_dir=notebooks \
		$$([ "$$(id -u)" = 0 ] && echo --allow-root) & echo $$! > $(DATA)/jupyter.pid; wait

stop:
	@if [ -f $(DATA)/jupyter.pid ]; then kill $$(cat $(DATA)/jupyter.pid) 2>/dev/null || true; \
		rm -f $(DATA)/jupyter.pid; echo "Stopped JupyterLab."; fi
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m localcloud stop; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Tests start their own clouds; the notebooks run on the private cloud `exec` starts, twice:
# the second pass proves the workbook re-runs on the same cloud with the same outputs.
test: install lint
	$(BIN)/python -m localcloud exec -- sh -c \
		'$(BIN)/python -m pytest && $(BIN)/python -m pytest notebooks'

bench: install
	$(BIN)/python -m localcloud exec -- $(BIN)/python scripts/bench.py

clean: stop
	rm -rf $(DATA) build out
