"""The guard set: the worst file `vpjnd compress` writes for a corpus's held-out hard pictures (not a test).

    .venv/bin/python bench/bench_guard.py CORPUS [--codec jpeg,avif,heic,bpg,webp] [--split test] [-- ARGS]

Each generated hard picture of the split (product shots, skies, gradients, saturated graphics,
text, grain, dark scenes) is compressed to each codec by the `vpjnd` command with its default
settings (plus ARGS), decoded by `vpjnd decode`, and scored against the picture by
`butteraugli_main --pnorm 3` (Debian libjxl-devtools), the teacher of the labels. Prints one JSON
line per file and, per codec, the worst and the mean 3-norm: the guard's limit is 2.5.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from vpjnd_cli.train.corpus import picture_path, read_manifest

VPJND = [sys.executable, "-m", "vpjnd_cli"]


def three_norm(reference: Path, decoded: Path) -> float:
    done = subprocess.run(["butteraugli_main", str(reference), str(decoded), "--pnorm", "3"], capture_output=True,
                          text=True, check=True)
    found = re.search(r"3-norm: ([0-9.]+)", done.stdout)
    if found is None:
        raise RuntimeError(f"butteraugli_main printed no 3-norm: {done.stdout!r}")
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--codec", default="jpeg,avif,heic,bpg,webp")
    parser.add_argument("--split", default="test")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])  # argparse drops "--" but leaves what follows unparsed
    args.args = argv[cut + 1:]  # more `vpjnd compress` options
    rows = read_manifest(args.corpus)
    pictures = sorted({row.picture for row in rows if row.split == args.split and row.kind != "photo"})
    by_codec: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for codec in args.codec.split(","):
            for picture in pictures:
                source = picture_path(args.corpus, picture)
                command = [*VPJND, "compress", str(source), "-o", f"{folder}/{picture}.{codec}", "--force", "--json",
                           "--codec", codec, *args.args]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                record = json.loads(done.stdout.strip().splitlines()[-1])
                decoded = Path(folder) / f"{picture}.{codec}.png"
                subprocess.run([*VPJND, "decode", record["output"], "-o", str(decoded), "--force"], capture_output=True,
                               check=True)
                row = {"codec": codec, "picture": picture, "status": record["status"],
                       "level": record["written_level"], "chroma": record["written_chroma"],
                       "bytes": record["bytes_out"], "three_norm": three_norm(source, decoded)}
                by_codec.setdefault(codec, []).append(row)
                print(json.dumps(row), flush=True)
    for codec, scored in by_codec.items():
        top = max(scored, key=lambda row: row["three_norm"])
        mean = sum(row["three_norm"] for row in scored) / len(scored)
        print(f"{codec}: {len(scored)} pictures, 3-norm mean {mean:.2f}, worst {top['three_norm']:.2f} "
              f"({top['picture']}, level {top['level']}/{top['chroma']}, {top['status']})")


if __name__ == "__main__":
    main()
