"""Every okrbot setting, read once from the environment (and `.env`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(RuntimeError):
    """A setting needed by the chosen mode is missing or wrong; the message is one line naming it."""


class Settings(BaseSettings):
    """okrbot's configuration; see the README's settings table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field("sqlite:///okrbot.db", alias="DATABASE_URL")
    port: int = Field(3000, alias="PORT", ge=1, le=65535)
    kudos_reactions_raw: str = Field("clap,tada,raised_hands", alias="OKRBOT_KUDOS_REACTIONS")
    kudos_daily_limit: int = Field(5, alias="OKRBOT_KUDOS_DAILY_LIMIT", ge=0)
    kudos_channel: str | None = Field(None, alias="OKRBOT_KUDOS_CHANNEL")
    okr_channel: str | None = Field(None, alias="OKRBOT_OKR_CHANNEL")
    nudge_day: int = Field(15, alias="OKRBOT_NUDGE_DAY", ge=1, le=28)
    nudge_hour: int = Field(10, alias="OKRBOT_NUDGE_HOUR", ge=0, le=23)
    default_timezone: str = Field("UTC", alias="OKRBOT_DEFAULT_TIMEZONE")
    request_reminder_days: int = Field(3, alias="OKRBOT_REQUEST_REMINDER_DAYS", ge=1)
    status_grace_days: int = Field(14, alias="OKRBOT_STATUS_GRACE_DAYS", ge=0)
    meeting_minutes: int = Field(30, alias="OKRBOT_MEETING_MINUTES", ge=5, le=480)
    meeting_reminder_hours: int = Field(24, alias="OKRBOT_MEETING_REMINDER_HOURS", ge=1, le=168)
    send_rate: float = Field(20.0, alias="OKRBOT_SEND_RATE", gt=0)
    inbox_lease: float = Field(60.0, alias="OKRBOT_INBOX_LEASE", gt=0)  # seconds before a dead worker's row is retaken
    outbox_lease: float = Field(120.0, alias="OKRBOT_OUTBOX_LEASE", gt=0)  # same for a sender's claimed rows
    admins_raw: str = Field("", alias="OKRBOT_ADMINS")
    # Privacy (docs/privacy.md): comma-separated keys, the first encrypts; months private notes are kept (0: forever)
    secret_key: SecretStr | None = Field(None, alias="OKRBOT_SECRET_KEY")
    private_note_retention_months: int = Field(0, alias="OKRBOT_PRIVATE_NOTE_RETENTION_MONTHS", ge=0)
    # Optional language model (docs/llm.md): every LLM feature is absent unless OKRBOT_LLM_URL is set.
    llm_url: str | None = Field(None, alias="OKRBOT_LLM_URL")
    llm_model: str = Field("", alias="OKRBOT_LLM_MODEL")
    llm_api_key: SecretStr | None = Field(None, alias="OKRBOT_LLM_API_KEY")
    llm_timeout: float = Field(20.0, alias="OKRBOT_LLM_TIMEOUT", gt=0, le=300)
    # Operations (bot/logs.py, `okrbot serve`): read here so `.env` works for them too.
    web_concurrency: int = Field(2, alias="WEB_CONCURRENCY", ge=1, le=64)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    log_format: str = Field("text", alias="OKRBOT_LOG_FORMAT")
    access_log: str | None = Field(None, alias="OKRBOT_ACCESS_LOG")
    metrics_dir: str | None = Field(None, alias="PROMETHEUS_MULTIPROC_DIR")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError("not a database URL; use sqlite:///path/okrbot.db or postgresql://user:pass@host/db"
                             ) from None
        if backend not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f"okrbot runs on SQLite or PostgreSQL, not {backend}") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value.lower() not in ("text", "json"):
            raise ValueError("use text or json")
        return value.lower()

    @field_validator("access_log", "metrics_dir", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA timezone {value!r}") from error
        return value

    @field_validator("kudos_channel", "okr_channel", "slack_client_id", "llm_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("llm_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL of an OpenAI-compatible endpoint")
        return value

    @property
    def kudos_reactions(self) -> tuple[str, ...]:
        """Reaction names (without colons) that give kudos."""
        return tuple(r.strip().strip(":") for r in self.kudos_reactions_raw.split(",") if r.strip())

    @property
    def admins(self) -> frozenset[str]:
        """Slack user ids allowed to administer okrbot, besides workspace admins."""
        return frozenset(a.strip() for a in self.admins_raw.split(",") if a.strip())

    @property
    def llm_enabled(self) -> bool:
        """Whether a language model is configured (OKRBOT_LLM_URL and OKRBOT_LLM_MODEL): else no LLM feature shows."""
        return bool(self.llm_url and self.llm_model)

    @property
    def oauth_enabled(self) -> bool:
        """Many workspaces through Slack's OAuth install flow."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def has_credentials(self) -> bool:
        """Whether any way of reaching a real Slack workspace is configured."""
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.oauth_enabled))

    def require_http(self) -> None:
        """Fail with one line naming what HTTP mode lacks."""
        if not self.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is not set: HTTP mode needs the app's signing secret.")
        if not (self.slack_bot_token or self.oauth_enabled):
            raise ConfigError("SLACK_BOT_TOKEN is not set (nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth).")

    def require_socket(self) -> None:
        """Fail with one line naming what Socket Mode lacks."""
        if not self.slack_app_token:
            raise ConfigError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…).")
        if not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is not set: Socket Mode needs the bot token (xoxb-…).")

    def require_secret_key(self) -> None:
        """Fail with one line when no key encrypts private text (serve, socket and scheduler)."""
        if not (self.secret_key and self.secret_key.get_secret_value().strip(" ,")):
            raise ConfigError("OKRBOT_SECRET_KEY is not set: private notes and feedback are encrypted at rest; "
                              "make a key with `okrbot keys new` and set it.")

    def require_bot_token(self) -> None:
        """Fail with one line when no bot token is set (scheduler and CLI commands that call Slack)."""
        if not self.slack_bot_token and not self.oauth_enabled:
            raise ConfigError("SLACK_BOT_TOKEN is not set: this command calls Slack and needs the bot token.")


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into a one-line ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = first.get("loc", ("?",))[0]
        field = Settings.model_fields.get(str(name))
        env = field.alias if field and field.alias else str(name).upper()
        raise ConfigError(f"{env} is invalid: {first.get('msg')}.") from None
