# `make install` then `make test`: all the set-up a fresh clone needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch 2.13.0, the CPU build on our machines (a wheel on disk); override TORCH_SPEC elsewhere.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install lint test quick bench model graph clean

install:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install "$(TORCH_SPEC)"
	$(PY) -m pip install -e ".[test,ray]"

# ruff and mypy, configured in pyproject.toml; `make test` runs them first, so CI holds them.
lint:
	$(PY) -m ruff check .
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -q

# The suite without the tests marked slow (building and installing the wheel takes minutes).
quick: lint
	$(PY) -m pytest -q -m "not slow"

# vpjnd against guetzli, cjxl, jpegoptim and an SSIM bisection (bench/bench_peers.py; results in
# bench/results/). BENCH_PHOTOS=DIR reuses a built corpus, else it is built into bench/.photos.
BENCH_PHOTOS ?=
BENCH_ARGS ?= --count 10 --bpg --heic

bench:
	$(PY) bench/bench_peers.py $(if $(BENCH_PHOTOS),--photos $(BENCH_PHOTOS)) $(BENCH_ARGS)

# The shipped model (weights/MODEL_CARD.md): label the photos in MODEL_PHOTOS (a folder of photos of at least
# 1920x1080) with the calibrated butteraugli teacher, then train the MODEL_ARCH variant
# (vpjnd_cli/model/variants.py), which ends by fitting the luma-peak calibration on the training pairs
# and writing the weights' ONNX graph; MODEL_RUN/best.safetensors is what ships as
# vpjnd_cli/weights/vpjndnet.safetensors, and `make graph` then writes the shipped graph from it.
MODEL_PHOTOS ?=
MODEL_CORPUS ?= model-corpus
MODEL_RUN ?= model-run
MODEL_EPOCHS ?= 15
MODEL_ARCH ?= vpjndnet-small
# The shipped file uses the released ReLU patch vote, the setting its recipe (the network trained
# inside the luma-peak combination, `vpjnd train`'s default) was chosen with by cross-validation
# (weights/MODEL_CARD.md); the variants themselves use the softplus vote.
# One thread on the CPU: the shipped tensors were reproduced bit for bit that way (other thread
# counts sum in another order and drift from the first epoch on); about 14 minutes.
MODEL_TRAIN_ARGS ?= --weight-activation relu

model:
	$(if $(MODEL_PHOTOS),,$(error set MODEL_PHOTOS to a folder of photos of at least 1920x1080))
	$(VENV)/bin/vpjnd label $(MODEL_PHOTOS) -o $(MODEL_CORPUS) --teacher butteraugli --every 5 --jobs 2
	OMP_NUM_THREADS=1 $(VENV)/bin/vpjnd train $(MODEL_CORPUS) -o $(MODEL_RUN) --arch $(MODEL_ARCH) --epochs $(MODEL_EPOCHS) --device cpu $(MODEL_TRAIN_ARGS)

# The shipped network's ONNX graph, which the judge runs on the CPU without torch (model/graph.py),
# written from the shipped weights and naming their SHA-256: run it whenever vpjndnet.safetensors
# changes (until then the judge falls back to torch, and tests/model/test_graph.py fails).
graph:
	$(VENV)/bin/vpjnd export vpjnd_cli/weights/vpjndnet.safetensors

clean:
	rm -rf $(VENV) build *.egg-info
