"""The same picture and level give the same bytes: twice in a process, and in another process."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from pictures import natural_picture

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions, Level

CASES = [
    ("jpeg", Level(75)), ("webp", Level(75)),
    ("avif", Level(60)), ("avif", Level(60, "444")), ("heic", Level(30)), ("heic", Level(30, "444")),
    ("jxl", Level(100, "444")),
]
HERE = Path(__file__).resolve().parent


def digests(cases: list[tuple[str, Level]]) -> list[str]:
    picture = natural_picture(64, 96, seed=5)
    return [hashlib.sha256(get_codec(name).encode(picture, level)).hexdigest() for name, level in cases]


@pytest.mark.parametrize(("name", "level"), CASES)
def test_same_bytes_twice_in_one_process(name, level):
    picture = natural_picture(64, 96, seed=5)
    codec = get_codec(name)
    assert codec.encode(picture, level) == codec.encode(picture, level)
    assert codec.encode_final(picture, level) == codec.encode_final(picture, level)


def test_heic_and_avif_give_the_same_bytes_in_another_process():
    cases = [case for case in CASES if case[0] in ("heic", "avif")]
    code = (
        f"import sys; sys.path[:0] = {[str(HERE), str(HERE.parent)]!r}; from test_codec_determinism import digests; "
        f"from vpjnd_cli.codecs.base import Level; print(digests({cases!r}))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert other.strip() == repr(digests(cases))


def test_heic_bytes_do_not_depend_on_the_thread_count():
    picture = natural_picture(96, 128, seed=6)
    one, two = (get_codec("heic", CodecOptions(threads=n)).encode(picture, Level(28)) for n in (1, 2))
    assert one == two
