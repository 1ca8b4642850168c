# `make install` then `make test`: all the set-up a fresh clone needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch 2.13.0, the CPU build on our machines (a wheel on disk); override TORCH_SPEC elsewhere.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install test bench clean

install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install "$(TORCH_SPEC)"
	$(PY) -m pip install -e ".[test]"

test:
	$(PY) -m pytest -q

# vpjnd against guetzli, cjxl, jpegoptim and an SSIM bisection (bench/bench_peers.py; results in
# bench/results/). BENCH_PHOTOS=DIR reuses a built corpus, else it is built into bench/.photos.
BENCH_PHOTOS ?=
BENCH_ARGS ?= --count 10

bench:
	$(PY) bench/bench_peers.py $(if $(BENCH_PHOTOS),--photos $(BENCH_PHOTOS)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
