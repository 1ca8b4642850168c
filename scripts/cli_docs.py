#!/usr/bin/env python3
"""Keep the help texts in docs/cli.md in step with `vpjnd --help` and `vpjnd COMMAND --help`.

Each block sits between ``<!-- help: COMMAND -->`` and ``<!-- /help -->`` (COMMAND empty for vpjnd
itself) and holds the help as a terminal 100 columns wide prints it. The check compares the words,
not the drawing: another version of rich may wrap or frame the same help differently.

Usage: .venv/bin/python scripts/cli_docs.py           # rewrite the blocks
       .venv/bin/python scripts/cli_docs.py --check   # exit 1 when one is stale (the tests run this)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
COMMANDS = ("", "compress", "predict", "judge", "jnd", "decode", "info", "label", "train", "calibrate", "evaluate",
            "export")
BLOCK = re.compile(r"<!-- help: (?P<command>[a-z]*) -->\n.*?<!-- /help -->", re.S)
FRAME = re.compile("[\u2500-\u257f]")  # rich's box drawing


def words(text: str) -> list[str]:
    return FRAME.sub(" ", text).split()


def help_text(command: str) -> str:
    """The help as printed, without trailing blanks on its lines."""
    env = {**os.environ, "COLUMNS": "100", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run([sys.executable, "-m", "vpjnd_cli", *command.split(), "--help"], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    return "\n".join(line.rstrip() for line in done.stdout.strip("\n").splitlines())


def rendered(text: str) -> str:
    """``text`` with every help block filled in from the command line."""
    def block(match: re.Match[str]) -> str:
        command = match.group("command")
        return f"<!-- help: {command} -->\n```text\n{help_text(command)}\n```\n<!-- /help -->"

    return BLOCK.sub(block, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the blocks are current")
    args = parser.parse_args()
    text = DOC.read_text(encoding="utf-8")
    found = [match.group("command") for match in BLOCK.finditer(text)]
    if sorted(found) != sorted(COMMANDS):
        print(f"{DOC}: help blocks for {found}, expected {list(COMMANDS)}", file=sys.stderr)
        return 1
    new = rendered(text)
    if args.check:
        if words(new) != words(text):
            print(f"{DOC} is stale: run scripts/cli_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
