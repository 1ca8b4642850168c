"""Finding inputs (recursion, globs, hidden files, duplicates) and planning their outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpjnd_cli.errors import UsageError
from vpjnd_cli.jobs.inputs import STDIO, find_sources, plan_tasks, render


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("a.png", "B.JPG", "notes.txt", ".hidden.png", "sub/c.png", "sub/deep/d.webp", "raw/e.png",
                 ".cache/f.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def names(sources) -> list[str]:
    return [source.relative.as_posix() for source in sources]


def test_folders_recursion_globs_and_hidden_files(tree):
    assert names(find_sources([tree])) == ["B.JPG", "a.png"]  # sorted by code point, as `LC_ALL=C ls` does
    assert names(find_sources([tree], recursive=True)) == [
        "B.JPG", "a.png", "raw/e.png", "sub/c.png", "sub/deep/d.webp"]
    assert names(find_sources([tree], recursive=True, include=["*.png"], exclude=["raw", "sub/deep/*"])) == [
        "a.png", "sub/c.png"]
    assert names(find_sources([tree], recursive=True, include=["*.jpg"])) == ["B.JPG"]  # case-insensitive
    assert names(find_sources([tree], recursive=True, prune=[tree / "sub"])) == ["B.JPG", "a.png", "raw/e.png"]


def test_named_files_are_kept_once_and_stdin_stands_alone(tree):
    found = find_sources([tree / "notes.txt", tree / "a.png", tree, tree / "a.png"])
    assert names(found) == ["notes.txt", "a.png", "B.JPG"]  # argument order; a.png only once
    assert [source.found for source in found] == [False, False, True]
    with pytest.raises(UsageError, match="standard input"):
        find_sources([STDIO, tree / "a.png"])


def test_output_plans(tree, tmp_path):
    one = find_sources([tree / "a.png"])
    assert plan_tasks(one, codecs=("jpeg",), output=tmp_path / "o.jpg", template=None)[0].outputs == {
        "jpeg": tmp_path / "o.jpg"}
    task = plan_tasks(one, codecs=("jpeg", "webp"), output=tmp_path / "o.jpg", template=None)[0]
    assert task.outputs == {"jpeg": tmp_path / "o.jpg", "webp": tmp_path / "o.webp"}
    assert task.original == tmp_path / "o.png" and not task.make_folders
    mirrored = plan_tasks(find_sources([tree], recursive=True), codecs=("jpeg",), output=tmp_path / "out",
                          template=None)
    assert mirrored[2].outputs == {"jpeg": tmp_path / "out/raw/e.jpg"} and mirrored[2].make_folders
    assert mirrored[0].original == tmp_path / "out/B.jpg"  # already a JPEG: its original stands for the output
    assert mirrored[1].original == tmp_path / "out/a.png"
    beside = plan_tasks(find_sources([tree / "sub"]), codecs=("jpeg",), output=None, template="{stem}.min{ext}")
    assert beside[0].outputs == {"jpeg": tree / "sub/c.min.jpg"} and beside[0].original == tree / "sub/c.min.png"
    assert plan_tasks(one, codecs=("jpeg",), output=None, template=None)[0].outputs == {}
    with pytest.raises(UsageError, match="exactly one input"):
        plan_tasks(find_sources([tree]), codecs=("jpeg",), output=STDIO, template=None)
    with pytest.raises(UsageError, match="folder"):
        plan_tasks(one, codecs=("jpeg",), output=tmp_path / "o.jpg", template="{stem}{ext}")


def test_outputs_that_clash_are_refused_while_planning(tmp_path):
    for name in ("x.png", "x.bmp", "y.jpg", "y.png"):
        (tmp_path / name).write_bytes(b"x")
    tasks = plan_tasks(find_sources([tmp_path]), codecs=("jpeg",), output=None, template="{stem}{ext}")
    errors = {Path(task.source).name: task.error for task in tasks}
    assert errors["x.bmp"] is None and "also the output of" in errors["x.png"]  # sorted: x.bmp first
    assert "is the input" in errors["y.png"]  # y.png -> y.jpg, another input
    assert errors["y.jpg"] is None  # its own output is itself: refused by the writer, with its own message


@pytest.mark.parametrize(("template", "fragment"), [("{stem}{nope}", "fields are"), ("{stem}/{ext}", "file name"),
                                                    ("{", "not valid")])
def test_bad_templates(template, fragment):
    with pytest.raises(UsageError, match=fragment):
        render(template, Path("a.png"), "jpeg")
    assert render("{name}.{codec}{ext}", Path("a.png"), "webp") == "a.png.webp.webp"
