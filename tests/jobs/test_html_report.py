"""`--report F.html`: the page and its F_files/ pictures, written by real `compress` and `predict`
runs (in worker processes with -j 2), and opened in a real headless chromium (tests/browser.py)."""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import chromium, first_screen_seconds, require_browser
from pictures import natural_picture
from PIL import Image
from processes import CLI, on_tiny_filesystem, tiny_filesystems

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Level
from vpjnd_cli.imageio import load_image

PJND = ("--judge", "pjnd")


@dataclass
class Report:
    root: Path
    page: Path
    records: dict[str, dict[str, Any]]  # the --json line of each input, by file name
    entries: dict[str, dict[str, Any]]  # the page's entry of each input, by file name

    @property
    def files(self) -> Path:
        return self.page.with_name(self.page.stem + "_files")

    def folder(self, name: str) -> Path:
        return self.files / self.entries[name]["view"]["folder"]


def vpjnd(*args: str | Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, check=False)


def page_data(page: Path) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="vpjnd-data">(.*?)</script>', page.read_text(), re.S)
    assert match, "the page carries its numbers as JSON"
    return json.loads(match.group(1))


def run_report(root: Path, *args: str | Path, code: int = 0, name: str = "r.html") -> Report:
    """Run vpjnd with --report root/NAME and --json; the records and the page's entries by file name."""
    page = root / name
    done = vpjnd(*args, "--report", page, "--json")
    assert done.returncode == code, done.stderr
    records = {Path(r["path"]).name: r for r in map(json.loads, done.stdout.splitlines())}
    entries = {Path(e["path"]).name: e for e in page_data(page)["pictures"]}
    return Report(root, page, records, entries)


def png(path: Path) -> np.ndarray:
    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Report:
    """compress -j 2 over two pictures, one that cannot shrink and one that cannot be read."""
    root = tmp_path_factory.mktemp("html")
    pictures = root / "in"
    pictures.mkdir()
    Image.fromarray(natural_picture(96, 128, seed=1)).save(pictures / "a.png")
    Image.fromarray(natural_picture(120, 160, seed=2)).save(pictures / "b.png")
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(pictures / "flat.png")
    buffer = io.BytesIO()
    Image.fromarray(natural_picture(64, 64)).save(buffer, format="PNG")
    (pictures / "corrupt.png").write_bytes(buffer.getvalue()[:400])
    return run_report(root, "compress", pictures, "-o", f"{root}/out/", *PJND, "-j", "2", code=1, name="r #1.html")


def test_each_picture_is_kept_as_the_judge_saw_it_beside_its_numbers(batch):
    assert sorted(batch.entries) == ["a.png", "b.png", "corrupt.png", "flat.png"]
    assert {name: e["status"] for name, e in batch.entries.items()} == {
        "a.png": "ok", "b.png": "ok", "corrupt.png": "failed", "flat.png": "kept original"}
    assert batch.entries["corrupt.png"].get("view") is None and "corrupt" in batch.entries["corrupt.png"]["error"]
    assert (batch.files / "vpjnd-report.txt").is_file()
    assert [p.name for p in batch.root.iterdir() if p.name.startswith(".")] == []  # no temporary folder left

    for name in ("a.png", "b.png"):
        record, entry, folder = batch.records[name], batch.entries[name], batch.folder(name)
        original = load_image(batch.root / "in" / name).rgb
        written = get_codec("jpeg").decode(Path(record["output"]).read_bytes())
        assert np.array_equal(png(folder / "original.png"), original)
        assert np.array_equal(png(folder / "jpeg.png"), written)  # the file written, decoded as the judge did
        height, width = original.shape[:2]
        assert png(folder / "jnd.png").shape == png(folder / "jpeg-error.png").shape == (height, width, 3)
        with Image.open(folder / "thumbnail.jpg") as thumbnail:
            assert max(thumbnail.size) == min(160, width) and tuple(entry["view"]["thumbnail"]) == thumbnail.size

        (candidate,) = entry["view"]["candidates"]
        assert [label for _, label, _ in candidate["points"]] == list(record["probabilities"])
        assert [p for _, _, p in candidate["points"]] == list(record["probabilities"].values())
        assert candidate["shown_label"] == Level(record["written_level"], record["written_chroma"]).label
        assert candidate["bytes"] == record["bytes_out"] == Path(record["output"]).stat().st_size
        assert entry["level"] == str(record["level"]) and entry["probability"] == record["probability"]
        assert entry["saving"] == record["saving"] and entry["criterion"] == record["criterion"] == "paper"
        assert entry["seconds"]["total"] == record["total_seconds"]


def test_the_page_opens_offline_without_errors_and_its_controls_work(batch):
    record = batch.records["a.png"]
    folder = batch.folder("a.png")
    index = list(page_data(batch.page)["pictures"]).index(batch.entries["a.png"])
    with chromium() as browser:
        from playwright.sync_api import expect  # present once chromium() did not skip

        page = browser.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(batch.page.as_uri())

        assert page.locator("#pictures tbody tr").count() == 4
        assert page.locator("svg.histogram rect.bar").count() >= 2  # QF 35 and 41, and the bins between
        page.get_by_role("button", name="saving").click()
        shown = page.locator("#pictures tbody tr td:nth-child(2)").all_inner_texts()
        by_saving = sorted(["a.png", "b.png"], key=lambda name: batch.entries[name]["saving"])
        assert [Path(p).name for p in shown] == ["flat.png", *by_saving, "corrupt.png"]  # kept: 0; failed: none, last

        # a click changes the address; the page follows on "hashchange", which fires after click() returns
        page.locator("#pictures a", has_text="a.png").click()
        expect(page).to_have_url(re.compile(f"#p{index}$"))
        expect(page.locator("#batch")).to_be_hidden()
        stage, candidate = page.locator(".stage"), page.locator(".stage img.candidate")
        assert candidate.evaluate("img => img.style.clipPath") == "inset(0px 0px 0px 50%)"

        # the slider: by keyboard on the slider, by the arrow keys anywhere, by dragging on the picture
        page.locator(".slider input").focus()
        page.keyboard.press("ArrowRight")
        moved = page.locator(".slider input").input_value()
        assert float(moved) > 50 and candidate.evaluate("img => img.style.clipPath") == f"inset(0px 0px 0px {moved}%)"
        page.locator(".viewport").focus()
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        assert float(page.locator(".slider input").input_value()) == pytest.approx(float(moved) - 15)
        box = stage.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 4, box["y"] + box["height"] / 2)
        assert abs(float(page.locator(".slider input").input_value()) - 25) < 1

        # 1:1 pixels: what the screen shows is the original, then the written file, exactly
        page.keyboard.press("f")
        assert stage.get_attribute("data-showing") == "candidate" and candidate.is_visible()
        assert np.array_equal(screen(stage), png(folder / "jpeg.png"))
        page.keyboard.press("f")
        assert stage.get_attribute("data-showing") == "original" and candidate.is_hidden()
        assert np.array_equal(screen(stage), png(folder / "original.png"))
        page.get_by_role("button", name="Flicker (F)").click()
        assert stage.get_attribute("data-showing") == "candidate"

        # zoom: twice the size, each pixel a 2x2 block (nearest neighbour)
        page.keyboard.press("2")
        assert stage.bounding_box()["width"] == 2 * 128
        assert np.array_equal(screen(stage), np.kron(png(folder / "jpeg.png"), np.ones((2, 2, 1), np.uint8)))
        page.keyboard.press("4")
        assert stage.bounding_box()["width"] == 4 * 128

        # the heat maps, one after the other over the pictures
        overlay = page.locator(".stage img.overlay")
        assert overlay.is_hidden()
        page.keyboard.press("o")
        assert overlay.is_visible() and overlay.get_attribute("src").endswith("/jnd.png")
        page.keyboard.press("o")
        assert overlay.get_attribute("src").endswith("/jpeg-error.png")

        # the plot: a point per evaluated level, the SUR line and the chosen level
        points = page.locator("svg.plot circle.point")
        assert points.count() == record["evaluations"]
        levels = [points.nth(k).get_attribute("data-level") for k in range(points.count())]
        assert levels == list(record["probabilities"])
        passing = [label for label, p in record["probabilities"].items() if p >= record["sur"]]
        assert page.locator("svg.plot circle.point.pass").count() == len(passing)
        assert page.locator("svg.plot line.sur").count() == 1 and page.locator("svg.plot line.chosen").count() == 1
        assert f"QF {record['level']}" in page.locator("svg.plot").text_content()
        facts = page.locator("table.facts").inner_text()
        assert "criterion\tpaper" in facts and f"{record['bytes_out']:,}" in facts

        page.keyboard.press("Escape")
        expect(page.locator("#batch")).to_be_visible()
        expect(page.locator("#picture")).to_be_hidden()
        page.locator("#pictures a", has_text="corrupt.png").click()
        expect(page.locator("#picture")).to_contain_text("corrupt")
    assert errors == []
    assert requests and all(url.startswith(batch.root.as_uri() + "/") for url in requests)


def screen(element) -> np.ndarray:
    """The screen's pixels where ``element`` is, its box rounded to whole pixels as chromium paints it."""
    box = element.bounding_box()
    clip = {"x": round(box["x"]), "y": round(box["y"]), "width": box["width"], "height": box["height"]}
    return np.asarray(Image.open(io.BytesIO(element.page.screenshot(clip=clip))).convert("RGB"))


def test_auto_shows_every_codec_and_predict_the_level_predicted(tmp_path):
    source = tmp_path / "a.png"
    Image.fromarray(natural_picture(96, 128, seed=4)).save(source)
    (tmp_path / "predict").mkdir()
    auto = run_report(tmp_path, "compress", source, "-o", tmp_path / "a.jpg", "--codec", "auto", *PJND)
    record, entry = auto.records["a.png"], auto.entries["a.png"]
    candidates = entry["view"]["candidates"]
    assert [c["codec"] for c in candidates] == ["jpeg", "webp", "avif"]
    shown = {c["codec"]: c["bytes"] for c in candidates}
    assert shown == {codec: c["bytes"] for codec, c in record["candidates"].items()}
    for c in candidates:
        assert (auto.folder("a.png") / c["image"]).is_file() and (auto.folder("a.png") / c["error"]).is_file()

    predicted = run_report(tmp_path / "predict", "predict", source, "--codec", "webp", *PJND)
    record = predicted.records["a.png"]
    (candidate,) = predicted.entries["a.png"]["view"]["candidates"]
    codec = get_codec("webp")
    level = Level(record["level"])
    assert candidate["shown_label"] == level.label and candidate["shown_probability"] == record["probability"]
    expected = codec.decode(codec.encode(load_image(source).rgb, level))
    assert np.array_equal(png(predicted.folder("a.png") / "webp.png"), expected)

    with chromium() as browser:  # the codec buttons switch the picture and the plot
        page = browser.new_page()
        page.goto(f"{auto.page.as_uri()}#p0")
        for c in candidates:
            page.get_by_role("button", name=re.compile(f"^{c['codec']}, ")).click()
            assert page.locator(".stage img.candidate").get_attribute("src").endswith(f"/{c['codec']}.png")
            assert page.locator("svg.plot circle.point").count() == len(c["points"])


def test_a_rerun_replaces_the_pictures_and_a_folder_not_made_by_a_report_is_refused(tmp_path):
    pictures = tmp_path / "in"
    pictures.mkdir()
    for seed in range(2):
        Image.fromarray(natural_picture(48, 64, seed=seed)).save(pictures / f"p{seed}.png")
    first = run_report(pictures, "predict", pictures, *PJND)  # the report inside the folder it reads
    stale = first.files / "00000" / "stale.png"
    stale.write_bytes((first.files / "00000" / "original.png").read_bytes())
    second = run_report(pictures, "predict", pictures, *PJND)
    assert sorted(second.entries) == ["p0.png", "p1.png"]  # r_files/ holds no inputs
    assert not stale.exists()
    assert sorted(p.name for p in second.files.iterdir()) == ["00000", "00001", "vpjnd-report.txt"]

    foreign = tmp_path / "mine_files"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    done = vpjnd("predict", pictures / "p0.png", *PJND, "--report", tmp_path / "mine.html")
    assert done.returncode == 2
    assert done.stderr == (f"vpjnd: error: {foreign}: the report's picture folder mine_files exists and was not made "
                           "by a vpjnd report; move it, or name the report otherwise\n")
    assert [p.name for p in foreign.iterdir()] == ["keep.txt"] and not (tmp_path / "mine.html").exists()


@pytest.mark.skipif(not tiny_filesystems(), reason="cannot mount a file system in a user namespace")
def test_a_report_whose_pictures_do_not_fit_is_one_line_and_leaves_nothing(tmp_path):
    source, disk = tmp_path / "a.png", tmp_path / "disk"
    Image.fromarray(natural_picture(96, 128, seed=1)).save(source)
    disk.mkdir()
    done, left = on_tiny_filesystem(disk, [*CLI, "compress", str(source), "-o", str(tmp_path / "a.jpg"), *PJND, "-q",
                                           "--report", f"{disk}/r.html"], options="size=4k")
    assert done.returncode == 2, done.stderr
    cause = "cannot write the report's pictures (no space left on device)"
    assert done.stderr == f"vpjnd: error: --report {disk}/r_files: {cause}\n"
    assert left == []
    assert (tmp_path / "a.jpg").is_file()  # the picture itself was written


def test_a_200_picture_report_shows_its_first_screen_in_under_2_s(tmp_path):
    require_browser()
    pictures = tmp_path / "in"
    pictures.mkdir()
    for seed in range(200):
        Image.fromarray(natural_picture(32, 48, seed=seed)).save(pictures / f"p{seed:03d}.png")
    report = tmp_path / "r.html"
    done = vpjnd("predict", pictures, *PJND, "-j", "2", "-q", "--report", report)
    assert done.returncode == 0, done.stderr
    with chromium(1280, 800) as browser:
        page = browser.new_page()
        thumbnails: list[str] = []
        page.on("request", lambda request: request.url.endswith("thumbnail.jpg") and thumbnails.append(request.url))
        seconds = first_screen_seconds(page, report)
        assert page.locator("#pictures tbody tr").count() == 200
        assert seconds < 2, f"the first screen took {seconds:.2f} s"
        assert len(thumbnails) < 100  # the rows far below load their thumbnails only when scrolled to
