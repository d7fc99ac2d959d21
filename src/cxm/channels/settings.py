"""Settings of the outbound channels (``CXM_SMTP_*``, ``CXM_SMS_*``, ``CXM_WECOM_*``,
``CXM_DINGTALK_*``). Secrets can also be given as ``CXM_<NAME>_FILE``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cxm.errors import ConfigError
from cxm.i18n import _

__all__ = ["ChannelSettings", "load_channel_settings"]

_SECRETS = ("smtp_password", "sms_auth_header", "wecom_webhook_url", "dingtalk_secret")


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXM_", extra="ignore")

    smtp_host: str = Field(default="", description="SMTP relay for e-mail.")
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP port.")
    smtp_from: str = Field(default="cxm@localhost", description="Sender address.")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="none",
        description="none (plain, e.g. a local relay), starttls (port 587) or ssl (port 465).",
    )
    smtp_user: str = Field(default="", description="Login name at the relay (empty: no login).")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="Password at the relay.")
    smtp_timeout: float = Field(default=30.0, gt=0, description="Seconds per SMTP exchange.")
    smtp_ca_file: str = Field(
        default="", description="CA bundle to trust for the relay's certificate (private CAs)."
    )
    sms_url: str = Field(
        default="",
        description="SMS gateway URL template; {to} and {text} are replaced (URL-encoded).",
    )
    sms_method: Literal["GET", "POST"] = Field(
        default="POST", description="POST sends a JSON body {to, text}; GET only the URL."
    )
    sms_auth_header: SecretStr = Field(
        default=SecretStr(""),
        description="Header sent to the gateway, e.g. 'Authorization: Bearer …'.",
    )
    sms_sender: str = Field(default="", description="Sender id or signature ({sender} in the URL).")
    wecom_webhook_url: SecretStr = Field(
        default=SecretStr(""), description="WeCom group robot URL (…/cgi-bin/webhook/send?key=…)."
    )
    dingtalk_webhook_url: str = Field(
        default="", description="DingTalk group robot URL (…/robot/send?access_token=…)."
    )
    dingtalk_secret: SecretStr = Field(
        default=SecretStr(""), description="DingTalk robot signing secret (SEC…), if set."
    )
    http_timeout: float = Field(default=15.0, gt=0, description="Seconds per HTTP send.")

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: object) -> object:
        if isinstance(data, dict):
            for name in _SECRETS:
                path = os.environ.get(f"CXM_{name.upper()}_FILE")
                if path and name not in data:
                    try:
                        data[name] = Path(path).read_text(encoding="utf-8").strip()
                    except OSError as exc:
                        raise ValueError(f"CXM_{name.upper()}_FILE: {exc}") from exc
        return data


def load_channel_settings(**overrides: object) -> ChannelSettings:
    try:
        return ChannelSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = [
            _("Setting CXM_{name}: {reason}", name=str(err["loc"][0]).upper(), reason=err["msg"])
            for err in exc.errors()
        ]
        raise ConfigError("; ".join(lines)) from None
