"""Shared options: every command's --help names real choices, groups its options in panels and
shows examples; the choices it offers are the library's."""

from __future__ import annotations

import os
import re
import subprocess
import typing

import pytest
from processes import CLI

from vpjnd_cli.codecs import available_codecs
from vpjnd_cli.codecs.base import CodecOptions
from vpjnd_cli.commands import options as opt
from vpjnd_cli.judges import JUDGES

COMMANDS = ("compress", "predict", "judge", "jnd", "decode", "info", "label", "train", "evaluate")
PLACEHOLDER = re.compile(r"<(str|bool|int|float|path|list\[[^>]*\]|int range|float range)>")


def help_text(*args: str) -> str:
    done = subprocess.run([*CLI, *args, "--help"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def helps() -> dict[str, str]:
    return {"vpjnd": help_text(), **{command: help_text(command) for command in COMMANDS}}


def test_no_help_shows_a_type_placeholder(helps):
    for command, text in helps.items():
        assert not PLACEHOLDER.search(text), (command, PLACEHOLDER.search(text))


def test_every_command_shows_examples(helps):
    for command in COMMANDS:
        examples = helps[command].split("Examples:", 1)[-1].split("╭", 1)[0]
        assert len(re.findall(rf"^ vpjnd {command} \S", examples, re.M)) >= 2, command


def test_search_options_list_their_choices(helps):
    for command in ("compress", "predict"):
        for choices in ("<vpjndnet|pjnd>", "<auto|420|444|both>", "<paper|strict>", "<epc|namm>",
                        "<auto|external|builtin>", "<keep|srgb>", "auto|cpu|cuda|mps"):
            assert choices in helps[command], (command, choices)
    assert "<jpeg|bpg|heic|avif|webp|jxl|auto>" in helps["compress"]
    assert "<jpeg|bpg|heic|avif|webp|jxl>" in helps["predict"]  # auto is compress's alone
    assert "<test|val|train|all>" in helps["evaluate"] and "<butteraugli|ssimulacra2>" in helps["label"]


def test_shared_options_read_the_same_in_every_command(helps):
    for command in ("compress", "predict", "evaluate", "train"):
        assert "--sur  P [0.01<=x<=1.0]" in re.sub(r" {2,}", "  ", helps[command]), command
    for command in ("compress", "predict", "judge", "jnd", "evaluate"):
        assert re.search(r"--jnd-model +-m +<epc\|namm>", helps[command]), command
        assert "--model" not in helps[command]


def test_options_are_grouped_in_panels(helps):
    text = helps["compress"]
    panels = [text.index(f"─ {name} ─") for name in ("Inputs", "Search", "Outputs", "Metadata", "Run")]
    assert panels == sorted(panels)
    def row(option: str) -> int:
        return re.search(rf"│ +{option} ", text).start()

    for option, (start, end) in {"--recursive": panels[0:2], "--judge": panels[1:3], "--keep-original": panels[2:4],
                                 "--icc": panels[3:5]}.items():
        assert start < row(option) < end, option
    assert row("--jobs") > panels[4]


def test_cli_choices_match_the_library():
    from vpjnd_cli.criteria import CRITERIA
    from vpjnd_cli.jnd import MODELS
    from vpjnd_cli.model.device import DEVICES
    from vpjnd_cli.settings import CHROMA_CHOICES
    from vpjnd_cli.train.splits import SPLITS
    from vpjnd_cli.train.teachers import TEACHERS

    hints = typing.get_type_hints(CodecOptions)
    assert typing.get_args(opt.JndModelName) == MODELS
    assert typing.get_args(opt.JudgeChoice) == JUDGES
    assert typing.get_args(opt.CodecName) == tuple(available_codecs())
    assert typing.get_args(opt.ChromaChoice) == ("auto", *typing.get_args(hints["chroma"])) == CHROMA_CHOICES
    assert typing.get_args(opt.CriterionChoice) == CRITERIA
    assert typing.get_args(opt.BpgBackendName) == typing.get_args(hints["bpg_backend"])
    assert opt.DEVICES == DEVICES
    label = help_text("label")
    assert f"<{'|'.join(TEACHERS)}>" in label and f"<{'|'.join(SPLITS)}>" in label
