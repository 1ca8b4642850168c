"""The atomic writer: never a partial file, never an input, never an existing file without force."""

from __future__ import annotations

import os
import stat

import pytest

from vpjnd_cli.errors import OutputError
from vpjnd_cli.imageio import check_output_path, write_atomic


def test_writes_the_bytes_and_leaves_no_temporary_file(tmp_path):
    target = write_atomic(tmp_path / "out.bin", b"abc")
    assert target.read_bytes() == b"abc"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_new_files_follow_the_umask_not_mkstemp_0600(tmp_path):
    previous = os.umask(0o022)
    try:
        target = write_atomic(tmp_path / "out.bin", b"abc")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_existing_output_needs_force(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="exists"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new"


def test_refuses_to_overwrite_an_input_even_with_force(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(b"input")
    link = tmp_path / "link.png"
    os.link(source, link)
    for target in (source, link, tmp_path / "." / "in.png"):
        with pytest.raises(OutputError, match="input"):
            write_atomic(target, b"x", inputs=(source,), force=True)
    assert source.read_bytes() == b"input"


def test_missing_folder_and_directory_target(tmp_path):
    with pytest.raises(OutputError, match="folder does not exist"):
        check_output_path(tmp_path / "nope" / "out.jpg")
    with pytest.raises(OutputError, match="directory"):
        check_output_path(tmp_path, force=True)


def test_a_failure_mid_write_leaves_nothing(tmp_path):

    target = tmp_path / "out.bin"
    with pytest.raises(TypeError):
        write_atomic(target, object())  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == []
