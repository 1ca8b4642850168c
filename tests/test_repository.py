"""How the repository is put together: the library never uses the command-line framework, and what a
user reads (the package, its documents, the Makefile and scripts) points only at files they have."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "vpjnd_cli"
COMMAND_LINE = ("cli.py", "console.py", "__main__.py", "commands")  # under vpjnd_cli/
FRAMEWORKS = ("typer", "rich", "click")
# What a user reads. Left out: tests/ and bench/, which use the team's data beside the clone when it is
# there; bench/results/, the benchmark's record of its own runs.
READ_BY_USERS = ["README.md", "Makefile", "pyproject.toml", "docs", "scripts", "vpjnd_cli", "weights"]
ELSEWHERE = re.compile(r"\.\./shared|/work/|\b(method|datasets|jnd-models|users|style)\.md\b")


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def library_modules() -> list[Path]:
    return [path for path in sorted(PACKAGE.rglob("*.py"))
            if path.relative_to(PACKAGE).parts[0] not in COMMAND_LINE]


def test_typer_and_rich_are_used_by_the_command_line_alone():
    for path in library_modules():
        used = {name for name in imported(path) if name.split(".")[0] in FRAMEWORKS}
        assert not used, f"{path.relative_to(REPO)} imports {', '.join(sorted(used))}"


def test_the_library_does_not_import_the_command_line():
    command_line = tuple(f"vpjnd_cli.{part.removesuffix('.py')}" for part in COMMAND_LINE)
    for path in library_modules():
        used = {name for name in imported(path) if name.startswith(command_line)}
        assert not used, f"{path.relative_to(REPO)} imports {', '.join(sorted(used))}"


def test_nothing_a_user_reads_points_at_the_team_folders():
    files = []
    for name in READ_BY_USERS:
        path = REPO / name
        files += [path] if path.is_file() else [p for p in path.rglob("*") if p.suffix in {".py", ".md", ".js", ".css"}]
    assert len(files) > 50
    found = [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
             for path in files for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if ELSEWHERE.search(line)]
    assert not found, "\n".join(found)
