"""Screenshot of an HTML report (`--report F.html`) in Debian's chromium, as in the README.

    .venv/bin/python scripts/report_screenshot.py report.html docs/report.png --picture 1

Opens one picture's view (or the batch page with --picture -1), presses --keys in order (e.g.
"o" for the JND map overlay), and saves the whole page as PNG. Needs chromium and Playwright
(`apt-get install chromium`; the test extra installs Playwright).

docs/report.png: `vpjnd compress PHOTOS -o small/ --codec auto --report report.html -j 2` over four
photos from Debian packages (libjxl-testdata's bliznaca, keong_macan and riaphotographs 500px
pictures, imgaug's quokka.jpg, in one folder), then `--picture 2`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import chromium  # tests/browser.py: the one way the project launches chromium


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--picture", type=int, default=0, help="the picture's row in the report; -1: the batch page")
    parser.add_argument("--keys", default="", help="keys to press on the page, in order")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)
    with chromium(args.width, args.height) as browser:
        page = browser.new_page()
        hash_part = "" if args.picture < 0 else f"#p{args.picture}"
        page.goto(args.report.resolve().as_uri() + hash_part, wait_until="load")
        for key in args.keys:
            page.keyboard.press(key)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(args.output), full_page=True)


if __name__ == "__main__":
    main()
