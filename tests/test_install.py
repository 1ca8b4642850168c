"""Install anywhere: the wheel carries the shipped weights and every parameter file, and a fresh
virtual environment (its torch installed first, as the README says) runs vpjnd from any folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from pictures import natural_picture
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
PACKAGE_DATA = ("vpjnd_cli/weights/vpjndnet.safetensors", "vpjnd_cli/judges/pjnd_params.json",
                "vpjnd_cli/jobs/report.css", "vpjnd_cli/jobs/report.js", "vpjnd_cli/py.typed")


def sh(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=400, check=False)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def build_wheel(tmp_path: Path) -> Path:
    """The wheel of a copy of the working tree (building in place would leave build/ behind)."""
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", "tests", "bench", "model-*"))
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp_path / "dist",
       source)
    (wheel,) = (tmp_path / "dist").glob("vpjnd-*.whl")
    return wheel


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_works_from_any_folder_of_a_fresh_environment(tmp_path):
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for name in PACKAGE_DATA:
        assert name in names, name
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)

    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", venv)
    python, pip = venv / "bin" / "python", [venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile"]
    sh(*pip, f"torch=={metadata.version('torch')}")  # the CPU build this suite runs with, first
    sh(*pip, wheel)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Image.fromarray(natural_picture(96, 128, seed=5)).save(elsewhere / "photo.png")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VPJND_WEIGHTS")}
    vpjnd = venv / "bin" / "vpjnd"
    where = sh(python, "-c", "import vpjnd_cli; print(vpjnd_cli.__file__)", cwd=elsewhere, env=env)
    assert Path(where.strip()).is_relative_to(venv)
    assert sh(python, "-m", "vpjnd_cli", "--version", cwd=elsewhere, env=env).startswith("vpjnd ")
    # The shipped network (the default judge for JPEG) and the HTML report's page are package data.
    sh(vpjnd, "compress", "photo.png", "-o", "photo.jpg", "--report", "report.html", cwd=elsewhere, env=env)
    assert Image.open(elsewhere / "photo.jpg").format == "JPEG"
    page = (elsewhere / "report.html").read_text()
    for part in ("report.css", "report.js"):  # the page holds both, inline
        assert (REPO / "vpjnd_cli" / "jobs" / part).read_text().strip() in page, part
    assert '"judge":"vpjndnet"' in page
    # The weight-free judge's parameters are package data, and the Python API works as documented.
    api = ("from vpjnd_cli import Settings, compress; "
           "print(compress('photo.png', 'x.webp', Settings(judge='pjnd')).status)")
    assert sh(python, "-c", api, cwd=elsewhere, env=env).strip() == "ok"
