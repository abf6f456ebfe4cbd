"""One typed settings object, read from the environment.

Every value has an embedded default so that `make run` works on a bare machine:
a SQLite file under `data/`, no Redis, emails kept in the outbox, the sandbox
payment gateway. Scale-out replaces them through environment variables.
"""

from __future__ import annotations

import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The gateways' official browser scripts: Bambora (Worldline NA) Custom Checkout, and Forte.js
# live and sandbox.
BAMBORA_CHECKOUT_JS_URL = "https://libs.na.bambora.com/customcheckout/1/customcheckout.js"
FORTE_JS_URL_LIVE = "https://api.forte.net/js/v1"
FORTE_JS_URL_SANDBOX = "https://sandbox.forte.net/api/js/v1"


DEFAULT_PUBLIC_URL = "http://localhost:3000"


def own_origin(public_url: str | None = None) -> str:
    """The app's own web origin (`scheme://host[:port]` of PUBLIC_URL): the only one CORS
    answers (rxconfig.py). Read from the environment when not given (rxconfig runs before
    the settings exist)."""
    parts = urlsplit((public_url or os.environ.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL).strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def _data_dir() -> Path:
    path = Path(os.environ.get("GIFTNET_DATA_DIR", PROJECT_ROOT / "data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into data/ (never committed)."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    public_url: str
    smtp_url: str | None
    mail_from: str
    session_ttl_hours: int
    login_max_failures: int
    login_window_minutes: int
    data_dir: Path
    # Card look-ups by code: failed attempts allowed per caller (API key, device) and
    # per client address within the window, before 429 with Retry-After.
    lookup_failures_per_caller: int = 30
    lookup_failures_per_ip: int = 60
    lookup_window_seconds: int = 600
    # All addresses together, per network (app/services/core/card_guessing.py): enforced only on
    # an address past its own first LOOKUP_FREE_FAILURES_PER_IP failures, so others cannot lock it out.
    lookup_failures_per_network: int = 600
    lookup_free_failures_per_ip: int = 3
    # Emails to addresses the operator chose (cards, activation links, invitations) per sliding
    # hour; lower during an operator's first days (app/services/messaging/email_quota.py).
    email_quota_per_hour: int = 500
    email_quota_per_hour_new: int = 50
    email_quota_new_days: int = 7
    # Links whose token is the credential (card page, activation, invitation): unknown tokens
    # opened per client address within the window, before the address must wait.
    link_failures_per_ip: int = 20
    link_window_seconds: int = 600
    # Prefix of this app's own Redis keys (rate limits), so deployments can share a Redis.
    redis_prefix: str = "giftnet:"
    # Addresses of our own reverse proxies: behind them the client is read from X-Forwarded-For.
    trusted_proxies: tuple[str, ...] = ()
    # How long a location's device activation link works.
    activation_link_ttl_hours: float = 72
    # How long a payment the POS pushed waits on the screens before it expires unclaimed.
    pos_payment_ttl_minutes: float = 15
    # Where the background jobs run: `workers` (every app worker) or `off` (`python -m app.cli
    # jobs` runs them); app/background.py refuses any other value at start.
    background_jobs: str = "workers"
    # The gateways' browser scripts that turn a card into a one-time token on the pay step
    # (tests point them at local stand-ins); the shop pages' Content-Security-Policy allows
    # exactly their origins.
    bambora_checkout_js_url: str = BAMBORA_CHECKOUT_JS_URL
    forte_js_url_live: str = FORTE_JS_URL_LIVE
    forte_js_url_sandbox: str = FORTE_JS_URL_SANDBOX
    # How long a charge may take at Bambora or Forte before its answer counts as lost (the
    # order is then looked up before any retry, never charged twice).
    gateway_timeout_seconds: float = 30.0
    # Requests to URLs and hosts an operator typed (webhooks, gateway and Clover API addresses,
    # SFTP) may reach loopback and private addresses: development and tests against local
    # stand-ins only (app/integrations/outbound.py). Off in production.
    allow_internal_urls: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@functools.cache
def get_settings() -> Settings:
    data_dir = _data_dir()
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'giftnet.db'}",
        redis_url=os.environ.get("REDIS_URL") or None,
        secret_key=_secret_key(data_dir),
        public_url=(os.environ.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
        smtp_url=os.environ.get("SMTP_URL") or None,
        mail_from=os.environ.get("MAIL_FROM") or "Giftnet <no-reply@giftnet.local>",
        session_ttl_hours=int(os.environ.get("SESSION_TTL_HOURS", "12")),
        login_max_failures=int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        login_window_minutes=int(os.environ.get("LOGIN_WINDOW_MINUTES", "15")),
        data_dir=data_dir,
        lookup_failures_per_caller=int(os.environ.get("LOOKUP_FAILURES_PER_CALLER", "30")),
        lookup_failures_per_ip=int(os.environ.get("LOOKUP_FAILURES_PER_IP", "60")),
        lookup_window_seconds=int(os.environ.get("LOOKUP_WINDOW_SECONDS", "600")),
        lookup_failures_per_network=int(os.environ.get("LOOKUP_FAILURES_PER_NETWORK", "600")),
        lookup_free_failures_per_ip=int(os.environ.get("LOOKUP_FREE_FAILURES_PER_IP", "3")),
        email_quota_per_hour=int(os.environ.get("EMAIL_QUOTA_PER_HOUR", "500")),
        email_quota_per_hour_new=int(os.environ.get("EMAIL_QUOTA_PER_HOUR_NEW", "50")),
        email_quota_new_days=int(os.environ.get("EMAIL_QUOTA_NEW_DAYS", "7")),
        link_failures_per_ip=int(os.environ.get("LINK_FAILURES_PER_IP", "20")),
        link_window_seconds=int(os.environ.get("LINK_WINDOW_SECONDS", "600")),
        redis_prefix=os.environ.get("REDIS_PREFIX") or "giftnet:",
        trusted_proxies=tuple(
            address.strip() for address in os.environ.get("TRUSTED_PROXIES", "").split(",") if address.strip()
        ),
        activation_link_ttl_hours=float(os.environ.get("ACTIVATION_LINK_TTL_HOURS", "72")),
        pos_payment_ttl_minutes=float(os.environ.get("POS_PAYMENT_TTL_MINUTES", "15")),
        background_jobs=(os.environ.get("BACKGROUND_JOBS") or "workers").strip().lower(),
        bambora_checkout_js_url=(os.environ.get("BAMBORA_CHECKOUT_JS_URL") or BAMBORA_CHECKOUT_JS_URL).strip(),
        forte_js_url_live=(os.environ.get("FORTE_JS_URL_LIVE") or FORTE_JS_URL_LIVE).strip(),
        forte_js_url_sandbox=(os.environ.get("FORTE_JS_URL_SANDBOX") or FORTE_JS_URL_SANDBOX).strip(),
        gateway_timeout_seconds=float(os.environ.get("GATEWAY_TIMEOUT_SECONDS") or "30"),
        allow_internal_urls=(os.environ.get("ALLOW_INTERNAL_URLS") or "").strip().lower() in ("1", "true", "yes"),
    )
