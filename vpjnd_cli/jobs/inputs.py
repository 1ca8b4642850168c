"""Which files a command works on, and where each one's output goes.

Folders are searched (``-r``: recursively) for pictures by extension, in sorted order so that
runs and reports are reproducible; hidden files and folders are skipped (a temporary ``.*.part``
file of an interrupted run is never an input). Outputs mirror the input tree under ``-o DIR``,
or sit beside each input when only ``--name-template`` is given. Two inputs that would write
the same file, or an output that would replace another input, are refused while planning.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from vpjnd_cli.codecs import codec_extensions, codec_for_path
from vpjnd_cli.errors import UsageError, VpjndError
from vpjnd_cli.jobs.marker import marker_version

STDIO = Path("-")
STDIN_LABEL = "<stdin>"
DEFAULT_TEMPLATE = "{stem}{ext}"
TEMPLATE_FIELDS = ("stem", "name", "suffix", "ext", "codec")
PICTURE_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".tif", ".tiff", ".bmp", ".webp", ".avif", ".heic", ".heif",
    ".gif", ".ppm", ".pgm", ".pbm", ".pnm", ".bpg",
})


@dataclass(frozen=True)
class Source:
    """An input file: as named (``-`` is standard input) and relative to the folder it was found in."""

    path: Path
    relative: PurePosixPath
    found: bool  # found in a folder, rather than named on the command line
    error: str | None = None  # a folder that could not be listed


@dataclass(frozen=True)
class Task:
    """One input and every path its job may write (picklable: it is sent to worker processes)."""

    index: int
    source: Path  # STDIO: standard input
    label: str  # the input as messages and reports name it
    outputs: dict[str, Path] = field(default_factory=dict)  # codec -> output (STDIO: standard output)
    original: Path | None = None  # where the original goes when it is kept; None: it stays where it is
    make_folders: bool = False  # a mirrored tree: missing output folders are created
    error: str | None = None  # found while planning

    @property
    def from_stdin(self) -> bool:
        return self.source == STDIO


def find_sources(
    arguments: Sequence[Path],
    *,
    recursive: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    prune: Sequence[Path] = (),
) -> list[Source]:
    """The inputs, in argument order, each file once (also when named twice or through a link).

    A folder contributes its pictures (by extension, or those matching ``include``); ``exclude``
    removes files and whole folders. Globs are case-insensitive and match the path relative to
    the folder given or the file name. Folders in ``prune`` (the output folder) are not entered.
    """
    if STDIO in arguments and len(arguments) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other inputs")
    pruned = {_identity(path) for path in prune if path.is_dir()}
    sources: list[Source] = []
    seen: set[object] = set()
    for argument in arguments:
        if argument == STDIO:
            found: Iterator[Source] = iter([Source(STDIO, PurePosixPath(STDIN_LABEL), found=False)])
        elif argument.is_dir():
            found = _walk(argument, recursive, include, exclude, pruned)
        else:
            relative = PurePosixPath(argument.name)
            named = PurePosixPath(argument.as_posix())
            wanted = (not include or _matches(named, include)) and not _matches(named, exclude)
            found = iter([Source(argument, relative, found=False)] if wanted else [])
        for source in found:
            key = source.path if source.error or source.path == STDIO else _identity(source.path)
            if key not in seen:
                seen.add(key)
                sources.append(source)
    return sources


def _walk(
    root: Path, recursive: bool, include: Sequence[str], exclude: Sequence[str], pruned: set[object]
) -> Iterator[Source]:
    failures: list[OSError] = []
    for folder, folders, files in os.walk(root, onerror=failures.append):
        base = Path(folder)
        relative_base = PurePosixPath(base.relative_to(root).as_posix())
        folders[:] = sorted(
            name
            for name in folders
            if recursive
            and not name.startswith(".")
            and not _matches(relative_base / name, exclude)
            and _identity(base / name) not in pruned
        )
        for name in sorted(files):
            relative = relative_base / name
            if name.startswith(".") or _matches(relative, exclude):
                continue
            if _matches(relative, include) if include else Path(name).suffix.lower() in PICTURE_SUFFIXES:
                yield Source(base / name, relative, found=True)
        while failures:
            yield _unlistable(failures.pop(0), root)
    for failure in failures:  # the root itself could not be listed
        yield _unlistable(failure, root)


def _unlistable(failure: OSError, root: Path) -> Source:
    path = Path(failure.filename or root)
    cause = "permission denied" if isinstance(failure, PermissionError) else failure.strerror or str(failure)
    return Source(path, PurePosixPath(path.name), found=True, error=f"cannot list the folder ({cause})")


def _matches(relative: PurePosixPath, patterns: Sequence[str]) -> bool:
    texts = (relative.as_posix().lower(), relative.name.lower())
    return any(fnmatchcase(text, pattern.lower()) for pattern in patterns for text in texts)


def _identity(path: Path) -> object:
    try:
        status = path.stat()
    except OSError:
        return os.path.abspath(path)
    return status.st_dev, status.st_ino


def plan_tasks(
    sources: Sequence[Source],
    *,
    codecs: Sequence[str],
    output: Path | None,
    template: str | None,
) -> list[Task]:
    """Every input's outputs, one per codec searched, and where its original goes if kept.

    ``-o -`` is standard output (one input only); ``-o FILE`` serves one input named on the
    command line (with several codecs its extension follows the chosen one); otherwise outputs
    mirror the inputs' folders under ``-o DIR``, or sit beside the inputs, named by ``template``.
    No output (``predict``): tasks without outputs.
    """
    if output is None and template is None:
        return [Task(i, s.path, _label(s), error=s.error) for i, s in enumerate(sources)]
    lone = len(sources) == 1 and not sources[0].found
    if output == STDIO:
        if not lone or template is not None:
            raise UsageError("-o - (standard output) takes exactly one input and no --name-template")
        source = sources[0]
        return [Task(0, source.path, _label(source), {c: STDIO for c in codecs}, STDIO)]
    if sources and sources[0].path == STDIO:
        raise UsageError("standard input needs -o FILE or -o - (standard output)")
    into_folder = output is None or output.is_dir() or str(output).endswith(("/", os.sep)) or not lone
    if not into_folder:
        if template is not None:
            raise UsageError("--name-template names files in a folder: give -o DIR, or no -o")
        return [_file_task(sources[0], output, codecs)]
    if output is not None and output.exists() and not output.is_dir():
        raise UsageError(f"-o {output} is a file, but several inputs need a folder")
    template = template or DEFAULT_TEMPLATE
    render(template, Path("photo.png"), codecs[0])  # a bad template is a usage error, before any work
    tasks = [_folder_task(i, source, output, template, codecs) for i, source in enumerate(sources)]
    return _refuse_clashes(tasks)


def render(template: str, source: Path, codec: str | None, extension: str | None = None) -> str:
    """A file name from ``template``: {stem} {name} {suffix} of the input, {ext} {codec} of the output."""
    if extension is None:
        extension = codec_extensions(codec)[0] if codec else source.suffix
    values = {
        "stem": source.stem,
        "name": source.name,
        "suffix": source.suffix.lstrip("."),
        "ext": extension,
        "codec": codec or source.suffix.lstrip(".").lower(),
    }
    try:
        name = template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        fields = ", ".join(f"{{{key}}}" for key in TEMPLATE_FIELDS)
        raise UsageError(f"--name-template {template!r} is not valid ({exc}); its fields are {fields}") from exc
    if name in ("", ".", "..") or "/" in name or os.sep in name:
        raise UsageError(f"--name-template {template!r} must give a file name, not {name!r}")
    return name


def _label(source: Source) -> str:
    return STDIN_LABEL if source.path == STDIO else str(source.path)


def _input_codec(path: Path, codecs: Sequence[str]) -> str | None:
    """The output codec the input's own format is, by extension (its original can stand for it)."""
    try:
        name = codec_for_path(path)
    except VpjndError:
        return None
    return name if name in codecs else None


def _file_task(source: Source, output: Path, codecs: Sequence[str]) -> Task:
    if len(codecs) == 1:
        outputs = {codecs[0]: output}
    else:
        outputs = {codec: output.with_suffix(codec_extensions(codec)[0]) for codec in codecs}
    own = _input_codec(source.path, codecs)
    original = outputs[own] if own else output.with_suffix(source.path.suffix)
    return Task(0, source.path, _label(source), outputs, _unless_input(original, source.path), error=source.error)


def _folder_task(index: int, source: Source, root: Path | None, template: str, codecs: Sequence[str]) -> Task:
    folder = source.path.parent if root is None else root / source.relative.parent
    outputs = {codec: folder / render(template, source.path, codec) for codec in codecs}
    own = _input_codec(source.path, codecs)
    original = outputs[own] if own else folder / render(template, source.path, None)
    return Task(
        index, source.path, _label(source), outputs, _unless_input(original, source.path), make_folders=True,
        error=source.error,
    )


def _unless_input(path: Path, source: Path) -> Path | None:
    same = os.path.abspath(path) == os.path.abspath(source)
    if not same and path.exists() and source.exists():
        same = os.path.samefile(path, source)
    return None if same else path


def _refuse_clashes(tasks: list[Task]) -> list[Task]:
    """Fail every task whose output is another task's output, or another input that vpjnd did not
    write (an output of an earlier run found among the inputs is its job's to skip or redo)."""
    inputs = {os.path.abspath(task.source): task for task in tasks}
    owners: dict[str, Task] = {}
    planned: list[Task] = []
    for task in tasks:
        clash = None
        paths = [*task.outputs.values(), *([task.original] if task.original else [])]
        for path in dict.fromkeys(os.path.abspath(p) for p in paths):
            other = owners.setdefault(path, task)
            if other is task and path in inputs and not _written_by_vpjnd(path):
                other = inputs[path]
            if clash is None and other is not task:
                what = "the input" if os.path.abspath(other.source) == path else "also the output of"
                clash = f"output {path} is {what} {other.label}; a --name-template like \"{{name}}{{ext}}\" keeps them apart"
        planned.append(task if clash is None or task.error else replace(task, error=clash))
    return planned


def _written_by_vpjnd(path: str) -> bool:
    try:
        return marker_version(Path(path).read_bytes()) is not None
    except OSError:
        return False
