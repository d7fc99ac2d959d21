"""Settings, read from the environment (prefix ``CXM_``), twelve-factor style."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cxm.errors import ConfigError
from cxm.i18n import _

__all__ = ["PLACEHOLDER_SECRET", "Settings", "load_settings"]

PLACEHOLDER_SECRET = "change-me"


class Settings(BaseSettings):
    """Every setting of CXM. Each can be set as ``CXM_<NAME>``; secrets also as
    ``CXM_<NAME>_FILE`` naming a file that holds the value."""

    model_config = SettingsConfigDict(env_prefix="CXM_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./cxm.db",
        description="SQLAlchemy URL; SQLite file by default, postgresql+psycopg://… in production.",
    )
    env: Literal["development", "test", "production"] = Field(
        default="development", description="development, test or production."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SECRET),
        description="Signs sessions and CSRF tokens. Must be set outside development.",
    )
    lang: str = Field(default="", description="Default language (en, zh-CN, zh-TW).")
    min_n: int = Field(
        default=30, ge=1, description="Groups with fewer answers show 'too few answers'."
    )
    import_batch_rows: int = Field(
        default=20_000, ge=100, description="Rows written per batch by imports."
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="Largest request body.")
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public address used in survey links."
    )
    smtp_host: str = Field(default="", description="SMTP server for survey e-mails.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    smtp_from: str = Field(default="cxm@localhost", description="Sender of survey e-mails.")
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Company time zone (IANA name) for dates people see; times are stored in UTC.",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: object) -> object:
        import os

        if isinstance(data, dict):
            for name in ("secret_key", "database_url"):
                path = os.environ.get(f"CXM_{name.upper()}_FILE")
                if path and name not in data:
                    try:
                        data[name] = Path(path).read_text(encoding="utf-8").strip()
                    except OSError as exc:
                        raise ValueError(f"CXM_{name.upper()}_FILE: {exc}") from exc
        return data

    def check_secrets(self) -> None:
        """Refuse to run with the placeholder secret outside development."""
        if self.env != "development" and self.secret_key.get_secret_value() in (
            PLACEHOLDER_SECRET,
            "",
        ):
            raise ConfigError(
                _(
                    "CXM_SECRET_KEY is not set (or still the placeholder) while CXM_ENV={env}; "
                    "set it to a long random value, e.g. from `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`.",
                    env=self.env,
                )
            )


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with a clear error naming the bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            _("Setting CXM_{name}: {reason}", name=str(err["loc"][0]).upper(), reason=err["msg"])
            for err in exc.errors()
        ]
        raise ConfigError("; ".join(lines)) from None
