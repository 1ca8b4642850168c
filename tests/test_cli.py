"""The CLI's error model: one-line messages, documented exit codes, no traceback, no output."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest
from pictures import natural_picture
from PIL import Image
from processes import CLI, permissions_apply

from vpjnd_cli.cli import run


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120)


def png_bytes(height: int = 64, width: int = 64) -> bytes:
    path_free = Image.fromarray(natural_picture(height, width))
    import io

    buffer = io.BytesIO()
    path_free.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(natural_picture(64, 64)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG signature and IHDR (with a valid CRC) for a huge picture, then IEND: no pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + chunk + iend


def ico_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(natural_picture(32, 32)).save(buffer, format="ICO")
    return buffer.getvalue()


# name, file content (None: do not create), expected message fragment
BAD_INPUTS = [
    ("missing.png", None, "no such file"),
    ("empty.png", b"", "empty file"),
    ("truncated.png", png_bytes()[:600], "truncated or corrupt PNG"),
    ("truncated.jpg", jpeg_bytes()[:700], "truncated or corrupt JPEG"),
    ("random.bin", np.random.default_rng(1).bytes(4096), "not a recognised image format"),
    ("notes.png", b"shopping list\nmilk\neggs\n", "not a valid PNG file: the content is text"),
    ("bomb.png", png_header_claiming(100_000, 100_000), "100000x100000 = 10,000,000,000 pixels exceeds"),
    ("icon.ico", ico_bytes(), "unsupported format: ICO"),
    ("doc.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "unsupported format: PDF"),
]


@pytest.mark.parametrize(("name", "content", "fragment"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_inputs(tmp_path, capsys, name, content, fragment):
    source = tmp_path / name
    if content is not None:
        source.write_bytes(content)
    output = tmp_path / "out.png"
    code = run(["decode", str(source), "-o", str(output)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"vpjnd: error: {source}: ") and fragment in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name] if content is not None else [])


def test_a_directory_as_input(tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    assert run(["decode", str(folder), "-o", str(tmp_path / "out.png")]) == 2
    assert f"{folder}: is a directory" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


def test_max_pixels_can_be_raised_and_lowered(tmp_path, capsys):
    source = tmp_path / "p.png"
    source.write_bytes(png_bytes(64, 64))
    assert run(["decode", str(source), "-o", str(tmp_path / "a.png"), "--max-pixels", "4000"]) == 2
    assert "exceeds the limit of 4,000" in capsys.readouterr().err
    assert not (tmp_path / "a.png").exists()
    assert run(["decode", str(source), "-o", str(tmp_path / "a.png"), "--max-pixels", "4096"]) == 0
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_claiming(100_000, 100_000))
    assert run(["decode", str(bomb), "-o", str(tmp_path / "b.png"), "--max-pixels", "0"]) == 2
    assert "truncated or corrupt PNG" in capsys.readouterr().err  # past the guard, the data is missing
    assert not (tmp_path / "b.png").exists()


def test_an_unreadable_file(tmp_path):
    source = tmp_path / "secret.png"
    source.write_bytes(png_bytes())
    source.chmod(0)
    output = tmp_path / "out.png"
    result = subprocess.run(
        [*CLI, "decode", str(source), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=permissions_apply(),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"vpjnd: error: {source}: permission denied (cannot read the file)\n"
    assert not output.exists()


def test_an_output_folder_that_does_not_exist(tmp_path, capsys):
    source = tmp_path / "p.png"
    source.write_bytes(png_bytes())
    output = tmp_path / "missing" / "out.png"
    assert run(["decode", str(source), "-o", str(output)]) == 2
    assert "output folder does not exist" in capsys.readouterr().err
    assert not output.parent.exists()


def test_output_equal_to_input_is_refused_even_with_force(tmp_path, capsys):
    source = tmp_path / "p.png"
    original = png_bytes()
    source.write_bytes(original)
    assert run(["decode", str(source), "-o", str(source), "--force"]) == 2
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert source.read_bytes() == original and os.listdir(tmp_path) == ["p.png"]


def test_existing_output_needs_force(tmp_path, capsys):
    source = tmp_path / "p.png"
    source.write_bytes(png_bytes())
    output = tmp_path / "out.png"
    output.write_bytes(b"keep me")
    assert run(["decode", str(source), "-o", str(output)]) == 2
    assert "use --force" in capsys.readouterr().err and output.read_bytes() == b"keep me"
    assert run(["decode", str(source), "-o", str(output), "--force"]) == 0
    assert np.array_equal(np.asarray(Image.open(output)), natural_picture(64, 64))


def test_decode_keeps_alpha_and_applies_orientation(tmp_path):
    rgba = np.dstack([natural_picture(20, 30), np.full((20, 30), 77, np.uint8)])
    image = Image.fromarray(rgba)
    exif = image.getexif()
    exif[0x0112] = 8
    source = tmp_path / "a.png"
    image.save(source, exif=exif.tobytes())
    assert run(["decode", str(source), "-o", str(tmp_path / "b.png")]) == 0
    written = Image.open(tmp_path / "b.png")
    assert written.mode == "RGBA" and written.size == (20, 30)
    assert written.getexif().get(0x0112) == 1


def test_debug_shows_the_traceback_and_keeps_the_exit_code(tmp_path):
    result = cli("decode", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"), "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and result.stderr.rstrip().endswith("no such file")
    plain = cli("decode", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"))
    assert plain.returncode == 2 and "Traceback" not in plain.stderr


def test_usage_errors_exit_2(tmp_path):
    assert cli("decode").returncode == 2
    assert cli("no-such-command").returncode == 2
    result = cli("decode", str(tmp_path / "a.png"), "-o", str(tmp_path / "a.jpg"))
    assert result.returncode == 2 and "ending in .png" in result.stderr


def test_info_reports_and_batch_exit_code(tmp_path):
    good = tmp_path / "good.png"
    good.write_bytes(png_bytes())
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    single = cli("info", str(good), "--json")
    assert single.returncode == 0 and '"width": 64' in single.stdout
    mixed = cli("info", str(good), str(bad))
    assert mixed.returncode == 1
    assert "good.png: PNG 64x64" in mixed.stdout and f"vpjnd: error: {bad}:" in mixed.stderr


def test_version_and_help():
    assert cli("--version").stdout.strip().startswith("vpjnd ")
    result = cli("--help")
    assert result.returncode == 0 and "decode" in result.stdout and "Exit codes" in result.stdout


def test_shell_completion_is_on_and_offers_the_choices():
    assert "--install-completion" in cli("--help").stdout
    # The shell named, not detected from the parent processes (which depend on how the tests are started).
    named = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = subprocess.run([*CLI, "--show-completion", "bash"], capture_output=True, text=True, timeout=60, env=named)
    assert "_vpjnd_completion" in shown.stdout
    env = {**os.environ, "_VPJND_COMPLETE": "complete_bash", "COMP_WORDS": "vpjnd compress --codec ", "COMP_CWORD": "3"}
    done = subprocess.run(CLI, capture_output=True, text=True, timeout=60, env=env)
    assert done.stdout.split() == ["jpeg", "bpg", "heic", "avif", "webp", "jxl", "auto"]
    env.update(COMP_WORDS="vpjnd judge --device c")
    assert subprocess.run(CLI, capture_output=True, text=True, timeout=60, env=env).stdout.split() == ["cpu", "cuda"]


def test_help_does_not_import_heavy_modules_and_is_fast():
    probe = (
        "import sys, time; t = time.perf_counter(); from vpjnd_cli.cli import run; run(['--help']); "
        "heavy = [m for m in ('torch', 'cv2', 'av', 'numpy', 'PIL', 'ray') if m in sys.modules]; "
        "print(heavy, time.perf_counter() - t, file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    heavy, seconds = result.stderr.strip().rsplit(" ", 1)
    assert heavy == "[]"
    assert float(seconds) < 0.5
    start = time.perf_counter()
    assert cli("--help").returncode == 0
    assert time.perf_counter() - start < 2.0  # whole interpreter start-up included, on a loaded CI box


def encoded(fmt: str, pixels: np.ndarray, **params) -> bytes:
    import io

    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **params)
    return buffer.getvalue()


def one_error_line(result: subprocess.CompletedProcess, source, fragment: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"vpjnd: error: {source}: "), result.stderr
    assert fragment in result.stderr


def test_every_decoding_library_error_is_an_unreadable_input(tmp_path):
    """libavif's "Failed to decode frame 0" and libheif's "Error while loading plugin" were exit 4."""
    avif = bytearray(encoded("AVIF", natural_picture(32, 48), quality=70))
    payload = avif.index(b"mdat") + 4
    avif[payload + 10 :] = b"\xff" * (len(avif) - payload - 10)
    broken = tmp_path / "broken.avif"
    broken.write_bytes(bytes(avif))
    one_error_line(cli("info", str(broken)), broken, "truncated or corrupt AVIF data (Failed to decode frame 0")
    heic = tmp_path / "two.heic"
    heic.write_bytes(encoded("HEIF", natural_picture(32, 48)) + encoded("AVIF", natural_picture(32, 48)))
    one_error_line(cli("info", str(heic)), heic, "truncated or corrupt HEIC/HEIF data (Error while loading plugin")


def tiff_with_tag(pixels: np.ndarray, tag: int, value: int) -> bytes:
    """An uncompressed TIFF whose (short, inline) ``tag`` is set to ``value``."""
    data = bytearray(encoded("TIFF", pixels))
    ifd = struct.unpack("<I", data[4:8])[0]
    for entry in range(struct.unpack("<H", data[ifd : ifd + 2])[0]):
        where = ifd + 2 + 12 * entry
        if struct.unpack("<H", data[where : where + 2])[0] == tag:
            data[where + 8 : where + 10] = struct.pack("<H", value)
    return bytes(data)


def sixteen_bit_png_with_a_bad_crc() -> bytes:
    import cv2

    data = bytearray(cv2.imencode(".png", (natural_picture(32, 48).astype(np.uint16) * 257))[1].tobytes())
    idat = data.index(b"IDAT") - 4
    data[idat + 8 + struct.unpack(">I", data[idat : idat + 4])[0]] ^= 0xFF
    return bytes(data)


CHATTER = [  # name, content, what the one error line says
    ("deep.png", sixteen_bit_png_with_a_bad_crc(), "libpng error: IDAT: CRC error"),  # libpng, on descriptor 2
    ("cut.tif", encoded("TIFF", natural_picture(32, 48)[..., 0], compression="packbits")[:-1],
     "truncated or corrupt TIFF file (Corrupt EXIF data"),  # a Pillow UserWarning
    ("samples.tif", tiff_with_tag(natural_picture(32, 48), 277, 60000),
     "More samples per pixel than can be decoded: 60000"),  # a Pillow log record
    ("nodata.heic", (lambda h: h[: h.index(b"mdat") - 4])(encoded("HEIF", natural_picture(32, 48))),
     "data outside of file bounds (points to file position"),  # libheif's message holds a newline
]


@pytest.mark.parametrize(("name", "content", "fragment"), CHATTER, ids=[case[0] for case in CHATTER])
def test_library_chatter_is_folded_into_the_one_error_line(tmp_path, name, content, fragment):
    source = tmp_path / name
    source.write_bytes(content)
    for command in (["info", str(source)], ["compress", "--judge", "pjnd", str(source), "-o", str(tmp_path / "o.jpg")]):
        one_error_line(cli(*command), source, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_library_warning_on_a_readable_picture_is_one_warning_line(tmp_path):
    image = Image.fromarray(natural_picture(32, 48))
    maker = Image.Exif()
    maker[0x010F] = "A camera maker with a long name"
    exif = bytearray(maker.tobytes())
    make = exif.index(b"\x01\x0f")
    exif[make + 4 : make + 8] = struct.pack(">I", 5000)  # the string's length runs past the EXIF block
    source = tmp_path / "exif.jpg"
    image.save(source, exif=bytes(exif))
    result = cli("info", str(source))
    assert result.returncode == 0
    assert result.stderr == f"vpjnd: warning: {source}: Tag data larger than file. Skipping tag 271\n"
