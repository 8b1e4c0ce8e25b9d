"""What every service is built with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.services.core.outbox import Outbox
from bot.services.core.ports import Directory
from bot.settings import Settings


@dataclass(frozen=True)
class ServiceContext:
    """Session factory, settings, clock, the Slack directory port and the outbox."""

    sessions: sessionmaker[Session]
    settings: Settings
    clock: Clock
    directory: Directory
    outbox: Outbox
