# The two commands a user needs are `make run` and `make test`; everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package the venv holds, exact and hashed, for Linux, macOS and Windows alike; pyproject.toml
# keeps the ranges for those who install myoplay into an environment of their own.
LOCK := requirements.lock

.PHONY: venv run test bench lint lock clean

venv: $(STAMP)

# Installs the lock, then the project itself with nothing more (setuptools and wheel come from the
# lock too), so no file is fetched unhashed. `pip check` fails when pyproject.toml has moved past
# the lock: then run `make lock`.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/myoplay play

test: $(STAMP)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python -m pytest

bench: $(STAMP)
	SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy $(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Regenerates the lock from pyproject.toml (dependencies, the test and dev extras, the venv group),
# keeping each pin that is still allowed; `make lock LOCK_ARGS=--upgrade` moves every pin to the
# newest allowed. The uv that does it is the lock's own, installed alone, so this works before
# `make venv` and also when the lock no longer fits pyproject.toml.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/ { p = 1 } p { print } p && !/\\$$/ { exit }' $(LOCK) > $(VENV)/uv.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r $(VENV)/uv.txt
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--extra test --extra dev --group venv --custom-compile-command 'make lock' \
		--output-file $(LOCK) pyproject.toml $(LOCK_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
