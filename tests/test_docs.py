"""The documents say what the code does: docs/cli.md holds the current --help texts, the README is
short, its Python example runs, and every relative link points at a file of the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pictures import natural_picture
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_command_reference_holds_the_current_help_texts():
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "cli_docs.py"), "--check"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


def test_the_readme_is_short_and_says_how_to_import_the_library():
    text = README.read_text(encoding="utf-8")
    assert len(text) <= 12_000
    assert 'python -c "from vpjnd_cli import compress"' in text
    subprocess.run([sys.executable, "-c", "from vpjnd_cli import compress"], check=True, timeout=60)


def test_the_readme_python_example_runs(tmp_path):
    (example,) = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (tmp_path / "shots" / "day").mkdir(parents=True)
    for index, path in enumerate(("photo.png", "shots/a.png", "shots/day/b.png")):
        Image.fromarray(natural_picture(96, 128, seed=index)).save(tmp_path / path)
    done = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "photo.webp").is_file() and (tmp_path / "small" / "day" / "b.jpg").is_file()
    lines = done.stdout.splitlines()
    assert lines[0].startswith("webp at level ") and lines[0].endswith("% smaller")
    assert sorted(lines[1:]) == ["shots/a.png ok ", "shots/day/b.png ok "]


def test_relative_links_point_at_files():
    documents = [README, *sorted((REPO / "docs").glob("*.md"))]
    for document in documents:
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (document.parent / target).exists(), f"{document.relative_to(REPO)}: {target}"
