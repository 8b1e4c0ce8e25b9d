"""`okrbot llm check`: does the configured language model answer? One line, exit code 0 (yes) or 1 (no)."""

from __future__ import annotations

import sys
import time

import click

from bot.commands.common import friendly
from bot.settings import load_settings

CHECK_PROMPT = [
    {"role": "system", "content": 'Answer with the JSON object {"ok": true} and nothing else.'},
    {"role": "user", "content": "Are you there?"},
]


@click.group()
def llm() -> None:
    """The optional language model (docs/llm.md)."""


@llm.command()
@friendly
def check() -> None:
    """Send one tiny request to OKRBOT_LLM_URL and say whether the model answers (exit 1 if not)."""
    from bot.services.llm.client import LlmClient, LlmError, host_of

    settings = load_settings()
    if not settings.llm_enabled:
        missing = "OKRBOT_LLM_URL" if not settings.llm_url else "OKRBOT_LLM_MODEL"
        click.echo(f"okrbot: no language model configured ({missing} is not set): the LLM features are off.",
                   err=True)
        sys.exit(2)
    client = LlmClient(url=settings.llm_url or "", model=settings.llm_model, timeout=settings.llm_timeout,
                       api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None)
    started = time.monotonic()
    try:
        client.complete(CHECK_PROMPT, json_answer=False)
    except LlmError as error:
        click.echo(f"llm at {host_of(settings.llm_url or '')} ({settings.llm_model}) does not answer: {error.kind}",
                   err=True)
        sys.exit(1)
    click.echo(f"llm at {host_of(settings.llm_url or '')} ({settings.llm_model}) answers in "
               f"{(time.monotonic() - started) * 1000:.0f} ms")


def register(cli: click.Group) -> None:
    """Add `okrbot llm` to the command group."""
    cli.add_command(llm)
