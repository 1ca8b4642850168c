"""`vpjnd jnd`: files written, values kept, errors reported before any work."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pictures import natural_picture
from PIL import Image

from vpjnd_cli.imageio import load_image
from vpjnd_cli.jnd import jnd_map

LINE = re.compile(r"^jnd (\w+)  (.+)  (\d+)x(\d+)  min ([\d.]+)  mean ([\d.]+)  max ([\d.]+)$")


def vpjnd(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vpjnd_cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "in.png"
    Image.fromarray(natural_picture(48, 64, seed=1)).save(path)
    return path


def test_png_raw_npy_and_summary(photo: Path, tmp_path: Path) -> None:
    out, raw = tmp_path / "map.png", tmp_path / "map.npy"
    done = vpjnd("jnd", photo, "-o", out, "--raw", raw)
    assert done.returncode == 0, done.stderr
    expected = jnd_map(load_image(photo).rgb, "epc")
    saved = np.load(raw)
    assert saved.dtype == np.float32 and np.array_equal(saved, expected)
    with Image.open(out) as png:
        assert png.mode == "L" and png.size == (64, 48)
        pixels = np.asarray(png)
    assert pixels.min() == 0 and pixels.max() == 255
    assert np.array_equal(pixels == 255, expected == expected.max())
    match = LINE.match(done.stdout.strip())
    assert match and match.group(1) == "epc" and match.group(3, 4) == ("64", "48")
    values = [float(v) for v in match.group(5, 6, 7)]
    np.testing.assert_allclose(values, [expected.min(), expected.mean(), expected.max()], atol=0.006)
    assert done.stderr == ""


def test_namm_colormap_and_tiff(photo: Path, tmp_path: Path) -> None:
    out, raw = tmp_path / "heat.png", tmp_path / "map.tiff"
    done = vpjnd("jnd", photo, "-o", out, "--jnd-model", "namm", "--colormap", "--raw", raw)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("jnd namm  ")
    with Image.open(out) as png:
        assert png.mode == "RGB" and png.size == (64, 48)
        colours = np.asarray(png)
    assert len(np.unique(colours.reshape(-1, 3), axis=0)) > 10
    with Image.open(raw) as tiff:
        assert tiff.mode == "F"
        assert np.array_equal(np.asarray(tiff), jnd_map(load_image(photo).rgb, "namm"))


def test_constant_map_gives_a_black_png(tmp_path: Path) -> None:
    source, out = tmp_path / "dot.png", tmp_path / "map.png"
    Image.fromarray(np.full((1, 1), 120, np.uint8)).save(source)  # 1x1: the map is one value
    done = vpjnd("jnd", source, "-o", out)
    assert done.returncode == 0, done.stderr
    with Image.open(out) as png:
        assert png.mode == "L" and np.asarray(png).max() == 0


def test_nothing_is_written_when_one_output_is_bad(photo: Path, tmp_path: Path) -> None:
    out, raw = tmp_path / "map.png", tmp_path / "map.npy"
    out.write_bytes(b"old")
    done = vpjnd("jnd", photo, "-o", out, "--raw", raw)
    assert done.returncode == 2 and "exists" in done.stderr and "Traceback" not in done.stderr
    assert out.read_bytes() == b"old" and not raw.exists()
    assert vpjnd("jnd", photo, "-o", out, "--raw", raw, "--force").returncode == 0
    assert out.read_bytes() != b"old" and raw.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/map.jpg"], "ending in .png"),
        (["-o", "{tmp}/map.png", "--raw", "{tmp}/map.txt"], ".npy, .tif or .tiff"),
        (["-o", "{tmp}/missing/map.png"], "folder does not exist"),
        (["-o", "{tmp}/in.png", "--force"], "input"),
        (["-o", "{tmp}/map.png", "-m", "fep"], "fep"),
    ],
)
def test_usage_errors(photo: Path, tmp_path: Path, args: list[str], message: str) -> None:
    done = vpjnd("jnd", photo, *[a.format(tmp=tmp_path) for a in args])
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png"]


def test_loader_warnings_and_strict(tmp_path: Path) -> None:
    source, out = tmp_path / "anim.gif", tmp_path / "map.png"
    frames = [Image.fromarray(natural_picture(16, 16, seed=s)).convert("P") for s in (0, 1)]
    frames[0].save(source, save_all=True, append_images=frames[1:])
    done = vpjnd("jnd", source, "-o", out)
    assert done.returncode == 0 and re.search(r"^vpjnd: warning: .*2 frames", done.stderr, re.M)
    strict = vpjnd("jnd", source, "-o", tmp_path / "strict.png", "--strict")
    assert strict.returncode == 2 and not (tmp_path / "strict.png").exists()


def test_cli_start_up_does_not_import_the_jnd_package() -> None:
    code = "import sys, vpjnd_cli.cli; print(sorted(m for m in ('cv2', 'vpjnd_cli.jnd') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
