"""Settings for Golden Thread.

Every value can be set from the environment. Development works with nothing set; production
refuses to start without a real SECRET_KEY (see ``ProductionConfig.validate``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value and value.strip() else default


def database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip() or default
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver spelt out.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def base_url(environ: Mapping[str, str] | None = None) -> str:
    """The service's public address, for links in mail: BASE_URL without a trailing slash, or the
    development server's default address when it is unset or empty (`make run` sets it from PORT)."""
    environ = os.environ if environ is None else environ
    return ((environ.get("BASE_URL") or "").strip() or "http://127.0.0.1:5000").rstrip("/")


def development_secret_key() -> str:
    """A per-machine key kept in instance/, so no key is committed and sessions survive restarts."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    ENV_NAME = "base"
    SERVICE_NAME = "Golden Thread"
    LA_NAME = os.environ.get("LA_NAME", "Fenmoor Borough Council")
    LA_CODE = os.environ.get("LA_CODE", "883")
    SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "school.improvement@fenmoor.example.org")

    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{INSTANCE_DIR / 'golden_thread.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Seconds a write on SQLite waits for another to finish before the person is told the service
    # is busy (503). Writes take their turn at BEGIN IMMEDIATE (app/__init__.py).
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "15"))

    # Request bodies above this are answered with 413; the GIAS import sets its own larger cap.
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH
    # A national GIAS extract is about 60 MB; its upload route alone takes up to this.
    GIAS_MAX_UPLOAD_BYTES = env_int("GIAS_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
    # A national key stage 2 performance tables file is about 20 MB; the DfE data import takes up to this.
    DATA_MAX_UPLOAD_BYTES = env_int("DATA_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
    SCHOOLS_PER_PAGE = 50

    # The return types this service collects: one package each, in the order officers see them.
    RETURN_TYPES = ("app.returns.sef", "app.returns.wellbeing", "app.returns.careers")

    # CSRF tokens live as long as the session, so a long form never loses its post to an expired token.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    SESSION_COOKIE_NAME = "golden_thread_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12))
    # The cookie's expiry is set once, at sign-in: it is the absolute limit, not renewed by activity.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Werkzeug's scrypt; tests lower the cost so the suite stays fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    # Generous per address: a whole school's staff may share one public address.
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "30 per 5 minutes;200 per hour")

    # Accounts (see SECURITY.md for why these values).
    # Links in mail are built from this, never from the request's Host header. `make run` sets it
    # from PORT when it is not set (the Makefile); an empty value counts as not set.
    BASE_URL = base_url()
    INVITATION_HOURS = env_int("INVITATION_HOURS", 72)
    RESET_MINUTES = env_int("RESET_MINUTES", 60)
    # Mail about an account: at most this many links per account per hour (per address: RESET_REQUEST_RATE_LIMIT).
    ACCOUNT_MAIL_PER_HOUR = env_int("ACCOUNT_MAIL_PER_HOUR", 3)
    RESET_REQUEST_RATE_LIMIT = os.environ.get("RESET_REQUEST_RATE_LIMIT", "20 per hour")
    MFA_REQUIRED = env_bool("MFA_REQUIRED", False)
    MFA_REQUIRED_FOR_SCHOOLS = env_bool("MFA_REQUIRED_FOR_SCHOOLS", False)
    MFA_ISSUER = os.environ.get("MFA_ISSUER", "Golden Thread")
    MFA_CODE_RATE_LIMIT = os.environ.get("MFA_CODE_RATE_LIMIT", "10 per 5 minutes")
    LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", 10)
    LOCKOUT_WINDOW_MINUTES = env_int("LOCKOUT_WINDOW_MINUTES", 15)
    LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15)
    SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12)
    SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 120)
    # Mail: "outbox" writes each message to instance/outbox/ (development, tests); "smtp" sends it.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Golden Thread <no-reply@fenmoor.example.org>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = env_int("SMTP_PORT", 587)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = env_bool("SMTP_STARTTLS", True)
    SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "mailto:security@fenmoor.example.org")
    SECURITY_TXT_EXPIRES = os.environ.get("SECURITY_TXT_EXPIRES", "2027-11-23T00:00:00Z")

    HSTS_ENABLED = False
    PROXY_FIX_HOPS = env_int("PROXY_FIX_HOPS", 0)
    USERS_PER_PAGE = 25

    @classmethod
    def validate(cls, app_config: dict) -> None:
        """Raise if the settings are unsafe to run with. Development accepts anything."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    MFA_REQUIRED = False
    MFA_REQUIRED_FOR_SCHOOLS = False
    MAIL_BACKEND = "memory"
    BASE_URL = "https://golden-thread.test"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # A test stuck behind a lock it will never get fails after 5 s, not 15.
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "5"))
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    # __Host-: the browser only takes it over HTTPS, from this host, for the whole site.
    SESSION_COOKIE_NAME = "__Host-golden_thread_session"
    MFA_REQUIRED = env_bool("MFA_REQUIRED", True)
    MFA_REQUIRED_FOR_SCHOOLS = env_bool("MFA_REQUIRED_FOR_SCHOOLS", True)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    HSTS_ENABLED = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls, app_config: dict) -> None:
        key = app_config.get("SECRET_KEY") or ""
        if len(key) < 32 or key.lower() in {"changeme", "secret", "dev", "development"}:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not env_bool(
            "ALLOW_SQLITE_IN_PRODUCTION", False
        ):
            raise RuntimeError(
                "Production runs on PostgreSQL: set DATABASE_URL "
                "(or ALLOW_SQLITE_IN_PRODUCTION=1 for a single-instance trial)."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("GOLDEN_THREAD_ENV") or "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"GOLDEN_THREAD_ENV must be one of {', '.join(CONFIGS)}; got {name!r}")
