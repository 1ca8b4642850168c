"""How the repository is put together: the library never uses the command-line framework."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "vpjnd_cli"
COMMAND_LINE = ("cli.py", "console.py", "__main__.py", "commands")  # under vpjnd_cli/
FRAMEWORKS = ("typer", "rich", "click")


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
