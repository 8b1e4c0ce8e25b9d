"""Feature subcommands of `okrbot` (import, export, nudge, sandbox, inbox), each module with `register(cli)`."""

from __future__ import annotations

import importlib

import click

FEATURE_COMMANDS = ("bot.commands.exports", "bot.commands.imports", "bot.commands.nudge", "bot.commands.sandbox",
                    "bot.commands.keys", "bot.commands.people", "bot.commands.llm", "bot.commands.inbox",
                    "bot.commands.workspaces", "bot.commands.tick")


def register_all(cli: click.Group) -> None:
    """Add every feature's subcommands to the `okrbot` group (a module not written yet is skipped)."""
    for name in FEATURE_COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(cli)
