"""The keyring: authenticated encryption, several keys, clear one-line refusals; okrbot will not serve without one."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.blocks.privacy import reading_line
from bot.services.privacy.service import months_before
from bot.views.privacy import ReadingEntryView
from storage.crypto import CryptoError, Keyring, is_encrypted, new_key


def test_a_value_round_trips_and_names_its_key() -> None:
    """A text encrypts to enc1:<key id>:… (never the text itself) and decrypts back."""
    ring = Keyring([new_key()])
    stored = ring.encrypt("Lena might leave", "notes.text")
    assert stored.startswith(f"enc1:{ring.current_id}:") and "Lena" not in stored
    assert ring.decrypt(stored, "notes.text") == "Lena might leave"


def test_the_same_text_encrypts_differently_each_time() -> None:
    """A fresh nonce each time: equal texts cannot be spotted in a dump."""
    ring = Keyring([new_key()])
    assert ring.encrypt("same", "notes.text") != ring.encrypt("same", "notes.text")


def test_a_tampered_or_moved_value_is_refused() -> None:
    """One changed character, or a ciphertext copied into another column, does not decrypt."""
    ring = Keyring([new_key()])
    stored = ring.encrypt("feedback text", "feedback.text")
    body = stored[-6:]
    flipped = stored[:-6] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(CryptoError, match="does not decrypt"):
        ring.decrypt(flipped, "feedback.text")
    with pytest.raises(CryptoError, match="does not decrypt"):
        ring.decrypt(stored, "notes.text")


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    """During a rotation "new,old" reads what "old" wrote and writes under "new"."""
    old, new = new_key(), new_key()
    before = Keyring([old]).encrypt("x", "t")
    during = Keyring.parse(f"{new}, {old}")
    assert during.decrypt(before, "t") == "x" and not during.is_current(before)
    assert during.is_current(during.encrypt("x", "t"))


def test_a_missing_key_says_what_to_do() -> None:
    """No key, or not the key a value was written under: one line naming OKRBOT_SECRET_KEY."""
    stored = Keyring([new_key()]).encrypt("x", "t")
    with pytest.raises(CryptoError, match="okrbot keys new"):
        Keyring().encrypt("x", "t")
    with pytest.raises(CryptoError, match="add the old key after the new one"):
        Keyring([new_key()]).decrypt(stored, "t")
    with pytest.raises(CryptoError, match="not 32 bytes"):
        Keyring.parse("too-short")


def test_plain_text_from_before_encryption_reads_as_is() -> None:
    """A value without the enc1: prefix is legacy plain text: readable until `okrbot keys rotate` encrypts it."""
    assert not is_encrypted("old note") and Keyring().decrypt("old note", "t") == "old note"


@pytest.mark.parametrize("command", ["serve", "socket", "scheduler"])
def test_production_modes_refuse_to_start_without_a_key(tmp_path: Path, command: str) -> None:
    """With credentials but no OKRBOT_SECRET_KEY, serve, socket and scheduler print one line pointing at
    `okrbot keys new` and exit 2."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OKRBOT_", "DATABASE_URL"))}
    env |= {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'okrbot.db'}"}
    result = subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", command], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "okrbot: OKRBOT_SECRET_KEY is not set: private notes and feedback are encrypted at rest; "
        "make a key with `okrbot keys new` and set it."]


def test_reading_lines_name_reader_author_and_day() -> None:
    """Slack readers are mentions; operators are named (escaped) and marked as operators."""
    home = ReadingEntryView("UMARIA", "", "feedback", "ULENA", "home", date(2026, 12, 3))
    export = ReadingEntryView("", "<jo>", "all", "", "people-export", date(2026, 12, 4))
    assert reading_line(home) == "<@UMARIA> read <@ULENA>'s feedback about you on Dec 3 (in their Home)"
    assert reading_line(export) == "&lt;jo&gt; (an operator) exported everything okrbot holds about you on Dec 4"
    own = ReadingEntryView("", "jo", "note", "ULENA", "people-export", date(2026, 12, 4), "ULENA")
    assert reading_line(own) == "jo (an operator) exported your shared note on Dec 4 (in an export of your data)"
    review = ReadingEntryView("UMARIA", "", "review", "URAVI", "review-1on1", date(2026, 12, 22), "URAVI")
    assert reading_line(review) == "<@UMARIA> read your quarter review on Dec 22 (in the review 1-on-1's agenda)"
    opened = ReadingEntryView("UMARIA", "", "review", "URAVI", "review", date(2026, 12, 22), "URAVI")
    assert reading_line(opened) == "<@UMARIA> read your quarter review on Dec 22 (opening your review)"


def test_retention_counts_calendar_months() -> None:
    """Six months before 31 August is 28 February (the month's last day), not a 180-day guess."""
    from datetime import UTC, datetime

    assert months_before(datetime(2026, 8, 31, 9, tzinfo=UTC), 6) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 1) == datetime(2025, 12, 15, tzinfo=UTC)


def test_the_key_never_shows_in_the_settings() -> None:
    """OKRBOT_SECRET_KEY is a secret: neither repr nor str of the settings reveal it."""
    from bot.settings import Settings

    key = new_key()
    settings = Settings(_env_file=None, OKRBOT_SECRET_KEY=key)  # type: ignore[call-arg]
    assert key not in repr(settings) and key not in str(settings)
    assert settings.secret_key is not None and settings.secret_key.get_secret_value() == key
