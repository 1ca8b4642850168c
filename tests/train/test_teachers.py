"""The butteraugli teacher, which made every shipped label: end to end through `vpjnd label`, and
checked against butteraugli_main run directly.

butteraugli_main comes from Debian's libjxl-devtools; CI installs it (.ci/run) and sets
VPJND_REQUIRE_TEACHER=1, so there a missing tool fails instead of skipping.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess

import pytest
from jnd_sets import make_photos

from vpjnd_cli.cli import run
from vpjnd_cli.codecs.base import Level
from vpjnd_cli.train.corpus import CorpusDataset, candidate_path

if shutil.which("butteraugli_main") is None:
    if os.environ.get("VPJND_REQUIRE_TEACHER"):
        pytest.fail("butteraugli_main is not installed (apt-get install libjxl-devtools)", pytrace=False)
    pytest.skip("butteraugli_main is not installed (apt-get install libjxl-devtools)", allow_module_level=True)


def test_a_butteraugli_label_is_what_butteraugli_main_says(tmp_path):
    photos = make_photos(tmp_path / "photos", count=3, height=48, width=64)
    corpus = tmp_path / "corpus"
    assert run(["label", str(photos), "-o", str(corpus), "--teacher", "butteraugli", "--codec", "jpeg,webp",
                "--chroma", "420", "--size", "64x48", "--every", "50", "--fine", "50"]) == 0
    with (corpus / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["teacher"] for row in rows} == {"butteraugli"} and {row["codec"] for row in rows} == {"jpeg", "webp"}
    row = next(r for r in rows if r["codec"] == "webp" and r["setting"] == "50")
    view = CorpusDataset(corpus, "webp")
    decoded = tmp_path / "decoded.png"
    from PIL import Image

    candidate = candidate_path(corpus, view.codec, row["picture"], Level(50))
    Image.fromarray(view.codec.decode(candidate.read_bytes())).save(decoded)
    done = subprocess.run(["butteraugli_main", str(corpus / "pictures" / f"{row['picture']}.png"), str(decoded),
                           "--pnorm", "3"], capture_output=True, text=True, check=True)
    three_norm = float(re.search(r"3-norm:\s*([0-9.eE+-]+)", done.stdout).group(1))
    assert float(row["distortion"]) == pytest.approx(three_norm, rel=1e-9) and three_norm > 0
    best = [float(r["distortion"]) for r in rows if r["codec"] == "jpeg" and r["setting"] == "100"]
    worst = [float(r["distortion"]) for r in rows if r["codec"] == "jpeg" and r["setting"] == "1"]
    assert max(best) < min(worst)
