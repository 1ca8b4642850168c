"""`vpjnd evaluate`: score a judge on a labelled set (ours, MCL-JCI or KonJND-1k; auto-detected)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.train import Data, DatasetCodec, SplitSeed, Votes


def evaluate_command(
    data: Data,
    judge: opt.JudgeName = None,
    criterion: Annotated[Literal["paper", "strict"] | None, typer.Option(
        "--criterion", rich_help_panel=opt.SEARCH, show_default=False,
        help="The criterion judged by (its network); default: the one the labels were made for. Labels of "
             "another criterion are a usage error.")] = None,
    weights: opt.Weights = None,
    split: Annotated[Literal["test", "val", "train", "all"],
                     typer.Option("--split", help="The pictures scored.", rich_help_panel=opt.INPUTS)] = "test",
    sur: opt.Sur = 0.75,
    search: opt.SearchName = "spread",
    block_size: opt.BlockSize = 8,
    jnd_model: opt.JndModel = "epc",
    device: opt.Device = "auto",
    json_output: opt.Json = False,
    peak_calibration: Annotated[bool, typer.Option("--peak-calibration/--no-peak-calibration",
                                                   help="vpjndnet: apply the weights' luma-peak calibration "
                                                   "(off: the network alone).", rich_help_panel=opt.SEARCH)] = True,
    chroma: Annotated[Literal["420", "444"], typer.Option("--chroma", help="Our corpus: the chroma sampling whose "
                                                          "ladder is searched.", rich_help_panel=opt.SEARCH)] = "420",
    kind: Annotated[Literal["all", "photo", "hard"], typer.Option(
        "--kind", rich_help_panel=opt.INPUTS, help="Our corpus: photos, generated hard pictures (product shots, skies, "
        "gradients, graphics, text, grain, dark scenes) or all.")] = "all",
    teacher: Annotated[Literal["butteraugli", "ssimulacra2"] | None,
                       typer.Option("--teacher", help="Also report this teacher's distortion at each predicted level.",
                                    show_default=False)] = None,
    codec: DatasetCodec = None,
    votes: Votes = None,
    split_seed: SplitSeed = 0,
) -> None:
    """Pair accuracy, MAD of the predicted level, bit-rate saving and dPSNR, with a per-picture table
    (accuracy, MAD and mean level with 95 % bootstrap intervals over the pictures); one report per
    codec of a corpus (one JSON line each with --json).

    Examples:

    vpjnd evaluate corpus
    vpjnd evaluate corpus --codec webp --kind hard --teacher butteraugli
    vpjnd evaluate corpus --weights run/best.safetensors --split val --json
    vpjnd evaluate corpus-strict --codec jpeg   # labelled with --criterion strict: judged by its network
    """
    from vpjnd_cli.commands.train import codec_list
    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.jsontext import dumps, nulled
    from vpjnd_cli.judges import get_judge
    from vpjnd_cli.settings import Settings
    from vpjnd_cli.train.detect import open_datasets
    from vpjnd_cli.train.evaluation import evaluate
    from vpjnd_cli.train.teachers import get_teacher

    datasets = open_datasets(data, codecs=codec_list(codec), chroma=chroma, votes=votes, seed=split_seed)
    scorer_teacher = None if teacher is None else get_teacher(teacher)
    criteria = {dataset.criterion for dataset in datasets}
    if criterion is not None and criteria != {criterion}:
        raise UsageError(f"{data} is labelled for the {', '.join(sorted(criteria))} criterion, not {criterion}", data)
    settings = Settings(judge=judge, criterion=criteria.pop(), weights=weights, device=device)
    names = [settings.judge_for((dataset.codec_name,)) for dataset in datasets]  # as compress would
    if not peak_calibration and set(names) != {"vpjndnet"}:
        others = ", ".join(set(names) - {"vpjndnet"})
        raise UsageError(f"--no-peak-calibration applies to the vpjndnet judge, not {others}")
    scorers = {name: get_judge(name, device=device, weights=weights, peak_calibration=peak_calibration,
                               criterion=settings.criterion)
               for name in dict.fromkeys(names)}
    for dataset, name in zip(datasets, names, strict=True):
        label = name if peak_calibration else f"{name} (network alone)"
        try:
            report = evaluate(dataset, scorers[name], label, split=split, sur=sur, search=search, block_size=block_size,
                              jnd_model=jnd_model, kind=kind, teacher=scorer_teacher)
        except ValueError as error:
            raise UsageError(str(error)) from None
        if json_output:
            typer.echo(dumps(nulled(report.to_dict())))  # an accuracy over no pairs is undefined: null
        else:
            _print_table(report)


def _print_table(report) -> None:
    from rich.console import Console
    from rich.table import Table

    pictures = report.split if report.kind == "all" else f"{report.split}, {report.kind} pictures"
    table = Table(title=f"{report.judge} on {report.layout} ({report.codec}, {pictures}, SUR {report.sur:.0%})")
    table.add_column("picture", overflow="fold")  # whole names, wrapped: they often differ only near the end
    teacher = report.mean_teacher_distortion is not None
    columns = ("size", "true", "pred.", "acc.", "saving", "dPSNR") + (("teacher",) if teacher else ())
    for column in columns:  # short, to leave the names room
        table.add_column(column, justify="right")
    for r in report.pictures:
        cells = [r.picture, f"{r.width}x{r.height}", str(r.true_setting), str(r.predicted_setting),
                 f"{r.pair_accuracy:.1%}", "-" if r.saving is None else f"{r.saving:.1%}", f"{r.delta_psnr:+.2f}"]
        table.add_row(*cells, *([f"{r.teacher_distortion:.2f}"] if teacher else []))
    console = Console()
    console.print(table)
    saving = "-" if report.saving is None else f"{report.saving:.1%} (truth {report.true_saving:.1%})"
    accuracy, mad, level = (report.intervals[name] for name in ("pair_accuracy", "mad", "mean_predicted_setting"))
    console.print(f"pairs {report.pairs}: accuracy {report.pair_accuracy:.1%} ({accuracy[0]:.1%}-{accuracy[1]:.1%}); "
                  f"MAD {report.mad:.2f} ({mad[0]:.2f}-{mad[1]:.2f}); "
                  f"relative precision {report.relative_precision:.1%}; "
                  f"mean level true {report.mean_true_setting:.1f} / predicted {report.mean_predicted_setting:.1f} "
                  f"({level[0]:.1f}-{level[1]:.1f}); saving {saving}; dPSNR {report.delta_psnr:+.2f} dB")
    if teacher:
        console.print(f"teacher distortion at the predicted levels: mean {report.mean_teacher_distortion:.3f}, "
                      f"largest {report.max_teacher_distortion:.3f}")
    console.print(f"search {report.search}: {report.mean_evaluations:.1f} evaluations in {report.mean_batches:.2f} "
                  "batches per picture")
    console.print("(true / pred.: the level the labels give / the search chose; acc.: pair accuracy; "
                  "in brackets: 95 % bootstrap intervals over the pictures)")
