"""What every `okrbot` command shares: one-line failures instead of tracebacks, and JSON for exports.

Command modules import these from here, never from bot.cli (which imports the command modules)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError

from bot.settings import ConfigError
from storage.crypto import CryptoError
from storage.migrate import SchemaOutdated

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn configuration and schema problems into one clear line and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as error:
            click.echo(f"okrbot: {error}", err=True)
            sys.exit(2)
        except SchemaOutdated as error:
            click.echo(f"okrbot: {error}", err=True)
            sys.exit(1)
        except CryptoError as error:
            click.echo(f"okrbot: {error}", err=True)
            sys.exit(2)
        except (OperationalError, InterfaceError) as error:  # the database cannot be reached or used
            from bot.preflight import database_problem

            click.echo(f"okrbot: {database_problem(error)}", err=True)
            sys.exit(2)
        except StatementError as error:  # a key problem met while writing a private text
            if not isinstance(error.orig, CryptoError):
                raise
            click.echo(f"okrbot: {error.orig}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def json_default(value: Any) -> Any:
    """JSON for dates and datetimes in exports."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def dumps(rows: list[dict[str, Any]]) -> str:
    """Rows as pretty JSON (exports)."""
    return json.dumps(rows, default=json_default, indent=2, ensure_ascii=False)
