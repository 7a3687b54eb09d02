"""`--help` is complete: every option of every command says what it does, and its default."""

from __future__ import annotations

import argparse

import pytest

from wherefrom.cli import build_parser


def commands(parser: argparse.ArgumentParser, prefix: str = "wherefrom") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += commands(sub, f"{prefix} {name}")
    return found


COMMANDS = commands(build_parser())


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_has_help_and_its_default(name: str, parser: argparse.ArgumentParser) -> None:
    missing, no_default = [], []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
            continue
        label = "/".join(action.option_strings) or action.dest
        if not action.help or action.help == argparse.SUPPRESS:
            missing.append(label)
            continue
        default = action.default
        shows_default = "default" in action.help or "%(default)" in action.help
        if action.option_strings and not action.required and default not in (None, False, [], argparse.SUPPRESS) and not shows_default:
            no_default.append(label)
    assert not missing, f"{name}: options without help: {missing}"
    assert not no_default, f"{name}: options whose help does not state the default: {no_default}"


def test_every_command_has_a_description_or_help() -> None:
    bare = [name for name, parser in COMMANDS if not (parser.description or parser.format_usage())]
    assert not bare
