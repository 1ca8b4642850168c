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


def names(found) -> list[str]:
    return [source.relative.as_posix() for source in found.sources]


def test_folders_recursion_globs_and_hidden_files(tree):
    assert names(find_sources([tree])) == ["B.JPG", "a.png"]  # sorted by code point, as `LC_ALL=C ls` does
    assert names(find_sources([tree], recursive=True)) == [
        "B.JPG", "a.png", "raw/e.png", "sub/c.png", "sub/deep/d.webp"]
    assert names(find_sources([tree], recursive=True, include=["*.png"], exclude=["raw", "sub/deep/*"])) == [
        "a.png", "sub/c.png"]
    assert names(find_sources([tree], recursive=True, include=["*.jpg"])) == ["B.JPG"]  # case-insensitive
    assert names(find_sources([tree], recursive=True, prune=[tree / "sub"])) == ["B.JPG", "a.png", "raw/e.png"]


def test_subfolders_that_recursion_would_enter_are_counted(tree, tmp_path):
    assert find_sources([tree]).unsearched == 2  # raw and sub; not .cache
    assert find_sources([tree], exclude=["raw"]).unsearched == 1
    assert find_sources([tree], prune=[tree / "sub"]).unsearched == 1  # the output folder
    assert find_sources([tree], recursive=True).unsearched == 0


def test_named_files_are_kept_once_and_stdin_stands_alone(tree):
    found = find_sources([tree / "notes.txt", tree / "a.png", tree, tree / "a.png"])
    assert names(found) == ["notes.txt", "a.png", "B.JPG"]  # argument order; a.png only once
    assert [source.found for source in found.sources] == [False, False, True]
    with pytest.raises(UsageError, match="standard input"):
        find_sources([STDIO, tree / "a.png"])


def test_output_plans(tree, tmp_path):
    one = find_sources([tree / "a.png"]).sources
    assert plan_tasks(one, codecs=("jpeg",), output=tmp_path / "o.jpg", template=None)[0].outputs == {
        "jpeg": tmp_path / "o.jpg"}
    task = plan_tasks(one, codecs=("jpeg", "webp"), output=tmp_path / "o.jpg", template=None)[0]
    assert task.outputs == {"jpeg": tmp_path / "o.jpg", "webp": tmp_path / "o.webp"}
    assert task.original == tmp_path / "o.png" and not task.make_folders
    mirrored = plan_tasks(find_sources([tree], recursive=True).sources, codecs=("jpeg",), output=tmp_path / "out",
                          template=None, folder=True)
    assert mirrored[2].outputs == {"jpeg": tmp_path / "out/raw/e.jpg"} and mirrored[2].make_folders
    assert mirrored[0].original == tmp_path / "out/B.jpg"  # already a JPEG: its original stands for the output
    assert mirrored[1].original == tmp_path / "out/a.png"
    beside = plan_tasks(find_sources([tree / "sub"]).sources, codecs=("jpeg",), output=None, template="{stem}.min{ext}")
    assert beside[0].outputs == {"jpeg": tree / "sub/c.min.jpg"} and beside[0].original == tree / "sub/c.min.png"
    assert plan_tasks(one, codecs=("jpeg",), output=None, template=None)[0].outputs == {}
    with pytest.raises(UsageError, match="exactly one input"):
        plan_tasks(find_sources([tree]).sources, codecs=("jpeg",), output=STDIO, template=None)
    with pytest.raises(UsageError, match="folder"):
        plan_tasks(one, codecs=("jpeg",), output=tmp_path / "o.jpg", template="{stem}{ext}")
    # A trailing / (``folder``) makes a folder of any name; several inputs need one.
    assert plan_tasks(one, codecs=("jpeg",), output=tmp_path / "new", template=None, folder=True)[0].outputs == {
        "jpeg": tmp_path / "new/a.jpg"}
    with pytest.raises(UsageError, match="end the name in / to create it"):
        plan_tasks(find_sources([tree]).sources, codecs=("jpeg",), output=tmp_path / "two.jpg", template=None)
    # An explicit single codec keeps a name without a picture extension; another picture extension is never kept.
    assert plan_tasks(one, codecs=("webp",), output=tmp_path / "o", template=None)[0].outputs == {
        "webp": tmp_path / "o"}
    assert plan_tasks(one, codecs=("webp",), output=tmp_path / "o.jpg", template=None)[0].outputs == {
        "webp": tmp_path / "o.webp"}


def test_standard_input_plans(tmp_path):
    stdin = find_sources([STDIO]).sources
    task = plan_tasks(stdin, codecs=("jpeg",), output=tmp_path / "x.jpg", template=None)[0]
    assert task.outputs == {"jpeg": tmp_path / "x.jpg"} and task.requested == tmp_path / "x.jpg"
    assert task.original_path("PNG") == tmp_path / "x.png" and task.original_path("JPEG") == tmp_path / "x.jpg"
    with pytest.raises(UsageError, match="standard input has no file name"):
        plan_tasks(stdin, codecs=("jpeg",), output=tmp_path, template=None)


def test_in_place_plans(tree):
    tasks = plan_tasks(find_sources([tree]).sources, codecs=("jpeg",), output=None, template=None, in_place=True,
                       backup=".orig")
    jpeg, png = tasks  # B.JPG, a.png
    assert jpeg.outputs == {"jpeg": tree / "B.JPG"} and jpeg.in_place and jpeg.backup == tree / "B.JPG.orig"
    assert jpeg.original is None and not png.outputs and "does not write PNG files" in png.skip
    webp = plan_tasks(find_sources([tree / "sub/deep/d.webp"]).sources, codecs=("jpeg",), output=None,
                      template=None, in_place=True)[0]
    assert "this is a webp file, not jpeg; -c webp rewrites it" in webp.skip
    (tree / "B.JPG.orig").write_bytes(b"x")  # a backup that is another input
    with pytest.raises(UsageError, match="is an input"):
        plan_tasks(find_sources([tree / "B.JPG", tree / "B.JPG.orig"]).sources, codecs=("jpeg",), output=None,
                   template=None, in_place=True, backup=".orig")


def test_outputs_that_clash_stop_the_run_while_planning(tmp_path):
    for name in ("x.png", "x.bmp", "y.jpg", "y.png"):
        (tmp_path / name).write_bytes(b"x")
    sources = find_sources([tmp_path]).sources
    # x.bmp and x.png -> x.jpg; y.jpg -> itself; y.png -> y.jpg, another input. Sorted: x.bmp first.
    with pytest.raises(UsageError, match=r"x\.jpg: would be the output of both .*x\.bmp and .*x\.png; .*"
                                         r"\(and 2 more\); nothing was done"):
        plan_tasks(sources, codecs=("jpeg",), output=None, template="{stem}{ext}")
    with pytest.raises(UsageError, match=r"y\.jpg: is both the input and its output; --in-place replaces inputs"):
        plan_tasks(find_sources([tmp_path / "y.jpg"]).sources, codecs=("jpeg",), output=tmp_path / "y.jpg",
                   template=None)
    with pytest.raises(UsageError, match=r"y\.jpg: is an input, and would be the output of .*y\.png"):
        plan_tasks(find_sources([tmp_path / "y.png", tmp_path / "y.jpg"]).sources, codecs=("jpeg",), output=None,
                   template="{stem}{ext}")


@pytest.mark.parametrize(("template", "fragment"), [("{stem}{nope}", "fields are"), ("{stem}/{ext}", "file name"),
                                                    ("{", "not valid")])
def test_bad_templates(template, fragment):
    with pytest.raises(UsageError, match=fragment):
        render(template, Path("a.png"), "jpeg")
    assert render("{name}.{codec}{ext}", Path("a.png"), "webp") == "a.png.webp.webp"
