"""`okrbot keys new` and `okrbot keys rotate`: the keys private texts are encrypted under (docs/privacy.md)."""

from __future__ import annotations

import click

from bot.commands.common import friendly
from bot.settings import load_settings


def register(cli: click.Group) -> None:
    """Add `okrbot keys`."""

    @cli.group("keys")
    def keys() -> None:
        """Keys of OKRBOT_SECRET_KEY: make one, re-encrypt everything under the first one."""

    @keys.command("new")
    def new() -> None:
        """Print a fresh random key (put it first in OKRBOT_SECRET_KEY; keep old keys after it until rotated)."""
        from storage.crypto import new_key

        click.echo(new_key())

    @keys.command("rotate")
    @click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True,
                  help="Rows re-encrypted per transaction.")
    @click.option("--dry-run", is_flag=True, help="Only count the texts not yet under the first key.")
    @friendly
    def rotate(batch: int, dry_run: bool) -> None:
        """Re-encrypt every private text (and any plain text left from before encryption) under the first key.

        Resumable and safe while okrbot serves; run it after putting a new key first in OKRBOT_SECRET_KEY
        everywhere, then remove the old keys once it reports nothing left.
        """
        from bot.runtime import build_runtime
        from storage.rotation import count_stale
        from storage.rotation import rotate as rotate_all

        settings = load_settings()
        settings.require_secret_key()
        runtime = build_runtime(settings)
        try:
            keyring = runtime.keyring
            if dry_run:
                stale = count_stale(runtime.engine, keyring)
                for name, count in stale.items():
                    click.echo(f"{name}: {count} to re-encrypt under key {keyring.current_id}")
                return
            report = rotate_all(runtime.engine, keyring, batch=batch)
            for name, count in report.rotated.items():
                click.echo(f"{name}: {count} re-encrypted under key {keyring.current_id}, "
                           f"{report.remaining[name]} left")
            if not report.done:
                click.echo("Some texts are still under another key: a running okrbot has an older key first in "
                           "OKRBOT_SECRET_KEY. Update it everywhere and run `okrbot keys rotate` again.", err=True)
                raise SystemExit(1)
            old = [k for k in keyring.ids if k != keyring.current_id]
            if old:
                click.echo(f"Every private text is under key {keyring.current_id}; keys {', '.join(old)} "
                           "can be removed from OKRBOT_SECRET_KEY.")
        finally:
            runtime.close()
