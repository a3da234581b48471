"""The one place that reads configuration.

Every process (Rasa server, action server, web app, CLI) builds a
:class:`Settings` from the environment, optionally after loading ``.env`` with
python-dotenv.  Validation happens here, once, so a missing or malformed value
fails at startup with an error that names the variable instead of surfacing
later as a confusing runtime fault.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Dict, Mapping, Optional, Tuple, TypeVar

import yaml
from dotenv import load_dotenv

from bot import _settings_values as values

__all__ = [
    "JURISDICTIONS",
    "Profile",
    "Settings",
    "SettingsError",
    "datamap_path",
    "datamap_variables",
    "load_settings",
    "settings_from_environ",
    "PROJECT_ROOT",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Jurisdictions with built-in deadline rules (``bot.tickets.deadlines``); each has ``TICKET_HOLIDAYS_<CODE>``.
JURISDICTIONS: Tuple[str, ...] = ("US-CA", "EU", "UK")

T = TypeVar("T")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names it."""


class Profile(str, enum.Enum):
    """Deployment profile: ``local`` is the one-machine embedded default."""

    LOCAL = "local"
    PRODUCTION = "production"


def _require(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"{name} is not set; add it to .env (see .env.example)")
    return value


def _optional(environ: Mapping[str, str], name: str, default: str = "") -> str:
    return environ.get(name, default).strip()


def _parse(environ: Mapping[str, str], name: str, default: str, parse: Callable[[str], T], what: str) -> T:
    raw = environ.get(name, default).strip() or default
    try:
        return parse(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from exc


def _jurisdiction(raw: str) -> str:
    """One of :data:`JURISDICTIONS` (any case); empty: the company's first jurisdiction, else US-CA."""
    code = raw.upper()
    if code and code not in JURISDICTIONS:
        raise ValueError("unknown jurisdiction")
    return code


def _log_retention_days(environ: Mapping[str, str]) -> int:
    """``LOG_RETENTION_DAYS``: at least 1; a value that is not a number keeps the default (logging must start)."""
    try:
        return max(1, int(environ.get("LOG_RETENTION_DAYS", "14")))
    except ValueError:
        return 14


def _keys(environ: Mapping[str, str], name: str) -> Tuple[str, ...]:
    keys = tuple(part.strip() for part in _require(environ, name).split(",") if part.strip())
    if not keys:
        raise SettingsError(f"{name} is not set; add it to .env (see .env.example)")
    return keys


@dataclass(frozen=True)
class Settings:
    """Validated configuration.  Build it with :func:`load_settings`."""

    profile: Profile
    rasa_port: int
    action_port: int
    web_port: int
    rasa_api_token: str
    action_server_token: str
    data_keys: Tuple[str, ...]
    index_key: str
    database_url: str
    tracker_database_url: str
    redis_url: str
    public_base_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_number: str
    twilio_api_base: str
    twilio_agent_number: str
    smtp_host: str
    smtp_port: int
    smtp_sender: str
    conversation_retention_days: int
    ticket_retention_days: int
    log_level: str
    var_dir: Path
    kb_dir: Path
    #: The operator's company profile file (``COMPANY_FILE``): completes what the policy states.
    company_file: Path = Path("company.yml")
    #: Where the Rasa server and the web app bind (``RASA_INTERFACE`` / ``WEB_INTERFACE``).
    rasa_interface: str = "127.0.0.1"
    web_interface: str = "127.0.0.1"
    #: The URL agents open the console at (``PUBLIC_CONSOLE_URL``); https makes its cookie Secure.
    public_console_url: str = ""
    #: The socket.io URL the chat page connects to (``PUBLIC_CHAT_SOCKET_URL``; empty: Rasa on RASA_PORT).
    public_chat_socket_url: str = ""
    #: An extra origin allowed to open the chat (``PUBLIC_WEB_ORIGIN``: Rasa's CORS, the page's CSP).
    public_web_origin: str = ""
    #: ``run-replicas``: replica i listens on this + i (``REPLICA_BASE_PORT``).
    replica_base_port: int = 5100
    #: Prefix of Rasa's lock keys in Redis (``REDIS_KEY_PREFIX``).
    redis_key_prefix: str = "privacydesk"
    #: Business days within which an agent replies to an escalation (``ESCALATION_REPLY_BUSINESS_DAYS``).
    escalation_reply_business_days: int = 2
    #: A Twilio Messaging Service that sends SMS when no TWILIO_NUMBER is set (``TWILIO_MESSAGING_SERVICE_SID``).
    twilio_messaging_service_sid: str = ""
    #: Seconds one Twilio API call may take (``TWILIO_TIMEOUT``).
    twilio_timeout_s: float = 10.0
    #: SMTP session: STARTTLS, login, seconds it may take (``SMTP_STARTTLS``, ``SMTP_USERNAME``, ``SMTP_PASSWORD``, ``SMTP_TIMEOUT``).
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_timeout_s: float = 10.0
    #: The fulfilment data map (``DATAMAP_FILE``, relative to the project; empty: ``datamap.yml``).
    datamap_file: str = ""
    #: The demo shop's database (``SHOP_DATABASE_URL``; empty: ``var/shop.db``).
    shop_database_url: str = ""
    #: Each process also logs (masked) to ``<LOG_DIR>/<process>.log``, rotated daily, ``LOG_RETENTION_DAYS`` kept.
    log_dir: str = ""
    log_retention_days: int = 14
    #: The variables the data map names for its systems (``url_env``, ``secret_env``) and their values.
    system_variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: ``TICKET_DEFAULT_JURISDICTION`` (empty: the company's first jurisdiction, else US-CA).
    ticket_default_jurisdiction: str = ""
    #: Extra non-business days per jurisdiction code (``TICKET_HOLIDAYS_US_CA``, ``_EU``, ``_UK``).
    ticket_holidays: Mapping[str, Tuple[date, ...]] = field(default_factory=dict)
    #: At-risk reminders this many days before a respond-by date, 0: off (``NOTICE_AT_RISK_DAYS``) ...
    notice_at_risk_days: int = 3
    #: ... to this address (``NOTICE_AGENT_EMAIL``; empty: ``SMTP_SENDER``).
    notice_agent_email: str = ""
    #: The policy file ``privacy-desk kb check|reload`` reads without ``--source`` (``POLICY``, else ``KB_SOURCE``).
    kb_source: str = ""
    # Abuse limits at the public edge (README "Security"): (count, window seconds).
    channel_rate_per_conversation: Tuple[int, int] = (30, 60)
    channel_rate_per_client: Tuple[int, int] = (60, 60)
    channel_new_conversations_per_client: Tuple[int, int] = (20, 600)
    channel_rate_global: Tuple[int, int] = (6000, 60)
    request_max_bytes: int = 1024 * 1024
    request_body_timeout_s: int = 10
    keep_alive_timeout_s: int = 5
    #: Countries whose phone numbers may be texted a one-time code (ISO 3166 alpha-2; ``SMS_CODE_COUNTRIES``).
    sms_code_countries: Tuple[str, ...] = ("US",)
    #: One-time code sends: per conversation, per client address, globally (per channel), per destination
    #: in a short window and a day.
    code_send_limit_conversation: Tuple[int, int] = (5, 3600)
    code_send_limit_client: Tuple[int, int] = (10, 3600)
    code_send_limit_global: Tuple[int, int] = (300, 3600)
    code_send_limit_destination: Tuple[int, int] = (3, 3600)
    code_send_limit_destination_daily: Tuple[int, int] = (10, 86400)
    #: Status checks: the first lockout of a reference lasts this long, each next one 4x longer ...
    status_lockout_base_s: int = 900
    #: ... and after this many lockouts in a day, none until the day's window ends.
    status_lockouts_per_day: int = 3
    #: ``REST_CHANNEL_ENABLED`` as set (None: the profile decides, see :attr:`rest_channel_enabled`).
    rest_channel_switch: Optional[bool] = None
    #: ``REST_CHANNEL_PUBLIC``: the load balancer exposes ``/webhooks/rest/`` (see :attr:`rest_channel_public`).
    rest_channel_public_switch: bool = False
    #: Reverse proxies (``TRUSTED_PROXIES``) whose ``X-Forwarded-For`` names the real client.
    #: Empty (the default): the peer address is the client.  Set it when the web app sits
    #: behind a proxy on another host, or every agent would share the proxy's address in
    #: the per-address limits (failed sign-ins, failed API authentications).
    trusted_proxies: Tuple[str, ...] = ()
    #: ``OUTBOX_DISABLED``: the local profile sends SMS and e-mail for real instead of to the outbox.
    outbox_disabled: bool = False
    #: ``/api/v1``: requests per token, failed authentications per address (``API_RATE_LIMIT``,
    #: ``API_AUTH_FAILURE_LIMIT``).
    api_rate_limit: Tuple[int, int] = (300, 60)
    api_auth_failure_limit: Tuple[int, int] = (20, 300)

    @property
    def is_local(self) -> bool:
        return self.profile is Profile.LOCAL

    @property
    def rest_channel_enabled(self) -> bool:
        """REST is on in the local profile; production turns it on only with ``REST_CHANNEL_ENABLED=true``.

        That switch is for load tests and private-network probes (the load balancer
        template does not expose ``/webhooks/rest/``): REST lets the caller choose the
        conversation id, so it must never face the public in production.
        """
        return self.is_local if self.rest_channel_switch is None else self.rest_channel_switch

    @property
    def rest_channel_public(self) -> bool:
        """The load balancer (``deploy/nginx``) exposes ``/webhooks/rest/`` only with ``REST_CHANNEL_PUBLIC=true``.

        Enabling REST on the replicas (``REST_CHANNEL_ENABLED``) is not exposing it: load
        tests and probes reach a replica's own port on the private network.
        """
        return self.rest_channel_enabled and self.rest_channel_public_switch

    @property
    def outbox_enabled(self) -> bool:
        """The local profile keeps every outgoing SMS and e-mail in an outbox instead of sending it."""
        return self.is_local and not self.outbox_disabled


def _profile(raw: str) -> Profile:
    return Profile(raw.lower())


def datamap_path(datamap_file: str) -> Path:
    """``DATAMAP_FILE`` (relative to the project; absolute stays absolute), else ``datamap.yml`` at the project root."""
    return PROJECT_ROOT / (datamap_file or "datamap.yml")


def _datamap_text(environ: Mapping[str, str]) -> str:
    """The data map's text, or empty when it cannot be read (fulfilment's own check reports that)."""
    try:
        return datamap_path(_optional(environ, "DATAMAP_FILE")).read_text(encoding="utf-8")
    except OSError:
        return ""


def datamap_variables(map_text: str, environ: Mapping[str, str]) -> Dict[str, str]:
    """The variables a data map names for its systems (``url_env``, ``secret_env``) that are set, with their values.

    The map names its systems' URLs and webhook secrets by variable so they stay out of
    the reviewed file; they are read here, with the rest of the configuration, and the
    connectors take them from :attr:`Settings.system_variables`.  A map that does not
    parse names none: the fulfilment check refuses it with its file and line.
    """
    try:
        document = yaml.safe_load(map_text) if map_text else None
    except yaml.YAMLError:
        return {}
    systems = document.get("systems") if isinstance(document, dict) else None
    names = {
        value
        for system in (systems.values() if isinstance(systems, dict) else ())
        if isinstance(system, dict)
        for key, value in system.items()
        if key in ("url_env", "secret_env") and isinstance(value, str)
    }
    return {name: _optional(environ, name) for name in sorted(names) if _optional(environ, name)}


def settings_from_environ(environ: Mapping[str, str]) -> Settings:
    """Validate ``environ`` into :class:`Settings` (no file access; easy to test)."""
    var_dir = Path(_optional(environ, "VAR_DIR") or str(PROJECT_ROOT / "var"))
    profile = _parse(environ, "PROFILE", "local", _profile, "'local' or 'production'")
    default_db = f"sqlite:///{var_dir / 'privacy_desk.db'}"
    default_tracker_db = f"sqlite:///{var_dir / 'conversations.db'}"
    log_level = _optional(environ, "LOG_LEVEL", "INFO").upper() or "INFO"
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {log_level!r}")
    settings = Settings(
        profile=profile,
        rasa_port=_parse(environ, "RASA_PORT", "5005", values.port, "a TCP port number"),
        action_port=_parse(environ, "ACTION_PORT", "5055", values.port, "a TCP port number"),
        web_port=_parse(environ, "WEB_PORT", "8000", values.port, "a TCP port number"),
        rasa_api_token=_require(environ, "RASA_API_TOKEN"),
        action_server_token=_require(environ, "ACTION_SERVER_TOKEN"),
        data_keys=_keys(environ, "DATA_KEYS"),
        index_key=_require(environ, "INDEX_KEY"),
        database_url=_optional(environ, "DATABASE_URL") or default_db,
        tracker_database_url=_optional(environ, "TRACKER_DATABASE_URL")
        or _optional(environ, "DATABASE_URL")
        or default_tracker_db,
        redis_url=_optional(environ, "REDIS_URL"),
        public_base_url=(_optional(environ, "PUBLIC_BASE_URL") or "http://localhost:5005").rstrip("/"),
        twilio_account_sid=_optional(environ, "TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_optional(environ, "TWILIO_AUTH_TOKEN"),
        twilio_number=_optional(environ, "TWILIO_NUMBER"),
        twilio_api_base=_optional(environ, "TWILIO_API_BASE"),
        twilio_agent_number=_optional(environ, "TWILIO_AGENT_NUMBER"),
        smtp_host=_optional(environ, "SMTP_HOST", "127.0.0.1"),
        smtp_port=_parse(environ, "SMTP_PORT", "25", values.port, "a TCP port number"),
        smtp_sender=_optional(environ, "SMTP_SENDER", "privacy-desk@localhost"),
        conversation_retention_days=_parse(
            environ, "CONVERSATION_RETENTION_DAYS", "30", values.positive_int, "a positive whole number of days"
        ),
        ticket_retention_days=_parse(
            environ, "TICKET_RETENTION_DAYS", "730", values.positive_int, "a positive whole number of days"
        ),
        log_level=log_level,
        var_dir=var_dir,
        kb_dir=Path(_optional(environ, "KB_DIR") or str(var_dir / "kb")),
        company_file=PROJECT_ROOT / (_optional(environ, "COMPANY_FILE") or "company.yml"),  # absolute stays absolute
        rasa_interface=_optional(environ, "RASA_INTERFACE") or "127.0.0.1",
        web_interface=_optional(environ, "WEB_INTERFACE") or "127.0.0.1",
        public_console_url=_optional(environ, "PUBLIC_CONSOLE_URL"),
        public_chat_socket_url=_optional(environ, "PUBLIC_CHAT_SOCKET_URL"),
        public_web_origin=_optional(environ, "PUBLIC_WEB_ORIGIN"),
        replica_base_port=_parse(environ, "REPLICA_BASE_PORT", "5100", values.port, "a TCP port number"),
        redis_key_prefix=_optional(environ, "REDIS_KEY_PREFIX") or "privacydesk",
        escalation_reply_business_days=_parse(
            environ,
            "ESCALATION_REPLY_BUSINESS_DAYS",
            "2",
            values.positive_int,
            "a positive whole number of business days",
        ),
        twilio_messaging_service_sid=_optional(environ, "TWILIO_MESSAGING_SERVICE_SID"),
        twilio_timeout_s=_parse(
            environ, "TWILIO_TIMEOUT", "10", values.positive_seconds, "a positive number of seconds"
        ),
        smtp_starttls=_parse(environ, "SMTP_STARTTLS", "false", values.boolean, "true or false"),
        smtp_username=_optional(environ, "SMTP_USERNAME"),
        smtp_password=environ.get("SMTP_PASSWORD", ""),
        smtp_timeout_s=_parse(environ, "SMTP_TIMEOUT", "10", values.positive_seconds, "a positive number of seconds"),
        datamap_file=_optional(environ, "DATAMAP_FILE"),
        shop_database_url=_optional(environ, "SHOP_DATABASE_URL"),
        log_dir=_optional(environ, "LOG_DIR"),
        log_retention_days=_log_retention_days(environ),
        system_variables=datamap_variables(_datamap_text(environ), environ),
        ticket_default_jurisdiction=_parse(
            environ, "TICKET_DEFAULT_JURISDICTION", "", _jurisdiction, f"one of {', '.join(JURISDICTIONS)}"
        ),
        ticket_holidays={
            code: _parse(
                environ,
                "TICKET_HOLIDAYS_" + code.replace("-", "_"),
                "",
                values.dates,
                "comma-separated YYYY-MM-DD dates",
            )
            for code in JURISDICTIONS
        },
        notice_at_risk_days=_parse(
            environ, "NOTICE_AT_RISK_DAYS", "3", values.whole_number, "a whole number of days (0: off)"
        ),
        notice_agent_email=_optional(environ, "NOTICE_AGENT_EMAIL"),
        kb_source=_optional(environ, "POLICY") or _optional(environ, "KB_SOURCE"),
        channel_rate_per_conversation=_parse(
            environ, "CHANNEL_RATE_PER_CONVERSATION", "30/60", values.rate, "COUNT/SECONDS (e.g. 30/60)"
        ),
        channel_rate_per_client=_parse(
            environ, "CHANNEL_RATE_PER_CLIENT", "60/60", values.rate, "COUNT/SECONDS (e.g. 60/60)"
        ),
        channel_new_conversations_per_client=_parse(
            environ, "CHANNEL_NEW_CONVERSATIONS_PER_CLIENT", "20/600", values.rate, "COUNT/SECONDS (e.g. 20/600)"
        ),
        channel_rate_global=_parse(
            environ, "CHANNEL_RATE_GLOBAL", "6000/60", values.rate, "COUNT/SECONDS (e.g. 6000/60)"
        ),
        request_max_bytes=_parse(
            environ, "REQUEST_MAX_BYTES", "1048576", values.positive_int, "a positive number of bytes"
        ),
        request_body_timeout_s=_parse(
            environ, "REQUEST_BODY_TIMEOUT", "10", values.positive_int, "a positive whole number of seconds"
        ),
        keep_alive_timeout_s=_parse(
            environ, "KEEP_ALIVE_TIMEOUT", "5", values.positive_int, "a positive whole number of seconds"
        ),
        sms_code_countries=_parse(
            environ, "SMS_CODE_COUNTRIES", "US", values.countries, "comma-separated ISO country codes (US,CA)"
        ),
        code_send_limit_conversation=_parse(
            environ, "CODE_SEND_LIMIT_CONVERSATION", "5/3600", values.rate, "COUNT/SECONDS (e.g. 5/3600)"
        ),
        code_send_limit_client=_parse(
            environ, "CODE_SEND_LIMIT_CLIENT", "10/3600", values.rate, "COUNT/SECONDS (e.g. 10/3600)"
        ),
        code_send_limit_global=_parse(
            environ, "CODE_SEND_LIMIT_GLOBAL", "300/3600", values.rate, "COUNT/SECONDS (e.g. 300/3600)"
        ),
        code_send_limit_destination=_parse(
            environ, "CODE_SEND_LIMIT_DESTINATION", "3/3600", values.rate, "COUNT/SECONDS (e.g. 3/3600)"
        ),
        code_send_limit_destination_daily=_parse(
            environ, "CODE_SEND_LIMIT_DESTINATION_DAILY", "10/86400", values.rate, "COUNT/SECONDS (e.g. 10/86400)"
        ),
        status_lockout_base_s=_parse(
            environ, "STATUS_LOCKOUT_BASE", "900", values.positive_int, "a positive whole number of seconds"
        ),
        status_lockouts_per_day=_parse(
            environ, "STATUS_LOCKOUTS_PER_DAY", "3", values.positive_int, "a positive whole number"
        ),
        rest_channel_switch=_parse(environ, "REST_CHANNEL_ENABLED", "", values.optional_boolean, "true or false"),
        rest_channel_public_switch=_parse(environ, "REST_CHANNEL_PUBLIC", "false", values.boolean, "true or false"),
        trusted_proxies=_parse(
            environ,
            "TRUSTED_PROXIES",
            "",
            values.networks,
            "comma-separated IP addresses or networks (10.0.0.5, 10.1.0.0/16)",
        ),
        outbox_disabled=_parse(environ, "OUTBOX_DISABLED", "false", values.boolean, "true or false"),
        api_rate_limit=_parse(environ, "API_RATE_LIMIT", "300/60", values.rate, "COUNT/SECONDS (e.g. 300/60)"),
        api_auth_failure_limit=_parse(
            environ, "API_AUTH_FAILURE_LIMIT", "20/300", values.rate, "COUNT/SECONDS (e.g. 20/300)"
        ),
    )
    if settings.profile is Profile.PRODUCTION:
        for name, value in (("DATABASE_URL", _optional(environ, "DATABASE_URL")), ("REDIS_URL", settings.redis_url)):
            if not value:
                raise SettingsError(f"{name} is required in the production profile")
    return settings


def load_settings(
    env_file: Optional[Path] = None,
    environ: Optional[Mapping[str, str]] = None,
    overrides: Optional[Mapping[str, str]] = None,
) -> Settings:
    """Load ``.env`` (without overriding real environment variables) and validate.

    Tests pass ``environ`` explicitly; processes call it with no arguments.
    ``overrides`` win over both (a command-line option naming a variable's value).
    """
    if environ is None:
        load_dotenv(env_file or PROJECT_ROOT / ".env", override=False)
        environ = os.environ
    return settings_from_environ({**environ, **overrides} if overrides else environ)
