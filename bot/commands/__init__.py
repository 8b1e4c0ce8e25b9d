"""The `okrbot` subcommands outside bot/cli.py, one module per job, each with `register(cli)`.

bot/cli.py imports every module here by name and lists it in COMMAND_MODULES; the modules take their shared
helpers from bot/commands/common.py and never import bot.cli."""
