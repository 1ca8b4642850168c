"""scripts/set_flip_average.py on the shipped files: it turns the test-time flips off and on again without
touching the network or its calibrations, and the shipped paper file judges with them while the strict
file, whose heads were measured without them, does not."""

from __future__ import annotations

import subprocess
import sys

from pictures import REPO
from safetensors.torch import load_file

from vpjnd_cli.model.header import read_header
from vpjnd_cli.model.locate import shipped_weights_path

SCRIPT = REPO / "scripts" / "set_flip_average.py"


def run_script(*args: object) -> None:
    subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], check=True, capture_output=True)


def test_the_shipped_paper_file_flips_and_the_strict_file_does_not():
    assert read_header(shipped_weights_path("paper")).config.flip_average
    assert not read_header(shipped_weights_path("strict")).config.flip_average


def test_off_changes_the_flag_alone_and_on_gives_the_shipped_bytes_back(tmp_path):
    shipped = shipped_weights_path("paper")
    off, on = tmp_path / "off.safetensors", tmp_path / "on.safetensors"
    run_script(shipped, "off", "-o", off)
    before, after = read_header(shipped), read_header(off)
    assert not after.config.flip_average
    assert after.config.to_dict() == {**before.config.to_dict(), "flip_average": False}
    assert (after.calibration, after.codec_calibrations, after.training, after.ema) == (
        before.calibration, before.codec_calibrations, before.training, before.ema)
    original, copied = load_file(shipped), load_file(off)
    assert original.keys() == copied.keys()
    assert all(original[name].equal(copied[name]) for name in original)
    run_script(off, "on", "-o", on)
    assert on.read_bytes() == shipped.read_bytes()
