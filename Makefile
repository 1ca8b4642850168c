# `make install` then `make test`: all the set-up a fresh clone needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch 2.13.0, the CPU build on our machines (a wheel on disk); override TORCH_SPEC elsewhere.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install lint test quick bench model model-strict graph clean

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

# The shipped model (weights/MODEL_CARD.md): label the photos in MODEL_PHOTOS with the calibrated
# butteraugli teacher for the five codecs the network judges, with generated hard pictures: JPEG,
# HEIC, AVIF and WebP at 4:2:0 at every size, BPG and JPEG 4:4:4 at the two smaller sizes (the time
# a 2-core machine allows; their runs reuse the calibration the first run fitted). Then train one
# MODEL_ARCH network (vpjnd_cli/model/variants.py) on all of it, which ends by fitting the luma-peak
# calibration on the training pairs; add heads for the codecs where one was measured to help on
# held-out photos (MODEL_CARD.md): AVIF's, HEIC's and WebP's also read the luma error's 3-norm
# (--peak-norm 3) and its peak at full size (--full-size-quantile 0.9999, for a saturated graphic),
# read no lower than its training pairs' median (--full-size-floor 0.5, for a smooth gradient); then refit
# the weight-free pjnd judge on the same corpus. The heads are fitted on the network's probability
# for the patches as cut; the shipped file then averages it with the patches' mirror images
# (test-time flips, scripts/set_flip_average.py). MODEL_RUN/shipped.safetensors is what ships as
# vpjnd_cli/weights/vpjndnet.safetensors, and `make graph` then writes the shipped ONNX graph from it.
# The shipped file's JPEG 4:2:0 labels predate the hard pictures (MODEL_CARD.md, "Data"), so this
# recipe, which labels them, makes the next file rather than that one bit for bit.
MODEL_PHOTOS ?=
MODEL_CORPUS ?= model-corpus
MODEL_RUN ?= model-run
MODEL_EPOCHS ?= 3
MODEL_ARCH ?= vpjndnet-small
# The released ReLU patch vote, as every shipped file so far (the variants use softplus); one thread
# on the CPU, so that a rerun gives the same tensors bit for bit (other thread counts sum in another
# order and drift).
MODEL_TRAIN_ARGS ?= --weight-activation relu
MODEL_LABEL = $(VENV)/bin/vpjnd label $(MODEL_PHOTOS) -o $(MODEL_CORPUS) --teacher butteraugli --synthetic 8 --jobs 2
MODEL_SMALLER = --size 1280x720 --size 640x480 --calibration $(MODEL_CORPUS)/calibration.json
MODEL_HEAD = --heads-only --peak-norm 3 --full-size-quantile 0.9999 --full-size-floor 0.5 --device cpu -f

model:
	$(if $(MODEL_PHOTOS),,$(error set MODEL_PHOTOS to a folder of photos))
	$(MODEL_LABEL) --codec jpeg,heic,avif,webp --chroma 420
	$(MODEL_LABEL) --codec bpg --chroma 420 $(MODEL_SMALLER)
	$(MODEL_LABEL) --codec jpeg --chroma 444 $(MODEL_SMALLER)
	OMP_NUM_THREADS=1 $(VENV)/bin/vpjnd train $(MODEL_CORPUS) -o $(MODEL_RUN) --arch $(MODEL_ARCH) --epochs $(MODEL_EPOCHS) --device cpu $(MODEL_TRAIN_ARGS)
	OMP_NUM_THREADS=1 $(VENV)/bin/vpjnd calibrate $(MODEL_RUN)/best.safetensors $(MODEL_CORPUS) --heads none --device cpu -f -o $(MODEL_RUN)/shared.safetensors
	OMP_NUM_THREADS=1 $(VENV)/bin/vpjnd calibrate $(MODEL_RUN)/shared.safetensors $(MODEL_CORPUS) --codec avif $(MODEL_HEAD) -o $(MODEL_RUN)/avif-head.safetensors
	OMP_NUM_THREADS=1 $(VENV)/bin/vpjnd calibrate $(MODEL_RUN)/avif-head.safetensors $(MODEL_CORPUS) --codec heic $(MODEL_HEAD) -o $(MODEL_RUN)/heic-head.safetensors
	OMP_NUM_THREADS=1 $(VENV)/bin/vpjnd calibrate $(MODEL_RUN)/heic-head.safetensors $(MODEL_CORPUS) --codec webp $(MODEL_HEAD) -o $(MODEL_RUN)/heads.safetensors
	$(PY) scripts/set_flip_average.py $(MODEL_RUN)/heads.safetensors on -o $(MODEL_RUN)/shipped.safetensors
	$(PY) scripts/calibrate_pjnd.py $(MODEL_CORPUS) --write

# The strict criterion's network (vpjnd_cli/weights/vpjndnet-strict.safetensors): the shipped paper
# network with its luma-peak calibration fitted again, a head per codec, on the same photos labelled
# by the teacher calibrated to SSIMULACRA2's targets (--criterion strict): JPEG, HEIC, AVIF and WebP
# at 4:2:0 at every size, JPEG 4:4:4 at the two smaller ones (`vpjnd calibrate`; the HEIC and BPG
# heads, added beside the others, also read the luma error's 3-norm and its peak at full size, and
# BPG's the 3-norm masked by the reference's local contrast: weights/MODEL_CARD_STRICT.md).
# It judges without test-time flips, as its heads were fitted and measured. Most of the teacher's
# scores are those `make model` cached when STRICT_CORPUS starts as a copy of MODEL_CORPUS.
# `make graph` then writes its ONNX graph.
STRICT_CORPUS ?= model-corpus-strict
STRICT_LABEL = $(VENV)/bin/vpjnd label $(MODEL_PHOTOS) -o $(STRICT_CORPUS) --teacher butteraugli --synthetic 8 --jobs 2 --criterion strict

model-strict:
	$(if $(MODEL_PHOTOS),,$(error set MODEL_PHOTOS to a folder of photos))
	$(STRICT_LABEL) --codec jpeg,avif,webp --chroma 420
	$(STRICT_LABEL) --codec jpeg --chroma 444 --size 1280x720 --size 640x480 --calibration $(STRICT_CORPUS)/calibration.json
	$(STRICT_LABEL) --codec heic --chroma 420 --calibration $(STRICT_CORPUS)/calibration.json
	$(STRICT_LABEL) --codec bpg --chroma 420 --calibration $(STRICT_CORPUS)/calibration.json
	$(PY) scripts/set_flip_average.py vpjnd_cli/weights/vpjndnet.safetensors off -o $(STRICT_CORPUS)/paper.safetensors
	$(VENV)/bin/vpjnd calibrate $(STRICT_CORPUS)/paper.safetensors $(STRICT_CORPUS) --codec jpeg,avif,webp --device cpu -f -o $(STRICT_CORPUS)/jpeg-avif-webp.safetensors
	$(VENV)/bin/vpjnd calibrate $(STRICT_CORPUS)/jpeg-avif-webp.safetensors $(STRICT_CORPUS) --codec heic --heads-only --peak-norm 3 --full-size-quantile 0.9999 --device cpu -f -o $(STRICT_CORPUS)/heic-head.safetensors
	$(VENV)/bin/vpjnd calibrate $(STRICT_CORPUS)/heic-head.safetensors $(STRICT_CORPUS) --codec bpg --heads-only --peak-norm 3 --masking 0.002 --full-size-quantile 0.9999 --device cpu -f -o vpjnd_cli/weights/vpjndnet-strict.safetensors

# The shipped networks' ONNX graphs, which the judge runs on the CPU without torch (model/graph.py),
# written from the shipped weights and naming their SHA-256: run it whenever a shipped .safetensors
# changes (until then the judge falls back to torch, and tests/model/test_graph.py fails).
graph:
	$(VENV)/bin/vpjnd export vpjnd_cli/weights/vpjndnet.safetensors
	$(VENV)/bin/vpjnd export vpjnd_cli/weights/vpjndnet-strict.safetensors

clean:
	rm -rf $(VENV) build *.egg-info
