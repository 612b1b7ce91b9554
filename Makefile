# erplink: `make run` for the demo (`make run ERP=soap` via the SOAP mock ERP), `make test` for the tests. Both install first.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SHARED := ../shared
ERP ?= csv
# pytest-xdist processes for `make test`: one a core
TEST_WORKERS ?= auto
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run serve test bench lint check-graphql clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: install
	$(BIN)/erplink demo --erp $(ERP)

serve: install
	$(BIN)/erplink serve

test: install
	$(BIN)/pytest -q -n $(TEST_WORKERS)

bench: install
	$(BIN)/python -m bench

lint: install check-graphql
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check-graphql: install
	@if [ -f $(SHARED)/tools/check-graphql ]; then \
		$(BIN)/python $(SHARED)/tools/check-graphql . ; \
	else echo "no $(SHARED)/tools/check-graphql here: skipped"; fi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
