"""The `vpjnd` command line: a thin Typer layer over the library, with one error model.

Only typer and the command modules (which import nothing heavy at the top) are imported here,
so `vpjnd --help` answers quickly; numpy, torch, OpenCV and PyAV load inside the commands.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from vpjnd_cli import __version__
from vpjnd_cli.chatter import library_messages_on_one_line, one_line
from vpjnd_cli.commands.calibrate import calibrate_command
from vpjnd_cli.commands.compress import compress_command
from vpjnd_cli.commands.decode import decode_command
from vpjnd_cli.commands.evaluate import evaluate_command
from vpjnd_cli.commands.export import export_command
from vpjnd_cli.commands.info import info_command
from vpjnd_cli.commands.jnd import jnd_command
from vpjnd_cli.commands.judge import judge_command
from vpjnd_cli.commands.label import label_command
from vpjnd_cli.commands.predict import predict_command
from vpjnd_cli.commands.train import train_command
from vpjnd_cli.errors import ExitCode, VpjndError


def _without_type_placeholders(params: list[Any]) -> list[Any]:
    """Typer prints a type beside every parameter: <bool> beside a flag, which takes no value, and
    <path> or <list[Path]> beside an argument, which its metavar already names. Blank those; every
    option that takes a value declares its choices or a metavar (commands/options.py)."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""
        elif isinstance(param, TyperArgument):
            param.display_type_rich = lambda ctx: None
    return params


class _Command(TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:  # click's context and parameters (typer's own copy of click)
        return _without_type_placeholders(super().get_params(ctx))


class _Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_type_placeholders(super().get_params(ctx))


app = typer.Typer(
    cls=_Group,
    name="vpjnd",
    help=(
        "Perceptually lossless image compression (VP-JND): find the most compressed file a viewer "
        "cannot tell from the original.\n\n"
        "Exit codes: 0 ok, 1 some inputs failed (batch), 2 usage error or unreadable input, "
        "3 a required external tool, package or model is missing, 4 internal error, 130 interrupted (Ctrl-C), "
        "143 stopped by SIGTERM."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"vpjnd {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback on errors (may be given anywhere).")
    ] = False,
) -> None:
    """Global options (handled before any command runs)."""


def _exit_code(command: Callable[..., int | None]) -> Callable[..., None]:
    """A command that returns its exit code (a batch's outcome), as Typer runs it: ended by
    ``typer.Exit`` for any code but 0."""

    @functools.wraps(command)
    def run_command(*args: object, **kwargs: object) -> None:
        code = command(*args, **kwargs)
        if code:
            raise typer.Exit(int(code))

    return run_command


# Commands, in the order `--help` lists them. Each module keeps heavy imports inside the command.
for _name, _command in (
    ("compress", compress_command), ("predict", predict_command), ("judge", judge_command), ("jnd", jnd_command),
    ("decode", decode_command), ("info", info_command), ("label", label_command), ("train", train_command),
    ("calibrate", calibrate_command), ("evaluate", evaluate_command), ("export", export_command),
):
    app.command(_name, cls=_Command)(_exit_code(_command))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the app and turn every failure into an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _take_debug_flag(args)
    sys.exit(run(args, debug=debug))


def run(args: list[str], *, debug: bool = False) -> int:
    """Run the CLI with ``args``; print one-line errors; return the exit code.

    Typer itself reports usage errors (exit 2) and turns Ctrl-C into exit 130; a command's
    returned exit code (a batch's outcome) ends it through ``_exit_code``; everything else that
    escapes is mapped here.
    """
    library_messages_on_one_line()
    try:
        app(args=args, prog_name="vpjnd", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else int(done.code is not None)
    except VpjndError as error:
        if debug:
            traceback.print_exc()
        _error_line(str(error))
        return int(error.exit_code)
    except KeyboardInterrupt:
        _error_line("interrupted")
        return int(ExitCode.INTERRUPTED)
    except Exception as bug:  # noqa: BLE001 - the last line of defence: no traceback without --debug
        if debug:
            traceback.print_exc()
        _error_line(f"internal error: {type(bug).__name__}: {bug} (rerun with --debug and report it)")
        return int(ExitCode.INTERNAL)
    return int(ExitCode.OK)


def _take_debug_flag(args: list[str]) -> bool:
    """Accept --debug before or after the command name (not after a bare `--`)."""
    end = args.index("--") if "--" in args else len(args)
    found = "--debug" in args[:end]
    if found:
        args[:end] = [a for a in args[:end] if a != "--debug"]
    return found


def _error_line(message: str) -> None:
    sys.stderr.write(f"vpjnd: error: {one_line(message)}\n")
    sys.stderr.flush()
