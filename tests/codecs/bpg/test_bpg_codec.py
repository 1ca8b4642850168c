"""BpgCodec: ladder, quality, determinism, real bpgenc files, back-end choice and errors."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.bpg import BpgCodec, read_bpg
from vpjnd_cli.codecs.bpg.builtin import BuiltinBackend, encode_bpg
from vpjnd_cli.codecs.bpg.codec import DEFAULT_EFFORT
from vpjnd_cli.codecs.bpg.container import demux
from vpjnd_cli.codecs.bpg.external import ExternalBackend
from vpjnd_cli.codecs.bpg.hevc import HevcHeader
from vpjnd_cli.errors import ExitCode, ToolMissingError, UsageError
from vpjnd_cli.imageio.metadata import Metadata

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO.parent / "shared" / "data" / "bpg-samples"


def picture(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([xx * 255 / w, yy * 255 / h, 128 + 100 * np.sin(xx / 5 + yy / 7)], axis=-1)
    noise = np.random.default_rng(seed).normal(0, 6, (h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def builtin(**kw: object) -> BpgCodec:
    return BpgCodec(CodecOptions(bpg_backend="builtin", **kw))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255**2 / np.mean((a.astype(float) - b) ** 2)))


def test_levels() -> None:
    assert builtin().levels() == [Level(qp, "420") for qp in range(52)]
    assert builtin(chroma="444").levels() == [Level(qp, "444") for qp in range(52)]
    both = builtin(chroma="both").levels()
    assert len(both) == 104 and both[:3] == [Level(0, "444"), Level(0, "420"), Level(1, "444")]
    assert (BpgCodec.name, BpgCodec.extensions) == ("bpg", (".bpg",))


def test_quality_and_size_follow_qp() -> None:
    codec, rgb = builtin(), picture()
    sizes, scores = [], []
    for qp in (4, 24, 44):
        data = codec.encode(rgb, Level(qp))
        out = codec.decode(data)
        assert out.shape == rgb.shape and out.dtype == np.uint8
        sizes.append(len(data))
        scores.append(psnr(out, rgb))
    assert sizes[0] > sizes[1] > sizes[2] and scores[0] > scores[1] > scores[2]
    assert scores[0] > 33  # 4:2:0 loses the picture's per-channel noise
    assert psnr(codec.decode(codec.encode(rgb, Level(4, "444"))), rgb) > 48


@pytest.mark.parametrize("shape", [(23, 37), (1, 1), (7, 90), (17, 3)])
def test_odd_sizes(shape: tuple[int, int]) -> None:
    rgb = picture(*shape)
    out = builtin().decode(builtin().encode(rgb, Level(10, "444")))
    assert out.shape == rgb.shape and psnr(out, rgb) > 38


def test_grey_pictures_are_stored_as_gray() -> None:
    grey = np.repeat(picture()[..., :1], 3, axis=2)
    for chroma in ("420", "444"):
        decoded = read_bpg(builtin().encode(grey, Level(20, chroma)))
        assert decoded.header.pixel_format == 0
        assert (decoded.rgb == decoded.rgb[..., :1]).all() and psnr(decoded.rgb, grey) > 35


ENCODE_SNIPPET = """
import hashlib, numpy as np
from vpjnd_cli.codecs.bpg.builtin import encode_bpg
rgb = np.random.default_rng(7).integers(0, 256, (40, 56, 3), dtype=np.uint8)
print(hashlib.sha256(encode_bpg(rgb, 30, "420", 3, {threads})).hexdigest())
"""


def test_encoding_is_deterministic_in_and_across_processes() -> None:
    rgb = np.random.default_rng(7).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    for effort in (0, 3, 8):
        first = encode_bpg(rgb, 30, "420", effort, 1)
        assert all(encode_bpg(rgb, 30, "420", effort, threads) == first for threads in (1, 2, 1))
    digest = hashlib.sha256(encode_bpg(rgb, 30, "420", 3, 1)).hexdigest()
    for threads in (1, 2):  # fresh processes, one of them with two worker threads
        code = ENCODE_SNIPPET.format(threads=threads)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == digest


def test_candidates_are_ultrafast_and_the_written_file_is_at_the_effort() -> None:
    codec, rgb, exif = builtin(), picture(96, 128), Metadata(exif=b"II*\x00\x08\x00\x00\x00\x00\x00")
    judged = codec.encode(rgb, Level(30, "444"))
    assert judged == encode_bpg(rgb, 30, "444", 0)
    assert HevcHeader.from_bytes(demux(judged).hevc_header).min_cb_size == 16  # ultrafast's own
    final = codec.encode_final(rgb, Level(30, "444"), exif)
    plain = encode_bpg(rgb, 30, "444", DEFAULT_EFFORT)
    assert demux(final).hevc_data == demux(plain).hevc_data and len(final) > len(plain)
    assert HevcHeader.from_bytes(demux(final).hevc_header).min_cb_size == 8
    assert not np.array_equal(codec.decode(final), codec.decode(judged))  # so the pipeline judges it again
    at_search_effort = builtin(effort=0).encode_final(rgb, Level(30, "444"), exif)
    assert demux(at_search_effort).hevc_data == demux(judged).hevc_data  # the judged bytes themselves
    assert builtin().encode(rgb.copy(), Level(30, "444")) == judged  # a fresh codec: same bytes


# --- real bpgenc files ---


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} not available (needs /work/shared)")
    return path.read_bytes()


def test_reads_bpgenc_lena() -> None:
    decoded = read_bpg(sample("lena512color.bpg"))
    assert decoded.rgb.shape == (512, 512, 3) and decoded.alpha is None
    assert decoded.header.pixel_format == 1 and not decoded.header.animation
    mean = decoded.rgb.reshape(-1, 3).mean(axis=0)
    assert 150 < mean[0] < 210 and 70 < mean[1] < 130 and 80 < mean[2] < 130  # the reddish portrait
    assert 30 < decoded.rgb.std() < 80
    assert builtin().decode(sample("lena512color.bpg")).shape == (512, 512, 3)


def test_reads_first_frame_and_alpha_of_animated_clock() -> None:
    decoded = read_bpg(sample("clock.bpg"))
    assert decoded.rgb.shape == (150, 150, 3) and decoded.alpha is not None
    assert decoded.alpha.shape == (150, 150) and decoded.header.animation
    assert decoded.alpha[0, 0] == 0 and decoded.alpha[75, 75] == 255  # a round opaque face
    assert 0.4 < (decoded.alpha > 128).mean() < 0.6
    face = decoded.rgb[decoded.alpha == 255]
    assert face.mean() > 180  # mostly white
    assert decoded.metadata.empty


# --- back-end choice ---


def test_auto_without_tools_is_builtin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert isinstance(BpgCodec().backend, BuiltinBackend)
    assert isinstance(builtin(bpgenc="/nonexistent/bpgenc").backend, BuiltinBackend)


def assert_tool_missing(options: CodecOptions, *words: str) -> None:
    with pytest.raises(ToolMissingError) as info:
        BpgCodec(options)
    message = str(info.value)
    assert info.value.exit_code == ExitCode.TOOL_MISSING == 3
    assert "\n" not in message and "https://bellard.org/bpg/" in message and "--bpg-backend builtin" in message
    assert all(w in message for w in words), message


def test_missing_or_unusable_tools_raise(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert_tool_missing(CodecOptions(bpg_backend="external"), "bpgenc", "PATH")
    assert_tool_missing(CodecOptions(bpgenc=str(tmp_path / "nope" / "bpgenc")), "bpgenc", "nope")
    plain = tmp_path / "bpgenc"
    plain.write_text("#!/bin/sh\n")
    plain.chmod(0o644)
    assert_tool_missing(CodecOptions(bpgenc=str(plain)), "not executable")
    plain.chmod(0o755)
    assert_tool_missing(CodecOptions(bpgenc=str(plain)), "bpgdec")


def test_effort_is_checked() -> None:
    for effort in (-1, 10):
        with pytest.raises(UsageError):
            builtin(effort=effort)
    assert builtin(effort=0).effort == 0


FAKE_BPGENC = """#!{python}
# Stands in for libbpg's bpgenc: records its arguments, encodes with the built-in back-end.
import sys
sys.path.insert(0, {repo!r})
import numpy as np
from PIL import Image
from vpjnd_cli.codecs.bpg.builtin import encode_bpg
args = sys.argv[1:]
open({log!r}, "a").write(" ".join(args[:6]) + "\\n")
opt = dict(zip(args[:-1:2], args[1:-1:2]))
rgb = np.asarray(Image.open(args[-1]).convert("RGB"))
open(opt["-o"], "wb").write(encode_bpg(rgb, int(opt["-q"]), opt["-f"], int(opt["-m"])))
"""

FAKE_BPGDEC = """#!{python}
import sys
sys.path.insert(0, {repo!r})
from PIL import Image
from vpjnd_cli.codecs.bpg import read_bpg
try:
    picture = read_bpg(open(sys.argv[-1], "rb").read())
except Exception as exc:
    sys.exit(f"bpgdec: {{exc}}")
Image.fromarray(picture.rgb).save(sys.argv[2])
"""


def fake_tools(tmp_path: Path) -> tuple[Path, Path, Path]:
    log = tmp_path / "bpgenc.log"
    tools = []
    for name, text in (("bpgenc", FAKE_BPGENC), ("bpgdec", FAKE_BPGDEC)):
        path = tmp_path / name
        path.write_text(text.format(python=sys.executable, repo=str(REPO), log=str(log)))
        path.chmod(0o755)
        tools.append(path)
    return tools[0], tools[1], log


def test_external_backend_with_stand_in_tools(tmp_path: Path) -> None:
    bpgenc, bpgdec, log = fake_tools(tmp_path)
    codec = BpgCodec(CodecOptions(bpgenc=str(bpgenc), bpgdec=str(bpgdec), effort=5))
    assert isinstance(codec.backend, ExternalBackend)
    rgb = picture()
    codec.encode(rgb, Level(33, "444"))
    final = codec.encode_final(rgb, Level(33, "444"), Metadata(xmp=b"<x/>"))
    assert log.read_text().splitlines() == ["-q 33 -f 444 -m 1", "-q 33 -f 444 -m 5"]  # search, then final
    assert read_bpg(final).metadata == Metadata(xmp=b"<x/>")
    assert np.array_equal(codec.decode(final), builtin().decode(final))
    with pytest.raises(Exception, match="bpgdec failed"):
        codec.decode(b"BPG\xfb\x00")


@pytest.mark.skipif(not (shutil.which("bpgenc") and shutil.which("bpgdec")), reason="libbpg not installed")
def test_cross_decoding_with_libbpg(tmp_path: Path) -> None:
    rgb = picture(64, 96)
    external = BpgCodec(CodecOptions(bpg_backend="external"))
    theirs = external.encode(rgb, Level(26))
    assert psnr(read_bpg(theirs).rgb, external.decode(theirs)) > 40  # our reader vs bpgdec
    ours = builtin().encode(rgb, Level(26, "444"))
    assert psnr(external.decode(ours), builtin().decode(ours)) > 45  # bpgdec reads our files
    rgba = np.dstack([rgb, np.tile(np.arange(96, dtype=np.uint8) * 2, (64, 1))])
    ours = builtin().encode(rgba, Level(26))
    theirs_alpha, our_alpha = external.decode(ours)[..., 3], builtin().decode(ours)[..., 3]
    assert np.abs(theirs_alpha.astype(int) - our_alpha).max() <= 1  # and their alpha layer
