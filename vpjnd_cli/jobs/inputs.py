"""Which files a command works on, and where each one's output goes.

Folders are searched (``-r``: recursively) for pictures by extension, in sorted order so that
runs and reports are reproducible; hidden files and folders are skipped (a temporary ``.*.part``
file of an interrupted run is never an input). Outputs mirror the input tree under ``-o DIR``,
sit beside each input when only ``--name-template`` is given, or replace the inputs themselves
(``--in-place``). Two inputs that would write the same file, or an output that would replace an
input without ``--in-place``, stop the run while planning, before any picture is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from vpjnd_cli.codecs import available_codecs, codec_extensions, codec_for_path
from vpjnd_cli.errors import UsageError, VpjndError, os_cause
from vpjnd_cli.jobs.marker import marker_version

STDIO = Path("-")
STDIN_LABEL = "<stdin>"
DEFAULT_TEMPLATE = "{stem}{ext}"
TEMPLATE_FIELDS = ("stem", "name", "suffix", "ext", "codec")
PICTURE_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".tif", ".tiff", ".bmp", ".webp", ".avif", ".heic", ".heif",
    ".gif", ".ppm", ".pgm", ".pbm", ".pnm", ".bpg", ".jxl",
})
# The extension a kept original from standard input gets, by the format it was read as (LoadedImage.format).
FORMAT_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "TIFF": ".tif", "BMP": ".bmp", "WebP": ".webp", "AVIF": ".avif",
                   "HEIC/HEIF": ".heic", "GIF": ".gif", "PNM": ".pnm", "BPG": ".bpg", "JPEG XL": ".jxl"}
CLASH_HINT = 'a --name-template like "{name}{ext}" keeps them apart'


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
    requested: Path | None = None  # the file (or STDIO) named by -o: a written name that differs is said
    in_place: bool = False  # the output replaces the input
    backup: Path | None = None  # in place: where the input is kept (--backup)
    skip: str | None = None  # why the task is skipped without being read
    error: str | None = None  # found while planning

    @property
    def from_stdin(self) -> bool:
        return self.source == STDIO

    def original_path(self, picture_format: str) -> Path | None:
        """Where the kept original goes: as planned, except that standard input's extension is
        known only once it is read (``picture_format``: LoadedImage.format)."""
        if not self.from_stdin or self.original in (None, STDIO):
            return self.original
        return self.original.with_suffix(FORMAT_SUFFIXES.get(picture_format, self.original.suffix))


@dataclass(frozen=True)
class Found:
    """The inputs found, and how many subfolders were left out because -r was not given."""

    sources: list[Source]
    unsearched: int = 0


def find_sources(
    arguments: Sequence[Path],
    *,
    recursive: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    prune: Sequence[Path] = (),
) -> Found:
    """The inputs, in argument order, each file once (also when named twice or through a link).

    A folder contributes its pictures (by extension, or those matching ``include``); ``exclude``
    removes files and whole folders. Globs are case-insensitive and match the path relative to
    the folder given or the file name. Folders in ``prune`` (the output folder, an HTML report's
    pictures) are not entered. Without ``recursive``, the subfolders that -r would enter are counted.
    """
    if STDIO in arguments and len(arguments) > 1:
        raise UsageError("'-' (standard input) cannot be combined with other inputs")
    pruned = {_identity(path) for path in prune if path.is_dir()}
    sources: list[Source] = []
    seen: set[object] = set()
    unsearched: list[Path] = []
    for argument in arguments:
        if argument == STDIO:
            found: Iterator[Source] = iter([Source(STDIO, PurePosixPath(STDIN_LABEL), found=False)])
        elif argument.is_dir():
            found = _walk(argument, recursive, include, exclude, pruned, unsearched)
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
    return Found(sources, len(dict.fromkeys(map(_identity, unsearched))))


def _walk(
    root: Path, recursive: bool, include: Sequence[str], exclude: Sequence[str], pruned: set[object],
    unsearched: list[Path],
) -> Iterator[Source]:
    """``unsearched`` gathers the subfolders that recursion would enter, when it is off."""
    failures: list[OSError] = []
    for folder, folders, files in os.walk(root, onerror=failures.append):
        base = Path(folder)
        relative_base = PurePosixPath(base.relative_to(root).as_posix())
        entered = sorted(
            name
            for name in folders
            if not name.startswith(".")
            and not _matches(relative_base / name, exclude)
            and _identity(base / name) not in pruned
        )
        folders[:] = entered if recursive else []
        if not recursive:
            unsearched.extend(base / name for name in entered)
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
    cause = os_cause(failure)
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
    folder: bool = False,
    in_place: bool = False,
    backup: str | None = None,
) -> list[Task]:
    """Every input's outputs, one per codec searched, and where its original goes if kept.

    ``-o -`` is standard output (one input only); ``-o FILE`` serves one input named on the
    command line or standard input (with several codecs its extension follows the chosen one);
    otherwise outputs mirror the inputs' folders under ``-o DIR`` (an existing folder, or
    ``folder``: the name ended in /), or sit beside the inputs, named by ``template``.
    ``in_place``: each input in the codec's format is replaced (``backup``: kept under its name
    plus this suffix); the others are skipped. No output (``predict``): tasks without outputs.
    A clash (``_refuse_clashes``) is a UsageError.
    """
    if in_place:
        return _refuse_clashes([_in_place_task(i, source, codecs[0], backup) for i, source in enumerate(sources)])
    if output is None and template is None:
        return [Task(i, s.path, _label(s), error=s.error) for i, s in enumerate(sources)]
    lone = len(sources) == 1 and not sources[0].found
    if output == STDIO:
        if not lone or template is not None:
            raise UsageError("-o - (standard output) takes exactly one input and no --name-template")
        source = sources[0]
        return [Task(0, source.path, _label(source), dict.fromkeys(codecs, STDIO), STDIO, requested=STDIO)]
    into_folder = output is None or folder or output.is_dir()
    if sources and sources[0].path == STDIO and into_folder:
        raise UsageError("standard input has no file name to use in a folder: give -o FILE or -o - (standard output)")
    if output is not None and not into_folder:
        if not lone:
            shown = f"-o {output} is a file" if output.exists() else f"-o {output} is not a folder"
            raise UsageError(f"{shown}, but several inputs (or a folder) need one: name an existing folder, "
                             f"or end the name in / to create it ({output}/)")
        if template is not None:
            raise UsageError("--name-template names files in a folder: give -o DIR, or no -o")
        return _refuse_clashes([_file_task(sources[0], output, codecs)])
    if output is not None and output.exists() and not output.is_dir():
        raise UsageError(f"-o {output}/ names a folder, but {output} is a file")
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


def format_codec(picture_format: str) -> str | None:
    """The output codec of an input format (LoadedImage.format), if vpjnd writes that format."""
    suffix = FORMAT_SUFFIXES.get(picture_format)
    return None if suffix is None else _input_codec(Path(f"picture{suffix}"), available_codecs())


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
    outputs = {codec: _named(output, codec, alone=len(codecs) == 1) for codec in codecs}
    if source.path == STDIO:  # its extension follows the format read (Task.original_path)
        original: Path | None = output
    else:
        own = _input_codec(source.path, codecs)
        original = _unless_input(outputs[own] if own else output.with_suffix(source.path.suffix), source.path)
    return Task(0, source.path, _label(source), outputs, original, requested=output, error=source.error)


def _named(output: Path, codec: str, *, alone: bool) -> Path:
    """-o FILE for a codec: as given when its extension is the codec's (or, for the only codec,
    no picture extension at all); else with the codec's extension, never another format's."""
    suffix = output.suffix.lower()
    if suffix in codec_extensions(codec) or (alone and suffix not in PICTURE_SUFFIXES):
        return output
    return output.with_suffix(codec_extensions(codec)[0])


def _folder_task(index: int, source: Source, root: Path | None, template: str, codecs: Sequence[str]) -> Task:
    folder = source.path.parent if root is None else root / source.relative.parent
    outputs = {codec: folder / render(template, source.path, codec) for codec in codecs}
    own = _input_codec(source.path, codecs)
    original = outputs[own] if own else folder / render(template, source.path, None)
    return Task(
        index, source.path, _label(source), outputs, _unless_input(original, source.path), make_folders=True,
        error=source.error,
    )


def _in_place_task(index: int, source: Source, codec: str, backup: str | None) -> Task:
    """Replace the input when it is in the codec's format (by its extension); else skip it."""
    if source.path == STDIO:
        raise UsageError("--in-place replaces files, and standard input is none: give -o FILE or -o -")
    label = _label(source)
    if _input_codec(source.path, (codec,)) is None:
        return Task(index, source.path, label, skip=_not_rewritten(source.path, codec), error=source.error)
    kept = None if backup is None else source.path.with_name(source.path.name + backup)
    return Task(index, source.path, label, {codec: source.path}, None, in_place=True, backup=kept, error=source.error)


def _not_rewritten(path: Path, codec: str) -> str:
    """Why --in-place leaves a file alone, and the option that does rewrite it."""
    other = _input_codec(path, available_codecs())
    if other is not None:
        return f"--in-place keeps each file's format: this is a {other} file, not {codec}; -c {other} rewrites it"
    kind = path.suffix.lstrip(".").upper() or "this"
    return f"--in-place keeps each file's format, and vpjnd does not write {kind} files; -o DIR writes elsewhere"


def _unless_input(path: Path, source: Path) -> Path | None:
    same = os.path.abspath(path) == os.path.abspath(source)
    if not same and path.exists() and source.exists():
        same = os.path.samefile(path, source)
    return None if same else path


def _refuse_clashes(tasks: list[Task]) -> list[Task]:
    """The tasks, unless one would write another's output, or over an input that vpjnd did not
    write (its own too, unless in place): then a UsageError naming the first such file, before
    any work. An output of an earlier run found among the inputs is its job's to skip or redo."""
    inputs = {os.path.abspath(task.source): task for task in tasks if not task.from_stdin}
    owners: dict[str, Task] = {}
    clashes: list[tuple[Path, str]] = []
    for task in tasks:
        paths = {os.path.abspath(p): p for p in (*task.outputs.values(), task.original, task.backup)
                 if p not in (None, STDIO)}
        for key, path in paths.items():
            owner = owners.setdefault(key, task)
            reader = inputs.get(key)  # the task whose input this path is
            if owner is not task:
                clashes.append((path, f"would be the output of both {owner.label} and {task.label}; {CLASH_HINT}"))
            elif reader is None or (task.in_place and reader is task) or written_by_vpjnd(path):
                continue
            elif reader is task:
                clashes.append((path, "is both the input and its output; --in-place replaces inputs (only by "
                                      "smaller files), or choose another output"))
            else:
                clashes.append((path, f"is an input, and would be the output of {task.label}; {CLASH_HINT}"))
    if clashes:
        path, cause = clashes[0]
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise UsageError(f"{cause}{more}; nothing was done", path)
    return tasks


def written_by_vpjnd(path: str | Path) -> bool:
    """Whether the file carries the vpjnd marker (an output of an earlier run)."""
    try:
        return marker_version(Path(path).read_bytes()) is not None
    except OSError:
        return False
