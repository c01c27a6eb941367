"""Bolster's settings: one module, read from the environment.

With nothing set, the app runs on SQLite and an embedded (filesystem) Celery broker under
``var/``, so one command shows the whole product on a laptop. With ``DATABASE_URL`` and
``REDIS_URL`` it runs on PostgreSQL and Redis, as production and the test suite do.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# The embedded default's SQLite file, broker folders, mail and beat schedule live here.
VAR_DIR = Path(env("BOLSTER_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters when "
            'DJANGO_DEBUG=0. Generate one with: python -c "import secrets; '
            'print(secrets.token_urlsafe(64))"'
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute base of links in e-mails (reset links, reminders, calendar files).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "phonenumber_field",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "clinics",
    "safety",
    "booking",
    "care",
    "waitlist",
    "privacy",
    "backoffice",
    "frontdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages go out compressed (a day view is a sixth of its size on a phone network).
    # Static files are compressed once, at collectstatic, and served as such by WhiteNoise.
    # Django pads each compressed page with random bytes ("Heal the Breach"), and CSRF
    # tokens are masked per response, which is what BREACH needs a page to give away.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Django's database sessions, with the read that starts every logged-in page written out.
SESSION_ENGINE = "accounts.session_store"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'bolster.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Django's own cursors bind parameters on the client and never prepare; this only lets
    # the few statements sent through ``common.db.prepared_cursor`` be planned once per
    # connection (after their fifth run on it) instead of on every request. Their plans walk
    # the same indexes whatever the values, so the plan is made once for all values
    # (PostgreSQL's own choice kept re-planning the day's slots, 3.6 ms for a 0.05 ms run).
    # Behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode
    # before 1.21), DATABASE_PREPARE_THRESHOLD=off sends them unprepared.
    prepare_threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
    DATABASES["default"]["OPTIONS"] = {
        "prepare_threshold": None if prepare_threshold == "off" else int(prepare_threshold),
        "options": "-c plan_cache_mode=force_generic_plan",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has the web process and two worker processes writing at once.
    # WAL lets readers carry on beside a writer; IMMEDIATE takes the write lock when a
    # transaction begins, so a transaction never fails half-way to upgrade its lock
    # ("database is locked" on the ``sent`` update, then a duplicate once the lease ran out),
    # and writers queue for up to the busy timeout instead. SQLite has no SELECT … FOR UPDATE:
    # these serialised transactions are what keeps each message sent once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker ---------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="bolster"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A reminder not acknowledged within this time is delivered again; the send task
        # itself refuses to send twice, so redelivery is safe.
        "visibility_timeout": 600,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # config/celery.py makes these folders when the embedded broker is first used.
    BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcasts (worker control): kombu's default is "control" in the current folder.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }

# --- Celery ---------------------------------------------------------------------------

# Sends have their own queue: a backlog of e-mails never delays the minutely dispatch or the
# hourly slot layout, which run on ``periodic``. A worker started without ``-Q`` takes both.
CELERY_TASK_QUEUES = [Queue("periodic"), Queue("outbox")]
CELERY_TASK_DEFAULT_QUEUE = "periodic"
CELERY_TASK_ROUTES = {
    "booking.tasks.send_reminders": {"queue": "outbox"},
    "booking.tasks.send_reminder": {"queue": "outbox"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup otherwise closes the database connection around every task, and a
# reconnect costs more than a whole reminder send; config/celery.py still drops broken or
# aged (CONN_MAX_AGE) connections before each task, as Django does between requests.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-reminders": {
        "task": "booking.tasks.dispatch_due_reminders",
        "schedule": 60.0,
    },
    "keep-slots-generated": {
        "task": "booking.tasks.keep_slots_generated",
        "schedule": crontab(minute=15),
    },
    "pass-on-expired-waitlist-offers": {
        "task": "waitlist.tasks.pass_on_expired_offers",
        "schedule": 60.0,
    },
}

# --- Auth -----------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user's role with her on every request.
    "accounts.backends.RoleAwareBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff read many clients' health data: a second factor (accounts.mfa) before any staff page,
# 30 minutes idle or 10 hours in all end the login. Clients stay logged in for two weeks but
# type their password again for their health pages after a day (accounts.sessions).
STAFF_URL_NAMESPACES = [
    "admin",
    "care",
    "clinics",
    "frontdesk",
    "health",
    "schedule",
    "sessions",
    "waitlist",
]
CLIENT_HEALTH_URL_NAMESPACES = ["care", "health", "privacy", "safety"]
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=10 * 60 * 60)
CLIENT_HEALTH_REAUTH_SECONDS = env.int("CLIENT_HEALTH_REAUTH_SECONDS", default=24 * 60 * 60)
OTP_TOTP_ISSUER = "Bolster"

# Login guessing: five failures for one e-mail from one address lock it for 15 minutes. The
# e-mail is counted as accounts store it (trimmed, case-folded), and the address is the
# person's own, behind however many of our proxies (accounts.lockout), so a wrong case
# gets no fresh attempts and a stranger cannot lock everyone out through the proxy.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login form's field is called "username" even though it holds the e-mail.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# How many reverse proxies of ours stand in front of the app (each appends to
# X-Forwarded-For), and optionally their addresses; 0 reads the connection's address only.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])
AXES_VERBOSE = False

# --- Internationalisation and time ----------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Installed by `npm install` during set-up; never committed, never from a CDN.
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Her doctors' letters: never under MEDIA_ROOT or any served folder, and with no URL of their
# own; only an authorised view reads them. Any Django storage backend fits (e.g. a private
# S3 bucket through django-storages: set PRIVATE_STORAGE_BACKEND and its options).
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES["private"] = {
    "BACKEND": env(
        "PRIVATE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
    ),
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
}
THERAPIST_PHOTO_MAX_BYTES = env.int("THERAPIST_PHOTO_MAX_BYTES", default=2 * 1024 * 1024)
CLEARANCE_DOCUMENT_MAX_BYTES = env.int("CLEARANCE_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Bolster <bookings@bolster.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Text messages --------------------------------------------------------------------

# Like EMAIL_BACKEND: the console backend prints texts (``make run``), the file backend writes
# one file per text to SMS_FILE_PATH, the locmem backend keeps them for the tests, and the
# Twilio backend sends them for real with the account below.
SMS_BACKEND = env("SMS_BACKEND", default="booking.sms.backends.console.SmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
SMS_FROM = env("SMS_FROM", default="")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
# Only to point the Twilio library at a stand-in server (the tests); empty means Twilio itself.
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", default="")
# Numbers given without a country code are read as numbers of this country (ISO code).
PHONENUMBER_DEFAULT_REGION = env("PHONE_REGION", default="GB")
PHONENUMBER_DB_FORMAT = "E164"

# --- Production hardening (all on when DEBUG is off; `check --deploy` stays quiet) ---

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links to other sites carry no path: a page's URL can name a session or a clinic.
SECURE_REFERRER_POLICY = "same-origin"

# Only the app's own files: no inline script or style, nothing from another host. Bootstrap's
# form controls draw their ticks and arrows as data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Every area of logged-in pages or health data (URL namespaces): common.middleware sends
# "Cache-Control: no-store" on all of them, and on any page answered to a logged-in person.
NO_STORE_URL_NAMESPACES = [
    "accounts",
    "admin",
    "booking",
    "care",
    "clinics",
    "frontdesk",
    "health",
    "privacy",
    "safety",
    "schedule",
    "sessions",
    # The SMS provider's webhooks: nothing of theirs is for a cache either.
    "sms",
    "waitlist",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
