"""vpjnd against the tools users would pick instead (issue 8): size, quality and speed.

    .venv/bin/python bench/bench_peers.py --photos PHOTO_DIR [--count 10] [--bpg] [--heic] [--no-ssimulacra2]
    make bench [BENCH_PHOTOS=PHOTO_DIR] [BENCH_ARGS="--count 4"]

Pictures: the photos of ../shared/data/photos/build.sh (``--photos DIR``, else ``$BENCH_PHOTOS``,
else the corpus is built into bench/.photos, about 3 minutes of downloads), each cut (area
downscale + centre crop, ``cover_and_crop``) to 1920x1080 or 1280x720 in turn (``--sizes``), from
sources at least 1.25x larger than the cut, taken round-robin over the packages (sorted).

Per picture, every tool runs once, alone, as a separate process timed by wall clock (process
start-up included, as a user would see it):

- ``jpeg-q100``     the reference: Pillow/libjpeg-turbo QF 100 4:2:0, Huffman-optimised by mozjpeg
- ``vpjnd-jpeg``    ``vpjnd compress IN -o OUT.jpg`` with the default judge (also webp, avif, jxl; bpg
                    with --bpg, heic with --heic); ``vpjnd-jpeg-pjnd`` the same with ``--judge pjnd``, the weight-free rule;
                    ``vpjnd-jpeg-strict`` with ``--criterion strict`` (1:1 viewing; 4:4:4 and 4:2:0 rungs),
                    ``vpjnd-jpeg-strict-50``, ``-79`` and ``-90`` the same at ``--sur 0.5``, ``0.79`` and ``0.9``
- ``guetzli``       ``guetzli IN.png OUT.jpg`` (default quality 95)
- ``cjxl-d1``       ``cjxl -d 1 IN.png OUT.jxl`` (decoded with djxl for scoring)
- ``jpegoptim-85``  ``jpegoptim --max=85 --stdout Q100.jpg``: jpegoptim recompresses a JPEG, so it is
                    fed the QF 100 reference, not the PNG; ``jpegoptim-95`` the same with --max=95
- ``ssim-high`` / ``ssim-veryhigh``  our jpeg-recompress-style baseline (written here): bisection
                    over QF 40..95, 6 probes, luma SSIM >= 0.999 / 0.9999; the smallest passing
                    probe (QF 95 when none passes); Pillow 4:2:0 + mozjpeg Huffman optimisation

Every output is decoded and scored against the picture with ``butteraugli_main`` (max-norm and
3-norm; Debian libjxl-devtools) and SSIMULACRA2 (PyPI ``ssimulacra2``; ``--no-ssimulacra2`` skips
it, 3-5 s per 1080p pair). Missing tools are installed (apt-get when root, pip into this
interpreter) unless ``--no-install``; what stays missing is skipped and the reason recorded.

Writes to ``--out`` (default bench/results/): results.csv (one row per picture and tool),
summary.md (machine, commands, the table), size_quality.png, time_per_mp.png.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.resize import cover_and_crop

ROOT = Path(__file__).resolve().parent.parent
BUILD_SH = ROOT.parent / "shared" / "data" / "photos" / "build.sh"
VPJND = [sys.executable, "-m", "vpjnd_cli"]
APT = {"guetzli": "guetzli", "cjxl": "libjxl-tools", "djxl": "libjxl-tools",
       "jpegoptim": "jpegoptim", "butteraugli_main": "libjxl-devtools"}
SSIM_TARGETS = {"ssim-high": 0.999, "ssim-veryhigh": 0.9999}
EXTENSIONS = {".jpg", ".jpeg", ".png", ".ppm", ".tif", ".tiff", ".webp"}


# ---------------------------------------------------------------------------- set-up


def ensure_programs(install: bool, skipped: dict[str, str]) -> None:
    missing = sorted({APT[p] for p in APT if shutil.which(p) is None})
    if missing and install and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"apt-get install -y {' '.join(missing)}", flush=True)
        done = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *missing],
                              capture_output=True, text=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if done.returncode != 0:
            print(done.stderr[-500:], file=sys.stderr)
    for program, package in APT.items():
        if shutil.which(program) is None:
            skipped[program] = f"`{program}` not on PATH (Debian package {package}; " + (
                "apt-get install failed)" if install else "--no-install given)")


def ensure_module(module: str, package: str, install: bool) -> str | None:
    """None when importable (after a pip install if needed), else why not."""
    if importlib.util.find_spec(module) is not None:
        return None
    if install:
        print(f"pip install {package}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=False)
        importlib.invalidate_caches()
        if importlib.util.find_spec(module) is not None:
            return None
    return f"Python package {package} missing" + ("" if install else " (--no-install given)")


def find_photos(args: argparse.Namespace) -> Path:
    folder = args.photos or (Path(os.environ["BENCH_PHOTOS"]) if os.environ.get("BENCH_PHOTOS") else None)
    if folder is not None:
        if not folder.is_dir():
            raise SystemExit(f"photo folder {folder} does not exist")
        return folder
    folder = ROOT / "bench" / ".photos"
    if not any(folder.rglob("*.jpg")):
        if not BUILD_SH.exists():
            raise SystemExit(f"no --photos given and {BUILD_SH} is missing")
        print(f"building the photo corpus: bash {BUILD_SH} {folder} (about 3 minutes)", flush=True)
        subprocess.run(["bash", str(BUILD_SH), str(folder)], check=True)
    return folder


def pick_pictures(folder: Path, count: int, sizes: list[tuple[int, int]]) -> list[tuple[Path, tuple[int, int]]]:
    """count (source, size) pairs: sizes in turn, sources round-robin over the packages."""
    by_package: dict[str, list[tuple[Path, tuple[int, int]]]] = defaultdict(list)
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTENSIONS):
        try:
            with Image.open(path) as im:
                by_package[path.parent.name].append((path, im.size))
        except Exception:  # noqa: BLE001 - not a picture: ignore
            continue
    order = []  # round-robin over the packages: each package's first photo, then each one's second...
    lists = [by_package[name] for name in sorted(by_package)]
    for rank in range(max((len(photos) for photos in lists), default=0)):
        order += [photos[rank] for photos in lists if rank < len(photos)]
    used: set[Path] = set()
    chosen = []
    for i in range(count):
        width, height = sizes[i % len(sizes)]
        found = next((p for p, (w, h) in order if p not in used and min(w / width, h / height) >= 1.25), None)
        if found is None:
            print(f"only {len(chosen)} sources are large enough", file=sys.stderr)
            break
        used.add(found)
        chosen.append((found, (width, height)))
    return chosen


# ---------------------------------------------------------------------------- our baselines


def luma(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def ssim_luma(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM on BT.601 luma (Wang et al. 2004: 11x11 Gaussian, sigma 1.5, K1 0.01, K2 0.03, L 255).

    As the authors' reference code recommends (and jpeg-archive's IQA library does), the picture is
    first averaged over F x F blocks and subsampled, F = max(1, round(min(H, W) / 256)): 3 at 720p,
    4 at 1080p. Without it, no QF up to 95 reaches 0.999 on our photos (0.9935 at QF 95, 720p).
    """
    import cv2

    x, y = luma(a), luma(b)
    factor = max(1, round(min(x.shape) / 256))
    if factor > 1:
        kernel = np.full((factor, factor), 1.0 / factor**2)
        x = cv2.filter2D(x, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)[::factor, ::factor]
        y = cv2.filter2D(y, -1, kernel, anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)[::factor, ::factor]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    ssim = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(ssim[5:-5, 5:-5].mean())


def jpeg_bytes(rgb: np.ndarray, quality: int) -> bytes:
    import mozjpeg_lossless_optimization as mozjpeg

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality, subsampling=2)
    return mozjpeg.optimize(buffer.getvalue())


def decode_jpeg(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def ssim_bisect(rgb: np.ndarray, target: float, low: int = 40, high: int = 95, probes: int = 6) -> tuple[bytes, int, bool]:
    """jpeg-recompress-style search: the smallest probe whose luma SSIM >= target."""
    best: tuple[bytes, int] | None = None
    for _ in range(probes):
        if low > high:
            break
        quality = (low + high) // 2
        data = jpeg_bytes(rgb, quality)
        if ssim_luma(rgb, decode_jpeg(data)) >= target:
            best, high = (data, quality), quality - 1
        else:
            low = quality + 1
    if best is None:  # as jpeg-recompress: nothing passed, use the top of the range
        return jpeg_bytes(rgb, 95), 95, False
    return best[0], best[1], True


def baseline_main(argv: list[str]) -> None:
    """`bench_peers.py --baseline KIND IN.png OUT.jpg`: run as its own process, like the peers."""
    kind, source, target = argv
    rgb = np.asarray(Image.open(source).convert("RGB"))
    if kind == "q100":
        data, quality, passed = jpeg_bytes(rgb, 100), 100, True
    else:
        data, quality, passed = ssim_bisect(rgb, SSIM_TARGETS[kind])
    Path(target).write_bytes(data)
    print(json.dumps({"level": quality, "passed": passed}))


# ---------------------------------------------------------------------------- scoring


def butteraugli(reference: Path, distorted: Path) -> tuple[float, float]:
    done = subprocess.run(["butteraugli_main", str(reference), str(distorted), "--pnorm", "3"],
                          capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    match = re.search(r"3-norm:\s*([0-9.eE+-]+)", done.stdout)
    if done.returncode != 0 or not lines or match is None:
        raise RuntimeError(f"butteraugli_main failed: {done.stderr[-300:]}")
    return float(lines[0]), float(match.group(1))


def decoded_png(output: Path, folder: Path) -> Path:
    png = folder / (output.name + ".decoded.png")
    if output.suffix == ".jxl":
        subprocess.run(["djxl", str(output), str(png)], check=True, capture_output=True)
    else:
        Image.fromarray(load_image(output).rgb).save(png, compress_level=1)
    return png


# ---------------------------------------------------------------------------- the run


def tools(args: argparse.Namespace, skipped: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """(name, output extension, command with {in} {q100} {out}); {out} ending .stdout: captured."""
    me = [sys.executable, str(Path(__file__).resolve()), "--baseline"]
    vp = [*VPJND, "compress", "{in}", "-o", "{out}", "--json", "--force"]
    rows = [("jpeg-q100", ".jpg", [*me, "q100", "{in}", "{out}"]),
            ("vpjnd-jpeg", ".jpg", vp), ("vpjnd-jpeg-pjnd", ".jpg", [*vp, "--judge", "pjnd"]),
            ("vpjnd-jpeg-strict", ".jpg", [*vp, "--criterion", "strict"]),
            ("vpjnd-jpeg-strict-50", ".jpg", [*vp, "--criterion", "strict", "--sur", "0.5"]),
            ("vpjnd-jpeg-strict-79", ".jpg", [*vp, "--criterion", "strict", "--sur", "0.79"]),
            ("vpjnd-jpeg-strict-90", ".jpg", [*vp, "--criterion", "strict", "--sur", "0.9"]),
            ("vpjnd-webp", ".webp", vp), ("vpjnd-avif", ".avif", vp), ("vpjnd-jxl", ".jxl", vp)]
    if args.bpg:
        rows.append(("vpjnd-bpg", ".bpg", vp))
    if args.heic:
        rows.append(("vpjnd-heic", ".heic", vp))
    rows += [("guetzli", ".jpg", ["guetzli", "{in}", "{out}"]),
             ("cjxl-d1", ".jxl", ["cjxl", "-d", "1", "{in}", "{out}"]),
             ("jpegoptim-85", ".jpg", ["jpegoptim", "--max=85", "--stdout", "{q100}"]),
             ("jpegoptim-95", ".jpg", ["jpegoptim", "--max=95", "--stdout", "{q100}"]),
             ("ssim-high", ".jpg", [*me, "ssim-high", "{in}", "{out}"]),
             ("ssim-veryhigh", ".jpg", [*me, "ssim-veryhigh", "{in}", "{out}"])]
    keep = set(args.tools.split(",")) if args.tools else None
    if keep is not None:
        keep.add("jpeg-q100")  # the reference every saving is measured against, and jpegoptim's input
    chosen = []
    for name, ext, command in rows:
        program = command[0]
        if keep is not None and name not in keep:
            continue
        if program in skipped:
            skipped[name] = skipped[program]
            continue
        chosen.append((name, ext, command))
    return chosen


def run_tool(command: list[str], source: Path, q100: Path, out: Path) -> tuple[float, str]:
    filled = [c.replace("{in}", str(source)).replace("{q100}", str(q100)).replace("{out}", str(out)) for c in command]
    capture = "{out}" not in command
    start = time.perf_counter()
    done = subprocess.run(filled, capture_output=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(filled)} exited {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")
    if capture:
        out.write_bytes(done.stdout)
        return seconds, ""
    return seconds, done.stdout.decode(errors="replace")


def level_of(name: str, stdout: str) -> str:
    try:
        info = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return ""
    if name.startswith("vpjnd"):
        return f"{info.get('level')}{'' if info.get('passed') else ' (none passed)'}"
    return f"{info.get('level')}{'' if info.get('passed', True) else ' (none passed)'}"


def default_judge_description() -> str:
    """Which judge `vpjnd compress` uses by default for each benchmarked codec (and which weights)."""
    from vpjnd_cli.judges import default_judge
    from vpjnd_cli.model.locate import default_weights_path

    parts = []
    for codec in ("jpeg", "webp", "avif", "jxl", "bpg", "heic"):
        name = default_judge((codec,))
        if name == "vpjndnet":
            path = default_weights_path()
            name += f" ({path.name}, sha256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]}...)"
        parts.append(f"{codec}: {name}")
    return "; ".join(parts)


def machine() -> dict[str, str]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    versions = {}
    for package in ("guetzli", "libjxl-tools", "jpegoptim", "libjxl-devtools"):
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
        versions[package] = done.stdout.strip() if done.returncode == 0 else "not installed"
    from importlib.metadata import PackageNotFoundError, version

    for package in ("vpjnd", "ssimulacra2", "pillow", "mozjpeg-lossless-optimization"):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return {"cpu": model, "cores": str(os.cpu_count()), "system": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), **versions}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline":
        baseline_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, help="photo folder (default $BENCH_PHOTOS, else build bench/.photos)")
    parser.add_argument("--count", type=int, default=10, help="pictures (default 10)")
    parser.add_argument("--sizes", default="1920x1080,1280x720", help="cut sizes, used in turn")
    parser.add_argument("--bpg", action="store_true", help="also vpjnd BPG (slow on CPU)")
    parser.add_argument("--heic", action="store_true", help="also vpjnd HEIC (x265 like BPG: slow on CPU)")
    parser.add_argument("--no-ssimulacra2", action="store_true", help="skip SSIMULACRA2 (3-5 s per 1080p output)")
    parser.add_argument("--no-install", action="store_true", help="do not apt-get / pip install missing tools")
    parser.add_argument("--tools", help="comma-separated subset of the tool names")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--from-csv", type=Path, help="only rewrite summary.md and the plots from a results.csv")
    args = parser.parse_args()
    install = not args.no_install
    if args.from_csv:
        resummarise(args)
        return
    started = time.time()

    skipped: dict[str, str] = {}
    ensure_programs(install, skipped)
    plot_error = ensure_module("matplotlib", "matplotlib", install)
    use_ssimulacra2 = not args.no_ssimulacra2
    if use_ssimulacra2:
        reason = ensure_module("ssimulacra2", "ssimulacra2", install)
        if reason:
            skipped["SSIMULACRA2 scores"] = reason
            use_ssimulacra2 = False
    use_butteraugli = "butteraugli_main" not in skipped
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    pictures = pick_pictures(find_photos(args), args.count, sizes)
    chosen = tools(args, skipped)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []

    with tempfile.TemporaryDirectory(prefix="vpjnd-bench-") as tmp:
        work = Path(tmp)
        for index, (source, (width, height)) in enumerate(pictures):
            stem = re.sub(r"^usr_share_(backgrounds_(mate_nature_)?|wallpapers_)|_contents_images_\d+x\d+$", "", source.stem)
            picture = f"{index:02d}-{stem[:28]}-{width}x{height}"
            rgb = cover_and_crop(load_image(source).rgb, width, height)
            png = work / f"{picture}.png"
            Image.fromarray(rgb).save(png)
            megapixels = width * height / 1e6
            q100 = work / f"{picture}.jpeg-q100.jpg"
            print(f"[{index + 1}/{len(pictures)}] {picture} ({time.time() - started:.0f} s)", flush=True)
            for name, ext, command in chosen:
                out = q100 if name == "jpeg-q100" else work / f"{picture}.{name}{ext}"
                row = {"picture": picture, "source": str(source.relative_to(source.parents[1])), "width": width,
                       "height": height, "tool": name}
                try:
                    seconds, stdout = run_tool(command, png, q100, out)
                    size = out.stat().st_size
                    row.update(level=level_of(name, stdout), bytes=size, bpp=round(size * 8 / (width * height), 4),
                               seconds=round(seconds, 3), s_per_mp=round(seconds / megapixels, 3))
                    decoded = decoded_png(out, work)
                    if use_butteraugli:
                        row["butteraugli_max"], row["butteraugli_3norm"] = butteraugli(png, decoded)
                    if use_ssimulacra2:
                        from ssimulacra2 import compute_ssimulacra2

                        row["ssimulacra2"] = round(float(compute_ssimulacra2(str(png), str(decoded))), 3)
                    row["ssim_luma"] = round(ssim_luma(rgb, np.asarray(Image.open(decoded).convert("RGB"))), 6)
                except Exception as error:  # noqa: BLE001 - one failure must not stop the bench
                    row["error"] = str(error)[-300:]
                    print(f"  {name}: FAILED {row['error']}", flush=True)
                else:
                    print(f"  {name:14s} {row['bytes']:>9d} B {row['bpp']:.3f} bpp {row['s_per_mp']:7.2f} s/MP "
                          f"BA {row.get('butteraugli_3norm', float('nan')):.2f} "
                          f"S2 {row.get('ssimulacra2', float('nan')):.1f} level {row['level']}", flush=True)
                rows.append(row)
    elapsed = time.time() - started
    write_results(args, rows, chosen, skipped, elapsed, plot_error)


# ---------------------------------------------------------------------------- results


def resummarise(args: argparse.Namespace) -> None:
    """Rebuild summary.md and the plots from an earlier run's results.csv (no tool is run)."""
    numeric = {"width", "height", "bytes", "bpp", "seconds", "s_per_mp", "butteraugli_max", "butteraugli_3norm",
               "ssimulacra2", "ssim_luma"}
    rows = []
    with open(args.from_csv, newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append({k: (float(v) if k in numeric else v) for k, v in row.items() if v != ""})
    skipped: dict[str, str] = {}
    names = list(dict.fromkeys(r["tool"] for r in rows))
    chosen = [c for c in tools(args, skipped) if c[0] in names]
    elapsed = float(os.environ.get("BENCH_ELAPSED_S", "nan"))
    write_results(args, rows, chosen, skipped, elapsed, ensure_module("matplotlib", "matplotlib", False),
                  write_csv=False)


FIELDS = ["picture", "source", "width", "height", "tool", "level", "bytes", "bpp", "seconds", "s_per_mp",
          "butteraugli_max", "butteraugli_3norm", "ssimulacra2", "ssim_luma", "error"]


def mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def summarise(rows: list[dict], names: list[str]) -> list[dict]:
    ok = [r for r in rows if "error" not in r]
    by = {(r["picture"], r["tool"]): r for r in ok}
    pictures = sorted({r["picture"] for r in ok})
    table = []
    for name in names:
        mine = [by[(p, name)] for p in pictures if (p, name) in by]
        if not mine:
            continue
        vs_q100 = [1 - by[(p, name)]["bytes"] / by[(p, "jpeg-q100")]["bytes"]
                   for p in pictures if (p, name) in by and (p, "jpeg-q100") in by]
        vp_vs = [1 - by[(p, "vpjnd-jpeg")]["bytes"] / by[(p, name)]["bytes"]
                 for p in pictures if (p, name) in by and (p, "vpjnd-jpeg") in by]
        table.append({
            "tool": name, "n": len(mine), "bpp": mean([r["bpp"] for r in mine]),
            "total_bytes": sum(int(r["bytes"]) for r in mine),
            "saving_vs_q100": mean(vs_q100), "vpjnd_jpeg_saving_vs_this": mean(vp_vs),
            "butteraugli_max": mean([r["butteraugli_max"] for r in mine if "butteraugli_max" in r]),
            "butteraugli_3norm": mean([r["butteraugli_3norm"] for r in mine if "butteraugli_3norm" in r]),
            "ssimulacra2": mean([r["ssimulacra2"] for r in mine if "ssimulacra2" in r]),
            "ssim_luma": mean([r["ssim_luma"] for r in mine if "ssim_luma" in r]),
            "s_per_mp": mean([r["s_per_mp"] for r in mine]),
        })
    return table


def markdown_table(table: list[dict]) -> str:
    lines = ["| tool | n | bpp | total bytes | saving vs QF 100 | vpjnd-jpeg saving vs it | butteraugli max | butteraugli 3-norm | SSIMULACRA2 | SSIM (luma) | s/MP |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    pct = lambda v: "-" if np.isnan(v) else f"{100 * v:.1f} %"  # noqa: E731
    num = lambda v, f: "-" if np.isnan(v) else format(v, f)  # noqa: E731
    for t in table:
        lines.append(f"| {t['tool']} | {t['n']} | {t['bpp']:.3f} | {t['total_bytes']:,} | {pct(t['saving_vs_q100'])} | "
                     f"{pct(t['vpjnd_jpeg_saving_vs_this'])} | {num(t['butteraugli_max'], '.2f')} | "
                     f"{num(t['butteraugli_3norm'], '.3f')} | {num(t['ssimulacra2'], '.1f')} | "
                     f"{num(t['ssim_luma'], '.5f')} | {t['s_per_mp']:.2f} |")
    return "\n".join(lines)


def plots(args: argparse.Namespace, table: list[dict], rows: list[dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made = []
    metrics = [("butteraugli_3norm", "butteraugli 3-norm (lower is better)")]
    if any(not np.isnan(t["ssimulacra2"]) for t in table):
        metrics.append(("ssimulacra2", "SSIMULACRA2 (higher is better)"))
    fig, axes = plt.subplots(1, len(metrics), figsize=(6.5 * len(metrics), 5), squeeze=False)
    for ax, (key, label) in zip(axes[0], metrics, strict=True):
        for i, t in enumerate(table):
            colour = f"C{i % 10}"
            points = [(r["bpp"], r[key]) for r in rows if r["tool"] == t["tool"] and key in r]
            if points:
                ax.scatter(*zip(*points, strict=True), s=12, alpha=0.35, color=colour)
            ax.scatter(t["bpp"], t[key], s=70, marker="D", color=colour, edgecolor="black", label=t["tool"])
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("size against quality (diamonds: means; dots: pictures)")
    fig.tight_layout()
    fig.savefig(args.out / "size_quality.png", dpi=110)
    made.append("size_quality.png")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    names = [t["tool"] for t in table]
    ax.barh(names, [t["s_per_mp"] for t in table], color=[f"C{i % 10}" for i in range(len(table))])
    ax.set_xscale("log")
    ax.set_xlabel("seconds per megapixel (wall clock, one process per picture; log scale)")
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    fig.savefig(args.out / "time_per_mp.png", dpi=110)
    made.append("time_per_mp.png")
    plt.close("all")
    return made


def write_results(args, rows, chosen, skipped, elapsed, plot_error, write_csv: bool = True) -> None:
    if write_csv:
        with open(args.out / "results.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    table = summarise(rows, [name for name, _, _ in chosen])
    made = []
    if plot_error is None and table:
        try:
            made = plots(args, table, [r for r in rows if "error" not in r])
        except Exception as error:  # noqa: BLE001
            plot_error = f"plotting failed: {error}"
    info = machine()
    pictures = sorted({(r["picture"], r["source"]) for r in rows})
    lines = ["# vpjnd against its peers", "",
             f"Run: `{os.environ.get('BENCH_COMMAND') or shlex.join(['.venv/bin/python', *sys.argv])}` (from the "
             f"repository root), {os.environ.get('BENCH_WHEN') or time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{elapsed / 60:.1f} minutes in all.", "",
             "Machine: " + f"{info['cpu']}, {info['cores']} cores, {info['system']}, Python {info['python']}.", "",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in info.items() if k not in ("cpu", "cores", "system", "python")) + ".",
             "", f"vpjnd's default judge per codec (the `vpjnd-*` rows without a suffix): {default_judge_description()}.",
             "", "## Means over the pictures", "", markdown_table(table), "",
             "bpp: bits per pixel of the file. Savings are per-picture means of 1 - bytes/bytes_reference. "
             "butteraugli: `butteraugli_main REF DIST --pnorm 3` (first line: max-norm; `3-norm:` line), "
             "intensity target 80 nits. SSIMULACRA2: the PyPI `ssimulacra2` package (100 = identical, ~90 "
             "'visually lossless', ~70 'high quality'). SSIM (luma): our Gaussian SSIM on BT.601 luma, downscaled first as Wang et al. recommend (the measure the ssim-* baselines target). "
             "s/MP: wall-clock seconds of one process per picture (start-up included; vpjnd's includes "
             "Python and torch imports) divided by megapixels; tools ran one at a time.", "",
             "## Commands", ""]
    for name, ext, command in chosen:
        shown = [Path(c).name if c == sys.executable else c for c in command]
        shown = ["bench/bench_peers.py" if c.endswith("bench_peers.py") else c for c in shown]
        shown = " ".join(shown).replace("{out}", "OUT" + ext).replace("{in}", "IN.png").replace("{q100}", "Q100.jpg")
        lines.append(f"- `{name}`: `{shown}`" + (" > OUT.jpg" if name.startswith("jpegoptim") else ""))
    lines += ["", "IN.png is the cut picture; Q100.jpg is the jpeg-q100 output (jpegoptim recompresses a JPEG, "
              "so it is fed the QF 100 JPEG). vpjnd runs as `python -m vpjnd_cli` (the same as the `vpjnd` script). "
              "`--baseline ssim-*`: bisection over QF 40..95 with 6 probes, the smallest probe whose luma SSIM >= "
              "0.999 (high) / 0.9999 (veryhigh), in the manner of jpeg-archive's jpeg-recompress (our code and our "
              "SSIM, so its thresholds do not transfer exactly; when no probe passes, QF 95 is written); Pillow/libjpeg-turbo "
              "4:2:0 encode, Huffman-optimised by mozjpeg-lossless-optimization (not the mozjpeg encoder).", ""]
    if skipped:
        lines += ["## Skipped", ""] + [f"- {k}: {v}" for k, v in skipped.items()] + [""]
    not_run = [f"vpjnd {name} was not run (slow on CPU; `--{name.lower()}` adds it)."
               for name, asked in (("BPG", args.bpg), ("HEIC", args.heic)) if not asked]
    if not_run:
        lines += [" ".join(not_run), ""]
    if plot_error:
        lines += [f"Plots not made: {plot_error}", ""]
    errors = [r for r in rows if "error" in r]
    if errors:
        lines += ["## Failures", ""] + [f"- {r['picture']} {r['tool']}: {r['error']}" for r in errors] + [""]
    lines += ["## Pictures", "", f"{len(pictures)} pictures, cut with `cover_and_crop` (area downscale + centre crop) "
              "from sources at least 1.25x larger:", ""] + [f"- {p}: {s}" for p, s in pictures] + [""]
    if made:
        lines += ["## Plots", ""] + [f"![{m}]({m})" for m in made] + [""]
    lines += ["Per picture and tool: results.csv.", ""]
    (args.out / "summary.md").write_text("\n".join(lines))
    print("\n" + markdown_table(table))
    print(f"\nwrote {args.out}/summary.md, results.csv{', ' + ', '.join(made) if made else ''} in {elapsed / 60:.1f} min")


if __name__ == "__main__":
    main()
