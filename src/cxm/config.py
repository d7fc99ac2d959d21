"""Settings, read from the environment (prefix ``CXM_``), twelve-factor style."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cxm.errors import ConfigError
from cxm.i18n import _

__all__ = ["PLACEHOLDER_SECRET", "Settings", "load_settings"]

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the value refused outside development


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
    lang: str = Field(
        default="", description="Default language (en, zh-CN, zh-TW); empty: from `LANG`."
    )
    # Minimum group sizes, one family: below them a result is not shown at all.
    min_n: int = Field(
        default=30,
        ge=1,
        description="Customer results: groups with fewer answers show 'too few answers'.",
    )
    employee_min_group: int = Field(
        default=5,
        ge=3,
        description="Employee results: no result for fewer people (never below 3, so that "
        "nobody's answer can be worked out).",
    )
    min_text_group: int = Field(
        default=5,
        ge=1,
        description="Shown texts: a team's or unit's comments appear only when it has this "
        "many answers.",
    )
    max_body_bytes: int = Field(default=1_000_000, ge=1024, description="Largest request body.")
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public address used in survey links."
    )
    smtp_host: str = Field(
        default="",
        description="SMTP server for survey e-mails (`cxm waves send`); empty: no e-mail.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    smtp_from: str = Field(default="cxm@localhost", description="Sender of survey e-mails.")
    timezone: str = Field(
        default="Asia/Shanghai",
        description="Company time zone (IANA name) for dates people see; times are stored in UTC.",
    )
    worker_nice: int = Field(
        default=0,
        ge=0,
        le=19,
        description="`cxm worker` lowers its own CPU priority by this much (Unix nice) so that "
        "background jobs yield the processor to web requests and survey saves on a busy "
        "machine; `--nice` overrides; 0: unchanged.",
    )
    jobs_keep_days: int = Field(
        default=14,
        ge=0,
        description="Done jobs are deleted from the outbox this many days after they "
        "finished (daily by the worker's jobs.prune, or `cxm jobs prune`); dead, queued and "
        "running jobs are kept for inspection; 0: keep every job.",
    )
    calendar_file: str = Field(
        default="",
        description="YAML of days off and make-up working days added to mainland China's "
        "holiday calendar for business-hour case clocks (see `cxm cases calendar`).",
    )
    # Hardening (issue 21): proxies, backups, personal data, logins, logs.
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses (or *) of reverse proxies whose "
        "X-Forwarded-For / X-Forwarded-Proto are believed; empty: none.",
    )
    backup_dir: str = Field(
        default="backups", description="Where `cxm backup` and `cxm db upgrade` put backups."
    )
    data_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key for ID-card and bank-card numbers: 32 random bytes, base64 "
        "(`python -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())'`).",
    )
    data_key_previous: SecretStr = Field(
        default=SecretStr(""),
        description="While a key rotation runs: the earlier CXM_DATA_KEY (comma-separated if "
        "several), still accepted for reading; `cxm privacy rotate-key` re-encrypts under "
        "CXM_DATA_KEY, then remove this.",
    )
    retention_days: dict[str, int] = Field(
        default_factory=dict,
        description='Days each kind of data is kept, as JSON: {"responses": 1095, '
        '"touchpoints": 730, "purchases": 1825, "login_attempts": 90, "backups": 30, '
        '"inactive_customers": 1825}; a kind not named is kept.',
    )
    redis_url: str = Field(
        default="",
        description="Redis for the sign-in throttle's counts (redis://host:6379/0); empty: "
        "the database counts.",
    )
    log_json: bool = Field(default=False, description="Write logs as one JSON object a line.")
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token Prometheus sends to /metrics; empty: loopback clients only.",
    )
    body_timeout_s: float = Field(
        default=30.0, gt=0, description="Seconds a client may take to send a request body."
    )
    # Where the per-customer aggregations run (issue 22, docs/scale.md).
    compute: Literal["store", "duckdb", "spark"] = Field(
        default="store",
        description="Engine of the per-customer aggregations: store (SQL in the database), "
        "duckdb or spark (docs/scale.md).",
    )
    compute_source: str = Field(
        default="",
        description="For duckdb/spark: a folder of purchases.parquet (or .csv, or a folder "
        "purchases/ of Parquet files; likewise touchpoints…) or a DuckDB file; empty: the "
        "store's tables.",
    )
    duckdb_threads: int = Field(default=0, ge=0, description="DuckDB threads; 0: all cores.")
    duckdb_memory_limit: str = Field(
        default="", description="DuckDB memory limit (e.g. 8GB); empty: DuckDB's 80 % of RAM."
    )
    duckdb_pass_lines: int = Field(
        default=0,
        ge=0,
        description="DuckDB: per-customer aggregations over more order lines than this run "
        "in passes over customer-id ranges; 0: the memory limit / 320 bytes.",
    )
    spark_url: str = Field(
        default="local[*]",
        description="Spark master: local[*], or a Spark Connect URL sc://host:15002.",
    )
    spark_driver_memory: str = Field(
        default="4g", description="Spark driver memory (Spark's 1g default is too small)."
    )
    spark_shuffle_partitions: int = Field(
        default=0,
        ge=0,
        description="Spark local: shuffle partitions; 0: twice the cores (Spark's 200 are "
        "for a cluster).",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: object) -> object:
        import os

        if isinstance(data, dict):
            for name in (
                "secret_key",
                "database_url",
                "data_key",
                "data_key_previous",
                "metrics_token",
            ):
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
