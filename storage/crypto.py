"""Private text encrypted at rest: AES-256-GCM under a keyring, applied by a column type.

A stored value reads `enc1:<key id>:<base64url(nonce + ciphertext + tag)>`. The key id is the first 8 hex digits
of SHA-256 of the key, so the keyring needs no bookkeeping: the first key encrypts, every key decrypts, and
`okrbot keys rotate` re-encrypts whatever is not under the first key. The column's name is the associated data,
so a ciphertext copied into another column does not decrypt.

The keyring belongs to an engine (`attach`), not to the module: two runtimes in one process (tests) each have
their own. A value without the `enc1:` prefix is plain text written before encryption existed; it reads as is
until rotation encrypts it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, Text
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1:"
NONCE_BYTES = 12
KEY_BYTES = 32
_ATTRIBUTE = "okrbot_keyring"


class CryptoError(RuntimeError):
    """A key is missing, malformed or wrong; the message is one line an operator can act on."""


def new_key() -> str:
    """A fresh random 256-bit key, base64url without padding (what `okrbot keys new` prints)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise CryptoError("OKRBOT_SECRET_KEY holds a key that is not 32 bytes of base64url; "
                          "make one with `okrbot keys new`.")
    return raw


def key_id(raw: bytes) -> str:
    """The id a key is stored under: 8 hex digits of its SHA-256 (reveals nothing usable about the key)."""
    return hashlib.sha256(raw).hexdigest()[:8]


class Keyring:
    """Ordered keys: the first encrypts, all decrypt. Empty means okrbot may not read or write private text."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        raws = [_decode_key(k.strip()) for k in keys if k.strip()]
        self._ciphers: dict[str, AESGCM] = {}
        self._order: list[str] = []
        for raw in raws:
            kid = key_id(raw)
            if kid not in self._ciphers:
                self._ciphers[kid] = AESGCM(raw)
                self._order.append(kid)

    @classmethod
    def parse(cls, setting: str | None) -> Keyring:
        """Keys from the comma-separated OKRBOT_SECRET_KEY value."""
        return cls((setting or "").split(","))

    def __bool__(self) -> bool:
        return bool(self._order)

    @property
    def current_id(self) -> str:
        """Id of the key new values are encrypted under."""
        self._require()
        return self._order[0]

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of every key, the encrypting one first."""
        return tuple(self._order)

    def encrypt(self, text: str, purpose: str) -> str:
        """`text` encrypted under the first key, bound to `purpose` (the column)."""
        kid = self.current_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[kid].encrypt(nonce, text.encode(), purpose.encode())
        return f"{PREFIX}{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, purpose: str) -> str:
        """The text of a stored value (plain text written before encryption is returned as is)."""
        if not is_encrypted(stored):
            return stored
        kid, _, body = stored[len(PREFIX):].partition(":")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            self._require()
            raise CryptoError(f"a private text is encrypted under key {kid}, which OKRBOT_SECRET_KEY does not hold; "
                              "add the old key after the new one until `okrbot keys rotate` has finished.")
        try:
            raw = base64.urlsafe_b64decode(body)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as error:
            raise CryptoError(f"a private text under key {kid} does not decrypt (damaged, or moved "
                              "between columns).") from error

    def is_current(self, stored: str | None) -> bool:
        """Whether a stored value needs no rotation (empty, or encrypted under the first key)."""
        return not stored or stored.startswith(f"{PREFIX}{self.current_id}:")

    def _require(self) -> None:
        if not self._order:
            raise CryptoError("OKRBOT_SECRET_KEY is not set: private notes and feedback are encrypted at rest; "
                              "make a key with `okrbot keys new` and set it.")


def is_encrypted(stored: str | None) -> bool:
    """Whether a stored value is a ciphertext (rather than legacy plain text)."""
    return bool(stored) and stored.startswith(PREFIX)  # type: ignore[union-attr]


def attach(engine: Engine, keyring: Keyring) -> Engine:
    """Make `engine` encrypt and decrypt with `keyring` (its dialect is the engine's own object)."""
    setattr(engine.dialect, _ATTRIBUTE, keyring)
    return engine


def keyring_of(dialect: Any) -> Keyring:
    """The keyring attached to an engine's dialect (an empty one when none was)."""
    return getattr(dialect, _ATTRIBUTE, None) or Keyring()


class EncryptedText(TypeDecorator[str]):
    """A TEXT column whose values are stored encrypted; code reading and writing it sees plain text.

    Equality and LIKE on the column cannot work (each encryption differs): filter on other columns and
    search in Python after decrypting, for those allowed to read.
    """

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "":
            return value  # "no summary yet" stays visible as empty: it is not a secret
        return keyring_of(dialect).encrypt(value, self.purpose)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None or value == "":
            return value
        return keyring_of(dialect).decrypt(value, self.purpose)


def encrypted_columns(tables: Iterable[Any]) -> list[tuple[Any, Any]]:
    """(table, column) of every EncryptedText column among `tables` (what rotation walks)."""
    return [(table, column) for table in tables for column in table.columns
            if isinstance(column.type, EncryptedText)]
