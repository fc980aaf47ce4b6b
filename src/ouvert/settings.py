"""Ouvert settings, driven by environment variables only.

Every variable is documented in the README ("Configuration"). ``OUVERT_ENV`` selects
the profile: ``development`` (default), ``production`` or ``test``.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
# pytest (8.2+) sets PYTEST_VERSION: the suite always runs with the test profile.
OUVERT_ENV = os.environ.get("OUVERT_ENV") or ("test" if os.environ.get("PYTEST_VERSION") else "development")
if OUVERT_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("OUVERT_ENV must be development, production or test.")
PRODUCTION = OUVERT_ENV == "production"
TESTING = OUVERT_ENV == "test"

DATA_DIR = Path(os.environ.get("OUVERT_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False) and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (OUVERT_ENV=production).")
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")

OUVERT_BASE_URL = os.environ.get("OUVERT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", OUVERT_BASE_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_tasks",
    "django_tasks_db",
    # Listed so that /api/v1/docs serves Swagger UI from ninja's bundled static files (no CDN).
    "ninja",
    "ouvert.core",
    "ouvert.plan",
    "ouvert.catalog",
    "ouvert.harvest",
    "ouvert.datastore",
    "ouvert.quality",
    "ouvert.geo",
    "ouvert.learn",
    "ouvert.priorities",
    "ouvert.consult",
    "ouvert.market",
    "ouvert.science",
    "ouvert.software",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "ouvert.urls"
WSGI_APPLICATION = "ouvert.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ouvert.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'ouvert.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections persist for a SQLite file too (WAL: each one sees every commit), so a request
    # doesn't pay the connection, its PRAGMAs and a cold page cache (bench/catalog_search.py).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; "
            # Read through the operating system's page cache (a connection per request starts
            # with an empty SQLite cache): searches at 100,000 datasets are 3x faster (bench/).
            "PRAGMA mmap_size=1073741824;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planner settings for each connection: storage is SSD-like (random page reads cost little more
    # than sequential ones, so facets over a few hundred matches use the indexes instead of
    # scanning a whole table: 24 → 4 ms at 100,000 datasets), and no JIT compilation for what are
    # short queries. Empty to leave the server's own settings (behind PgBouncer, for instance,
    # set them with ALTER DATABASE … SET instead).
    pg_options = os.environ.get("OUVERT_PG_OPTIONS", "-c random_page_cost=1.1 -c jit=off").strip()
    if pg_options:
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(
            filter(None, [DATABASES["default"]["OPTIONS"].get("options", ""), pg_options]))
    # The same backend, with a health check of kept connections that costs no round trip.
    DATABASES["default"]["ENGINE"] = "ouvert.core.postgresql"
    # Values sent apart from the statement (server-side binding), and statements run five times on a
    # connection prepared once: the server stops parsing and planning them at each call, Python stops
    # quoting values into them (a support through the API: 1.5 → 0.5 ms of database processor, 3.4 →
    # 2.5 ms of Python; bench/consult.py). 0 sends values inside the statements (for a PgBouncer in
    # transaction mode older than 1.21, which cannot keep prepared statements).
    if os.environ.get("OUVERT_PG_PREPARED", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# The cache also holds allauth's rate-limit counters, so it must be shared by every web
# process: a folder under the data directory by default, Redis when REDIS_URL is set.
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"]}}
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache")}}

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# A government login (OpenID Connect) is configured by environment; see the README.
SOCIALACCOUNT_PROVIDERS = {}
if os.environ.get("OIDC_SERVER_URL"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": os.environ.get("OIDC_PROVIDER_ID", "gouv"),
                "name": os.environ.get("OIDC_NAME", "Connexion gouvernementale"),
                "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": os.environ["OIDC_SERVER_URL"]},
            }
        ]
    }

# --- E-mail ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION
    else ("django.core.mail.backends.locmem.EmailBackend" if TESTING
          else "django.core.mail.backends.console.EmailBackend"),
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ouvert <ne-pas-repondre@ouvert.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing folder before the first collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

if os.environ.get("OUVERT_S3_BUCKET"):
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["OUVERT_S3_BUCKET"],
            "endpoint_url": os.environ.get("OUVERT_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("OUVERT_S3_REGION") or None,
            "access_key": os.environ.get("OUVERT_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("OUVERT_S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("OUVERT_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))

# --- Background tasks -----------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend" if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
}

# --- Ouvert ---------------------------------------------------------------------------
OUVERT_DEMO = env_bool("OUVERT_DEMO", False)
#: Largest file a catalogue resource may hold (bytes); uploads beyond it are refused (413/validation error).
OUVERT_MAX_UPLOAD_BYTES = int(os.environ.get("OUVERT_MAX_UPLOAD_BYTES", str(1024 ** 3)))
# Harvesting (ouvert.harvest.http): seconds to wait for a remote answer, and its largest size.
OUVERT_HARVEST_TIMEOUT = float(os.environ.get("OUVERT_HARVEST_TIMEOUT", "30"))
OUVERT_HARVEST_MAX_BYTES = int(os.environ.get("OUVERT_HARVEST_MAX_BYTES", str(50 * 1024 * 1024)))
# Tabular data (ouvert.datastore): DuckDB's memory limit and threads (default: the CPU count),
# and the largest file / widest table an ingestion accepts.
OUVERT_DUCKDB_MEMORY_LIMIT = os.environ.get("OUVERT_DUCKDB_MEMORY_LIMIT", "1GB")
OUVERT_DUCKDB_THREADS = int(os.environ.get("OUVERT_DUCKDB_THREADS", "0")) or (os.cpu_count() or 1)
OUVERT_DATASTORE_MAX_BYTES = int(os.environ.get("OUVERT_DATASTORE_MAX_BYTES", str(5 * 1024 ** 3)))
OUVERT_DATASTORE_MAX_COLUMNS = int(os.environ.get("OUVERT_DATASTORE_MAX_COLUMNS", "1000"))
# Datastore ingestions (ouvert.datastore.services): attempts before an interrupted ingestion is
# abandoned, and the seconds without a heartbeat after which a running one counts as interrupted.
OUVERT_DATASTORE_MAX_ATTEMPTS = int(os.environ.get("OUVERT_DATASTORE_MAX_ATTEMPTS", "3"))
OUVERT_DATASTORE_STALE_SECONDS = float(os.environ.get("OUVERT_DATASTORE_STALE_SECONDS", "300"))
# Whether tabular resources that are links (harvested ones too) are fetched and ingested, as uploads are.
OUVERT_DATASTORE_INGEST_LINKS = env_bool("OUVERT_DATASTORE_INGEST_LINKS", True)
# Datastore reads (ouvert.datastore.query, .sql): rows a search or an SQL query gives at most (CKAN's
# rows_max), seconds an SQL query may run, and megabytes of tables each web process keeps in memory
# (the most used ones; 0: always read the Parquet files).
OUVERT_DATASTORE_SQL_MAX_ROWS = int(os.environ.get("OUVERT_DATASTORE_SQL_MAX_ROWS", "32000"))
OUVERT_DATASTORE_SQL_TIMEOUT = float(os.environ.get("OUVERT_DATASTORE_SQL_TIMEOUT", "10"))
OUVERT_DATASTORE_CACHE_MB = float(os.environ.get("OUVERT_DATASTORE_CACHE_MB", "512"))
# Sandboxed DuckDB connections each web process keeps for datastore_search_sql (one per set of tables
# a query names; the least recently used is closed first).
OUVERT_DATASTORE_SQL_SANDBOXES = int(os.environ.get("OUVERT_DATASTORE_SQL_SANDBOXES", "8"))
# Outbound requests (ouvert.core.net: harvesting, copies of linked files, the link checker) never reach a
# private, local or reserved address, except these host names or CIDR networks (an intranet catalogue).
OUVERT_OUTBOUND_ALLOWED_HOSTS = env_list("OUVERT_OUTBOUND_ALLOWED_HOSTS", "")
# Link checker (ouvert.quality.availability): seconds per request, redirects followed, requests at once
# and seconds between requests per host, threads, hours between checks of a working link, days of
# history kept, consecutive failures before a link counts as broken (and its publisher is told).
OUVERT_LINKCHECK_TIMEOUT = float(os.environ.get("OUVERT_LINKCHECK_TIMEOUT", "10"))
OUVERT_LINKCHECK_MAX_REDIRECTS = int(os.environ.get("OUVERT_LINKCHECK_MAX_REDIRECTS", "5"))
OUVERT_LINKCHECK_HOST_CONCURRENCY = int(os.environ.get("OUVERT_LINKCHECK_HOST_CONCURRENCY", "2"))
OUVERT_LINKCHECK_HOST_DELAY = float(os.environ.get("OUVERT_LINKCHECK_HOST_DELAY", "1"))
OUVERT_LINKCHECK_WORKERS = int(os.environ.get("OUVERT_LINKCHECK_WORKERS", "8"))
OUVERT_LINKCHECK_INTERVAL_HOURS = float(os.environ.get("OUVERT_LINKCHECK_INTERVAL_HOURS", "24"))
OUVERT_LINKCHECK_KEEP_DAYS = int(os.environ.get("OUVERT_LINKCHECK_KEEP_DAYS", "90"))
OUVERT_LINKCHECK_FAILURES_BEFORE_BROKEN = int(os.environ.get("OUVERT_LINKCHECK_FAILURES_BEFORE_BROKEN", "2"))
# Integrity (ouvert.quality.integrity): seconds between two re-hashings of every stored file (0: never).
OUVERT_QUALITY_VERIFY_SECONDS = int(os.environ.get("OUVERT_QUALITY_VERIFY_SECONDS", str(7 * 24 * 3600)))
# Reference data (ouvert.quality.certification): days a certified dataset may fail a criterion before
# its certification lapses.
OUVERT_CERTIFICATION_GRACE_DAYS = float(os.environ.get("OUVERT_CERTIFICATION_GRACE_DAYS", "14"))
# Geographic layers (ouvert.geo.layers): attempts and seconds without a heartbeat as for the datastore,
# the largest source file, whether linked files are fetched and converted, and the limits a zip must
# respect before anything is extracted (members, total uncompressed bytes, compression ratio).
OUVERT_GEO_MAX_ATTEMPTS = int(os.environ.get("OUVERT_GEO_MAX_ATTEMPTS", "3"))
OUVERT_GEO_STALE_SECONDS = float(os.environ.get("OUVERT_GEO_STALE_SECONDS", "300"))
OUVERT_GEO_MAX_BYTES = int(os.environ.get("OUVERT_GEO_MAX_BYTES", str(2 * 1024 ** 3)))
OUVERT_GEO_CONVERT_LINKS = env_bool("OUVERT_GEO_CONVERT_LINKS", True)
OUVERT_GEO_ZIP_MAX_MEMBERS = int(os.environ.get("OUVERT_GEO_ZIP_MAX_MEMBERS", "1000"))
OUVERT_GEO_ZIP_MAX_BYTES = int(os.environ.get("OUVERT_GEO_ZIP_MAX_BYTES", str(4 * 1024 ** 3)))
OUVERT_GEO_ZIP_MAX_RATIO = float(os.environ.get("OUVERT_GEO_ZIP_MAX_RATIO", "200"))
# Maps (ouvert.geo.maps): a base-map tile URL template and its attribution for production (empty: the
# bundled offline base map of Quebec), and the point count above which low zooms thin point layers.
OUVERT_MAP_BASE_TILES = os.environ.get("OUVERT_MAP_BASE_TILES", "")
OUVERT_MAP_BASE_ATTRIBUTION = os.environ.get("OUVERT_MAP_BASE_ATTRIBUTION", "")
OUVERT_MAP_THIN_ABOVE = int(os.environ.get("OUVERT_MAP_THIN_ABOVE", "20000"))

# The teaching section (ouvert.learn): the dataset its API examples use (a public dataset with a
# DataStore table); empty: the first such dataset by name.
OUVERT_LEARN_EXAMPLE_DATASET = os.environ.get("OUVERT_LEARN_EXAMPLE_DATASET", "")
# Reuses (catalogue): the biggest image accepted, in bytes.
OUVERT_REUSE_IMAGE_MAX_BYTES = int(os.environ.get("OUVERT_REUSE_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))
# Consultations (ouvert.consult): contributions one person may post per minute (comments, proposals,
# statements…), suggestions per hour, the smallest group shown in socio-demographic figures (smaller
# ones are merged), and the opinion groups' minimum votes per participant and recomputation interval
# for big conversations.
OUVERT_CONSULT_POSTS_PER_MINUTE = int(os.environ.get("OUVERT_CONSULT_POSTS_PER_MINUTE", "10"))
OUVERT_CONSULT_SUGGESTIONS_PER_HOUR = int(os.environ.get("OUVERT_CONSULT_SUGGESTIONS_PER_HOUR", "5"))
OUVERT_CONSULT_MIN_GROUP_SIZE = int(os.environ.get("OUVERT_CONSULT_MIN_GROUP_SIZE", "5"))
OUVERT_CONSULT_OPINION_MIN_VOTES = int(os.environ.get("OUVERT_CONSULT_OPINION_MIN_VOTES", "7"))
OUVERT_CONSULT_OPINION_REFRESH_SECONDS = int(os.environ.get("OUVERT_CONSULT_OPINION_REFRESH_SECONDS", "30"))
# Micro-acquisitions (ouvert.market): the ceiling of an opportunity's fixed price (CAD, taxes excluded;
# above it the opportunity is refused), the minimum posting period between publication and deadline (days),
# the master keys that seal proposals ("id:<base64 32 bytes>,…", the first seals; empty: derived from
# SECRET_KEY, fine for one machine only), the largest sealed proposal with its attachments and the largest
# public attachment of an opportunity (bytes), and the prefix of the OCDS identifiers (ocid) the platform
# publishes (register one with the Open Contracting Partnership for production).
OUVERT_MARKET_CEILING = int(os.environ.get("OUVERT_MARKET_CEILING", "90000"))
OUVERT_MARKET_MIN_POSTING_DAYS = int(os.environ.get("OUVERT_MARKET_MIN_POSTING_DAYS", "15"))
OUVERT_MARKET_SEAL_KEYS = os.environ.get("OUVERT_MARKET_SEAL_KEYS", "")
OUVERT_MARKET_MAX_PROPOSAL_BYTES = int(os.environ.get("OUVERT_MARKET_MAX_PROPOSAL_BYTES", str(10 * 1024 * 1024)))
OUVERT_MARKET_ATTACHMENT_MAX_BYTES = int(os.environ.get("OUVERT_MARKET_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
OUVERT_MARKET_OCID_PREFIX = os.environ.get("OUVERT_MARKET_OCID_PREFIX", "ocds-ouvert")
# The organisation (its slug) that publishes what the platform itself produces as open data (plan
# progress, data requests and prioritisation results, reuses, the standards' conformity).
OUVERT_OPEN_DATA_ORGANISATION = os.environ.get("OUVERT_OPEN_DATA_ORGANISATION", "sct")

# Open science (ouvert.science): records per page of the OAI-PMH provider (ListRecords, ListIdentifiers)
# and the repository identifier in its OAI identifiers (default: the host of OUVERT_BASE_URL); the largest
# CSV import (publications, journals, self-archiving policies); the Crossref-format DOI look-up address;
# days between two reminders to the same author; hours before a webinar when its reminder goes out.
OUVERT_SCIENCE_OAI_PAGE_SIZE = int(os.environ.get("OUVERT_SCIENCE_OAI_PAGE_SIZE", "100"))
OUVERT_SCIENCE_OAI_REPOSITORY_ID = os.environ.get("OUVERT_SCIENCE_OAI_REPOSITORY_ID", "")
OUVERT_SCIENCE_IMPORT_MAX_BYTES = int(os.environ.get("OUVERT_SCIENCE_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
OUVERT_SCIENCE_CROSSREF_URL = os.environ.get("OUVERT_SCIENCE_CROSSREF_URL", "https://api.crossref.org/works/")
OUVERT_SCIENCE_REMINDER_DAYS = int(os.environ.get("OUVERT_SCIENCE_REMINDER_DAYS", "30"))
OUVERT_SCIENCE_WEBINAR_REMINDER_HOURS = int(os.environ.get("OUVERT_SCIENCE_WEBINAR_REMINDER_HOURS", "24"))
# Days a deposit may still be unknown after its deadline (declared late, not yet harvested) before the
# publication is judged not compliant instead of unknown.
OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS = int(os.environ.get("OUVERT_SCIENCE_DEPOSIT_GRACE_DAYS", "30"))
# The largest slides file of a webinar (bytes; above: 413), and the address researchers write to when the FAQ has
# no answer (also the OAI-PMH adminEmail; empty: the pages point to the funds' sites).
OUVERT_SCIENCE_SLIDES_MAX_BYTES = int(os.environ.get("OUVERT_SCIENCE_SLIDES_MAX_BYTES", str(50 * 1024 * 1024)))
OUVERT_SCIENCE_CONTACT_EMAIL = os.environ.get("OUVERT_SCIENCE_CONTACT_EMAIL", "")

# Free software (ouvert.software): the largest logo (PNG, JPEG or WebP), publiccode.yml file, inventory list
# (CSV, JSON, Open Resource Exchange YAML) and accompaniment document (bytes; above: 413); the Open Resource
# Exchange's administration codes mapped to organisation slugs (JSON object), added to the built-in ones.
OUVERT_SOFTWARE_LOGO_MAX_BYTES = int(os.environ.get("OUVERT_SOFTWARE_LOGO_MAX_BYTES", str(1024 * 1024)))
OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES = int(os.environ.get("OUVERT_SOFTWARE_PUBLICCODE_MAX_BYTES", str(512 * 1024)))
OUVERT_SOFTWARE_IMPORT_MAX_BYTES = int(os.environ.get("OUVERT_SOFTWARE_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES = int(os.environ.get("OUVERT_SOFTWARE_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
OUVERT_SOFTWARE_ORE_ORGANISATIONS = json.loads(os.environ.get("OUVERT_SOFTWARE_ORE_ORGANISATIONS", "{}") or "{}")
