"""The Dockerfile, compose.yaml and Procfile name real `okrbot` commands and settings (no container runtime here
to run them; `make smoke` runs the same wheel without extras)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml

from bot.cli import cli
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
PYTHON_VARIABLES = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}


def commands() -> set[str]:
    return set(cli.commands)


def settings_names() -> set[str]:
    return {field.alias for field in Settings.model_fields.values() if field.alias}


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of the final stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    stages = [i for i, line in enumerate(lines) if line.upper().startswith("FROM ")]
    return [tuple(line.split(None, 1)) for line in lines[stages[-1]:]]  # type: ignore[misc]


def test_dockerfile_runs_okrbot_serve_as_a_non_root_user_on_a_slim_python() -> None:
    """The image is python:*-slim, its user is not root, its default command is `okrbot serve`, its ENV names
    okrbot settings (or Python's own), and its health check asks /healthz."""
    final = dockerfile()
    assert re.fullmatch(r"python:3\.1[1-9]-slim", final[0][1])
    users = [args for op, args in final if op.upper() == "USER"]
    assert users and users[-1] not in ("root", "0")
    [cmd] = [json.loads(args) for op, args in final if op.upper() == "CMD"]
    assert cmd == ["okrbot", "serve"] and "serve" in commands()
    env = " ".join(args for op, args in final if op.upper() == "ENV")
    names = set(re.findall(r"([A-Z_]+)=", env))
    assert names - PYTHON_VARIABLES <= settings_names(), names
    [health] = [args for op, args in final if op.upper() == "HEALTHCHECK"]
    assert "/healthz" in health


def test_compose_services_run_real_okrbot_commands_with_real_settings() -> None:
    """compose.yaml has web, clock, release and PostgreSQL; every okrbot service runs an existing command and
    sets only okrbot settings; web runs `serve`, clock `scheduler`, release `migrate` (as the Procfile)."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "clock", "release", "db"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    known = commands()
    expected = {"web": "serve", "clock": "scheduler", "release": "migrate"}
    for name, command in expected.items():
        service = services[name]
        assert service["command"][:2] == ["okrbot", command] and command in known
        assert set(service.get("environment", {})) <= settings_names(), service.get("environment")
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")
        Settings(_env_file=None, **service["environment"])  # type: ignore[call-arg] - the values are valid too
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert {k: shlex.split(v)[1] for k, v in procfile.items()} == expected
