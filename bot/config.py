"""Configuration from ISPBOT_* environment variables and an optional `.env` file.

Validated once at start; every bad value is reported with its variable name.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProviderName(StrEnum):
    SANDBOX = "sandbox"
    FONNTE = "fonnte"
    WABLAS = "wablas"
    WOOWA = "woowa"
    CLOUDAPI = "cloudapi"
    WAHA = "waha"
    EVOLUTION = "evolution"


class ConfigError(Exception):
    """The configuration cannot be used; the message names each bad variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ISPBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./ispbot.db"
    provider: ProviderName = ProviderName.SANDBOX
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str | None = None
    webhook_secret: str | None = None
    metrics_token: str | None = None  # /metrics for callers not on this machine, as a bearer token
    isp_name: str = "AGLIS Net"
    cs_phone: str = "081200000800"
    timezone: str = "Asia/Jakarta"
    locale: str = "id"
    data_dir: Path = Path("./var")
    customer_id_prefix: str = "AGLS"
    admin_password: str | None = None

    # Conversations
    reminder_after_minutes: list[int] = [60, 23 * 60]
    draft_expiry_hours: int = Field(72, ge=1)
    installation_horizon_days: int = Field(30, ge=1, le=365)

    # Billing and documents (issue: self-service)
    billing_day: int = Field(1, ge=1, le=28)  # day of the month invoices are issued
    invoice_due_days: int = Field(19, ge=1, le=60)  # due date = issue date + this
    invoice_reminder_offsets: list[int] = [-3, 0, 3]  # days relative to the due date
    invoice_reminder_hour: int = Field(9, ge=0, le=20)  # reminders go out from this local hour to 21.00
    payment_methods: list[str] = [
        "Transfer bank BCA 1234567890 a.n. PT Contoh Net",
        "Tunai di kantor kami: sebutkan nomor invoice",
    ]  # set your own: a QRIS or virtual account line only where the ISP has one
    payment_url: str = ""  # where customers pay, shown as a QR code; empty = the invoice number
    document_link_days: int = Field(7, ge=1, le=90)  # signed invoice links expire after this

    # Talking to a human
    office_hours: str = "Senin–Sabtu 08.00–17.00 WIB"
    handoff_wait_minutes: int = Field(15, ge=1)  # the wait the customer is told
    handoff_timeout_minutes: int = Field(120, ge=5)  # untouched handoffs return to the bot

    # Daily operations and data protection (UU 27/2022 PDP)
    sla_pending_hours: int = Field(24, ge=1)  # pending verification longer than this → CS alert
    sla_alert_to: str | None = None  # CS number or gateway group id; default ISPBOT_CS_PHONE
    digest_hour: int = Field(7, ge=0, le=23)  # local hour (ISPBOT_TIMEZONE) of the daily digest
    retention_days: int = Field(90, ge=1)  # NIK + KTP photo of rejected/cancelled registrations
    # Delivered outbox / processed inbox rows; at least 7 days, Meta's webhook retry window.
    message_retention_days: int = Field(30, ge=7)
    data_key: str | None = None  # base64 32-byte key for KTP photos; default derived from the secret key
    data_key_previous: str | None = None  # old keys, still read while the ktp-encrypt job rewrites

    # Outbox
    outbox_max_attempts: int = Field(12, ge=1)
    # How long a sender may hold a claimed row; after that (the sender died) another
    # sender takes it. Must exceed the gateway timeout (15 s).
    outbox_lease_seconds: int = Field(30, ge=2)

    # Gateways: the base URL of each is overridable so tests can use a local fake gateway.
    fonnte_token: str | None = None
    fonnte_base_url: str = "https://api.fonnte.com"
    wablas_token: str | None = None
    wablas_secret_key: str | None = None
    wablas_base_url: str = "https://solo.wablas.com"
    woowa_token: str | None = None
    woowa_base_url: str = "https://notifapi.com"
    cloudapi_token: str | None = None
    cloudapi_base_url: str = "https://graph.facebook.com/v21.0"
    cloudapi_app_secret: str | None = None
    cloudapi_verify_token: str | None = None
    cloudapi_phone_number_id: str | None = None
    cloudapi_waba_id: str | None = None  # the WhatsApp Business Account: `ispbot whatsapp-templates --submit`
    waha_base_url: str = "http://127.0.0.1:3000"
    waha_api_key: str | None = None
    waha_session: str = "default"
    waha_hmac_key: str | None = None
    evolution_base_url: str = "http://127.0.0.1:8081"
    evolution_api_key: str | None = None
    evolution_instance: str = "ispbot"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must be an async SQLAlchemy URL: sqlite+aiosqlite:///./ispbot.db "
                "or postgresql+asyncpg://user@host/db"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("metrics_token")
    @classmethod
    def _bearer_token(cls, value: str | None) -> str | None:
        """Sent by Prometheus as `Authorization: Bearer <token>`: one header word, long
        enough not to be guessed."""
        if not value:
            return None
        if len(value) < 16 or not all(c.isascii() and c.isprintable() and not c.isspace() for c in value):
            raise ValueError("must be at least 16 characters, no spaces (e.g. openssl rand -hex 32)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Jakarta)") from exc
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in ("id", "en"):
            raise ValueError("must be id or en")
        return value

    @field_validator("customer_id_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not value.isalnum() or not 1 <= len(value) <= 8:
            raise ValueError("must be 1 to 8 letters or digits, e.g. AGLS")
        return value.upper()

    @field_validator("data_key")
    @classmethod
    def _data_key(cls, value: str | None) -> str | None:
        if value:
            from ispbot.ktp_encryption import parse_data_key

            parse_data_key(value)
        return value or None

    @field_validator("data_key_previous")
    @classmethod
    def _previous_keys(cls, value: str | None) -> str | None:
        if value:
            from ispbot.ktp_encryption import parse_previous_keys

            parse_previous_keys(value)
        return value or None

    @field_validator("office_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        from ispbot.office_hours import OfficeHours

        OfficeHours.parse(value)  # OfficeHoursError is a ValueError: reported with the variable name
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read and validate the configuration, or raise ConfigError naming every bad value."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "ISPBOT_" + "_".join(str(p) for p in error["loc"]).upper()
            lines.append(f"  {name}: {error['msg']}")
        raise ConfigError("invalid configuration:\n" + "\n".join(lines)) from None
    if settings.secret_key is None:
        settings.secret_key = _stored_secret_key(settings.data_dir)
    return settings


def _stored_secret_key(data_dir: Path) -> str:
    """The secret key generated on first run and kept in the data directory."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
