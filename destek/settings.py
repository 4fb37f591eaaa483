"""Destek settings, read from the environment (12-factor).

Every variable is listed in docs/configuration.md. The embedded default needs no server:
SQLite and files under DESTEK_DATA_DIR, an in-memory channel layer and Celery on the
filesystem transport. Setting DATABASE_URL and REDIS_URL switches to the scale-out stack.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from csp.constants import NONCE as _CSP_NONCE
from django.utils.translation import gettext_lazy as _

from destek.core.security import hsts_seconds

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env.str("DESTEK_DATA_DIR", default=str(Path.cwd() / "data"))).resolve()

DEBUG = env.bool("DEBUG", default=False)
# With DEBUG off, serving refuses to start unless SECRET_KEY comes from the environment and is
# strong (destek.core.security). With DEBUG on, a random key is kept in the data directory.
# Otherwise (tests, one-off commands) an ephemeral random key is used and never written down.
SECRET_KEY = env.str("SECRET_KEY", default="")
SECRET_KEY_FROM_ENV = bool(SECRET_KEY)
if not SECRET_KEY:
    from destek.core.security import development_secret_key, ephemeral_secret_key

    SECRET_KEY = development_secret_key(DATA_DIR) if DEBUG else ephemeral_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
BASE_URL = env.str("DESTEK_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin, with a site whose changes go to the audit log (destek.audit).
    "destek.audit.admin_config.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "destek.core",
    "destek.branding",
    "destek.audit",
    "destek.accounts",
    "destek.hosting",
    "destek.tickets",
    "destek.notifications",
    "destek.realtime",
    "destek.portal",
    "destek.desk",
    "destek.configuration",
    "destek.api",
    "destek.mail",
    "destek.kb",
    "destek.sla",
    "destek.queues",
    "destek.livechat",
    "destek.privacy",
    "destek.status",
    "destek.feedback",
    "destek.ideas",
    "destek.webhooks",
    "destek.automation",
    "destek.demo",
    # Last, above every product app: connects the domain events (destek.wiring).
    "destek.apps.DestekConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "destek.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "destek.accounts.middleware.UserLanguageMiddleware",
    "destek.accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "destek.accounts.middleware.StaffMfaMiddleware",
]

ROOT_URLCONF = "destek.urls"
ASGI_APPLICATION = "destek.asgi.application"
WSGI_APPLICATION = "destek.wsgi.application"

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
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",  # {{ CSP_NONCE }} (destek.core.csp)
                "destek.branding.context_processors.brand",  # {{ brand }}: name, logo, colour
            ],
            # {% translate %} that remembers its answer (about a tenth of a desk page's CPU),
            # in every template without a {% load %}, and also what {% load i18n %} loads.
            "builtins": ["destek.core.templatetags.memo_i18n"],
            "libraries": {"i18n": "destek.core.templatetags.memo_i18n"},
        },
    }
]
# `{% load i18n %}` loads memo_i18n on purpose (above), so Django's check that two tag
# modules share the name `i18n` (templates.W003) is expected.
SILENCED_SYSTEM_CHECKS = ["templates.W003"]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'destek.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while one of them writes; IMMEDIATE
        # transactions take the write lock up front instead of failing half-way.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Under ASGI each request runs its sync code in a new thread and Django keeps one
    # connection per thread: with CONN_MAX_AGE > 0 every request leaves a connection open until
    # it expires, and 16 concurrent requests exhaust PostgreSQL's max_connections in seconds
    # ("too many clients": HTTP 500, for every other client of that server too). A psycopg
    # pool per process reuses connections instead (Django >= 5.1; bench/README.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=8),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Parameters bound by the server, and statements run five times on a connection
        # prepared there: PostgreSQL then skips parsing and planning (most of its CPU for
        # the desk's few-row queries). Off behind a transaction-pooling PgBouncer < 1.21.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Celery worker processes keep one persistent connection instead of the pool (destek.celery);
# Celery's Django fix-up, which otherwise closes it after every task, recycles it only after
# this many tasks.
CELERY_DB_REUSE_MAX = 1000
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channels, celery -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "destek.core.cache.RedisCache",
                          "LOCATION": REDIS_URL}}
    # redis-py 8 reads with a 5 s socket timeout by default, exactly channels-redis's 5 s
    # BZPOPMIN wait: every consumer idle for 5 s would die with TimeoutError. Longer reads.
    # Capacity: every socket of one server process shares ONE Redis list (the process's
    # "specific." channel), so the default of 100 pending messages is a process-wide limit a
    # thousand chat sockets overrun in a busy second, and group_send drops what does not fit.
    # Expiry (60 s) and group expiry (1 day; long-lived sockets re-join) stay at the defaults;
    # no symmetric encryption: Redis must be private (notifications carry a copy of each chat
    # message for the seconds until it is delivered).
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [{"address": REDIS_URL,
                                                        "socket_timeout": 30}],
                                             "capacity": env.int("DESTEK_CHANNEL_CAPACITY",
                                                                 default=5000)}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = DATA_DIR / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(DATA_DIR / "queue-processed"),
        # Without this kombu writes its broadcast (pidbox) state into the working directory.
        "control_folder": str(DATA_DIR / "queue-control"),
        "store_processed": False,
    }
    # The folder queue has no host, but kombu warns "No hostname was supplied" on stderr at
    # every connection without one (the MTA shows a pipe's stderr): name its default. Celery
    # reads the variable itself before this setting, so the variable is named the same way.
    CELERY_BROKER_URL = "filesystem://localhost//"
    if os.environ.get("CELERY_BROKER_URL") == "filesystem://":
        os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
DESTEK_IMAP_POLL_SECONDS = env.int("DESTEK_IMAP_POLL_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    # The outbox sweeper delivers anything a lost task message left behind.
    "outbox-sweep": {"task": "destek.notifications.tasks.sweep_outbox", "schedule": 30.0},
    # Inbound mail whose processing task was lost (a killed worker) is enqueued again.
    "mail-inbound-sweep": {"task": "destek.mail.tasks.sweep_inbound", "schedule": 60.0},
    # Each mailbox with an IMAP host is polled; an unclaimed poll expires instead of piling up.
    "mail-imap-poll": {
        "task": "destek.mail.doors.tasks.poll_imap_mailboxes",
        "schedule": float(DESTEK_IMAP_POLL_SECONDS),
        "options": {"expires": float(DESTEK_IMAP_POLL_SECONDS)},
    },
    # SLA: warnings, breaches, escalation and progress reminders that are due (destek.sla);
    # an unclaimed run expires instead of queueing behind the next one.
    "sla-scan": {"task": "destek.sla.tasks.sla_scan", "schedule": 30.0,
                 "options": {"expires": 30.0}},
    "sla-recompute-sweep": {"task": "destek.sla.tasks.sla_recompute_sweep", "schedule": 120.0},
    # Privacy: the retention rules (destek.privacy.retention), once a day.
    "privacy-retention": {"task": "destek.privacy.retention_tasks.apply_retention_rules",
                          "schedule": 24 * 60 * 60.0, "options": {"expires": 6 * 60 * 60.0}},
    # Data exports: expired files deleted, exports whose task was lost started again.
    "privacy-export-sweep": {"task": "destek.privacy.export_tasks.export_sweep",
                             "schedule": 3600.0, "options": {"expires": 3600.0}},
    # Hosting CSV imports whose worker died are resumed where they stopped.
    "hosting-import-sweep": {"task": "destek.hosting.tasks.hosting_import_sweep",
                             "schedule": 300.0, "options": {"expires": 300.0}},
    # Audit events older than DESTEK_AUDIT_RETENTION_DAYS are deleted, in batches.
    "audit-purge": {"task": "destek.audit.tasks.purge_audit_log", "schedule": 3600.0,
                    "options": {"expires": 3600.0}},
    # Live chat: chats whose visitor never connected leave the waiting list, ended.
    "chat-abandon-unconnected": {"task": "destek.livechat.tasks.abandon_unconnected_chats",
                                 "schedule": 60.0, "options": {"expires": 60.0}},
    # WHMCS: each enabled connection whose interval elapsed is synced (destek.hosting.whmcs).
    "whmcs-sync-due": {"task": "destek.hosting.whmcs.tasks.whmcs_sync_due", "schedule": 60.0,
                       "options": {"expires": 60.0}},
    # Status (sdesk): scheduled maintenance reminded before its window, started and ended on
    # time (destek.status.tasks.maintenance); safe to run twice.
    "status-maintenance-tick": {"task": "destek.status.tasks.maintenance.maintenance_tick",
                                "schedule": 60.0, "options": {"expires": 60.0}},
    # Status page (sfanout): incident fan-outs whose worker died go on from their last batch;
    # webhook deliveries due for a retry are sent.
    "status-fanout-sweep": {"task": "destek.status.fanout_tasks.sweep_status_fanouts",
                            "schedule": 30.0, "options": {"expires": 30.0}},
    # Feedback (fnps): the NPS survey, spread over the period, to a few customers every hour
    # (destek.feedback.nps; nothing when it is off; safe to run twice).
    "feedback-nps-send": {"task": "destek.feedback.tasks.nps_send_due", "schedule": 3600.0,
                          "options": {"expires": 3600.0}},
    # Outbound webhooks: retries whose time came and deliveries a killed worker held
    # (destek.webhooks.delivery.sweep).
    "webhook-sweep": {"task": "destek.webhooks.tasks.sweep_webhooks", "schedule": 60.0,
                      "options": {"expires": 60.0}},
    # The delivery log's retention (destek.webhooks.retention): finished rows past
    # DESTEK_WEBHOOK_LOG_DAYS; pending and retrying rows are never deleted.
    "webhook-log-retention": {"task": "destek.webhooks.tasks.purge_webhook_log",
                              "schedule": 86400.0, "options": {"expires": 3600.0}},
    # Automations (destek.automation.schedules): tickets that crossed a rule's threshold since
    # the previous run; safe to run twice at once.
    "automation-run": {"task": "destek.automation.tasks.run_automations", "schedule": 300.0,
                       "options": {"expires": 300.0}},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Task modules outside the apps' tasks.py (autodiscovery finds only those).
CELERY_IMPORTS = ["destek.mail.doors.tasks", "destek.privacy.retention_tasks",
                  "destek.privacy.export_tasks", "destek.hosting.whmcs.tasks"]
# Customers' data exports can be downloaded for this many days (destek.privacy).
DESTEK_EXPORT_EXPIRY_DAYS = env.int("DESTEK_EXPORT_EXPIRY_DAYS", default=7)

# --- accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# A phone number typed without its country code (the profile) is read as one of this country
# (ISO 3166 code); every number is stored as E.164.
DESTEK_PHONE_REGION = env.str("DESTEK_PHONE_REGION", default="TR")
AUTHENTICATION_BACKENDS = [  # Django's and allauth's, with a cheaper per-request user lookup
    "destek.accounts.backends.ModelBackend",
    "destek.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_ADAPTER = "destek.accounts.adapter.AccountAdapter"
# How many reverse proxies in front of Destek each append the address they received from to
# X-Forwarded-For. 0 (the default): the client address is the connection's, so a client cannot
# pick the address its sign-in and API limits count against. allauth and DRF read the same
# number.
DESTEK_TRUSTED_PROXY_COUNT = env.int("DESTEK_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = DESTEK_TRUSTED_PROXY_COUNT
ACCOUNT_LOGOUT_ON_GET = False
# Every way of proving a password is limited. allauth's defaults allow 5 a minute without end
# for the two forms a signed-in session uses (changing the password, confirming it before a
# sensitive change); a stolen session could guess the password at 7,200 a day. A day's cap
# makes that a handful. The sign-in's own limit (login_failed) stays allauth's.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user,20/d/user",
    "reauthenticate": "10/m/user,30/d/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Destek"
# The second-factor step of a sign-in records a wrong code in the audit log.
MFA_FORMS = {"authenticate": "destek.accounts.mfa_forms.AuthenticateForm"}
# Staff without a TOTP device are sent to set one up before they can work.
DESTEK_REQUIRE_STAFF_MFA = env.bool("DESTEK_REQUIRE_STAFF_MFA", default=False)
# The security audit log (destek.audit) keeps events this many days; 0 keeps them forever.
DESTEK_AUDIT_RETENTION_DAYS = env.int("DESTEK_AUDIT_RETENTION_DAYS", default=365)

# --- internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("tr", _("Turkish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A visitor's language choice outlives the browser session (signed-in users also keep it on
# their account, destek.accounts.views.set_language).
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Istanbul")
USE_I18N = True
USE_TZ = True
# One long and one short date format per language, everywhere (destek/formats).
FORMAT_MODULE_PATH = ["destek.formats"]

# --- files ----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The project-wide assets (vendor libraries, desk.js) in destek/static are found as the
# `destek` app's static folder (destek.apps).
MEDIA_ROOT = Path(env.str("DESTEK_MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Media is never served directly: attachments go through a permission-checked view.
MEDIA_URL = "/_media_not_served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
DESTEK_ATTACHMENT_MAX_BYTES = env.int("DESTEK_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DESTEK_ATTACHMENT_MAX_COUNT = env.int("DESTEK_ATTACHMENT_MAX_COUNT", default=10)
# Empty: every type but active content (destek/tickets/activecontent.py), which is always refused.
DESTEK_ATTACHMENT_ALLOWED_TYPES = env.list("DESTEK_ATTACHMENT_ALLOWED_TYPES", default=[])
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- email ----------------------------------------------------------------------------------
# Every Django email (ours and allauth's) goes into the transactional outbox; Celery workers
# deliver it through DESTEK_EMAIL_URL (smtp://user:pass@host:587 with ?tls=1, or the default:
# files under the data directory, so the quick start needs no mail server).
EMAIL_BACKEND = "destek.notifications.backends.OutboxEmailBackend"
DESTEK_EMAIL_URL = env.str("DESTEK_EMAIL_URL", default="")
DESTEK_SENT_MAIL_DIR = DATA_DIR / "sent-mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Destek <support@destek.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
DESTEK_OUTBOX_MAX_ATTEMPTS = env.int("DESTEK_OUTBOX_MAX_ATTEMPTS", default=8)
# Outbound webhooks (destek.webhooks): attempts before a delivery fails, failed attempts in a
# row before an endpoint is disabled (and the admins emailed), each request's timeout, and
# the networks or host names they may reach although private (comma-separated; SSRF guard).
DESTEK_WEBHOOK_MAX_ATTEMPTS = env.int("DESTEK_WEBHOOK_MAX_ATTEMPTS", default=8)
DESTEK_WEBHOOK_DISABLE_AFTER = env.int("DESTEK_WEBHOOK_DISABLE_AFTER", default=20)
DESTEK_WEBHOOK_TIMEOUT_SECONDS = env.int("DESTEK_WEBHOOK_TIMEOUT_SECONDS", default=10)
DESTEK_WEBHOOK_ALLOWED_NETWORKS = env.list("DESTEK_WEBHOOK_ALLOWED_NETWORKS", default=[])
# How many days the delivery log keeps delivered and failed deliveries (a daily beat task).
DESTEK_WEBHOOK_LOG_DAYS = env.int("DESTEK_WEBHOOK_LOG_DAYS", default=30)
# One delivery task per burst of commits (docs/adr/0005); unset: when the cache is Redis.
DESTEK_OUTBOX_COALESCE = env.bool("DESTEK_OUTBOX_COALESCE", default=None)
# The same for stored inbound emails (docs/adr/0005).
DESTEK_MAIL_COALESCE = env.bool("DESTEK_MAIL_COALESCE", default=None)
# Ticket notifications are composed by the delivery worker (docs/adr/0003); off: in the
# transaction of the change that caused them.
DESTEK_RENDER_NOTIFICATIONS_IN_WORKER = env.bool("DESTEK_RENDER_NOTIFICATIONS_IN_WORKER",
                                                 default=True)
# Inbound email: a reply to a closed ticket "reopen"s it or opens a linked "follow_up";
# automatic emails (acknowledgements, rejections) per address / per ticket per hour at most.
DESTEK_MAIL_CLOSED_REPLY = env.str("DESTEK_MAIL_CLOSED_REPLY", default="reopen")
DESTEK_MAIL_AUTO_REPLY_CAP_PER_ADDRESS = env.int("DESTEK_MAIL_AUTO_REPLY_CAP_PER_ADDRESS",
                                                 default=5)
DESTEK_MAIL_AUTO_REPLY_CAP_PER_TICKET = env.int("DESTEK_MAIL_AUTO_REPLY_CAP_PER_TICKET",
                                                default=5)
# Signed reply addresses (support+t42-u7-<mac>@…) need plus-addressing on the mail server.
DESTEK_MAIL_REPLY_TOKENS = env.bool("DESTEK_MAIL_REPLY_TOKENS", default=True)
# The receiving hosts (authserv-ids) whose Authentication-Results say who sent an email
# (destek.mail.authentication); empty: no sender is verified and every email shows the badge.
DESTEK_MAIL_TRUSTED_AUTHSERV_IDS = env.list("DESTEK_MAIL_TRUSTED_AUTHSERV_IDS", default=[])
# A worker owns the batch of inbound mail it took this long; then it is presumed dead.
DESTEK_MAIL_CLAIM_SECONDS = env.int("DESTEK_MAIL_CLAIM_SECONDS", default=60)
# Inbound emails a worker files in one transaction (a savepoint each): bench/README.md.
DESTEK_MAIL_BATCH_SIZE = env.int("DESTEK_MAIL_BATCH_SIZE", default=20)

# --- inbound email doors (docs/configuration.md) ----------------------------------------------
# Largest message any door accepts; the SMTP receiver announces it with the SIZE extension.
DESTEK_MAIL_MAX_BYTES = env.int("DESTEK_MAIL_MAX_BYTES", default=25 * 1024 * 1024)
# The MTA pipe's hand-off to the running service (/mail/inbound/pipe/, off while empty); the
# command reads it and DESTEK_MAIL_PIPE_URL from its own environment (doors/pipe_client.py).
DESTEK_MAIL_PIPE_SECRET = env.str("DESTEK_MAIL_PIPE_SECRET", default="")
DESTEK_SMTPD_HOSTNAME = env.str("DESTEK_SMTPD_HOSTNAME", default="")  # empty: the host name
# Off: only the mailboxes' addresses (and their plus-addresses) are accepted at RCPT TO.
DESTEK_SMTPD_ACCEPT_ALL = env.bool("DESTEK_SMTPD_ACCEPT_ALL", default=False)
DESTEK_SMTPD_MAX_RECIPIENTS = env.int("DESTEK_SMTPD_MAX_RECIPIENTS", default=100)
# Both set: STARTTLS is offered (PEM files).
DESTEK_SMTPD_TLS_CERT = env.str("DESTEK_SMTPD_TLS_CERT", default="")
DESTEK_SMTPD_TLS_KEY = env.str("DESTEK_SMTPD_TLS_KEY", default="")
DESTEK_IMAP_BATCH = env.int("DESTEK_IMAP_BATCH", default=50)  # messages per mailbox and poll
DESTEK_IMAP_TIMEOUT = env.int("DESTEK_IMAP_TIMEOUT", default=30)  # seconds per network call
# Provider webhooks (/mail/inbound/<provider>/) stay disabled (404) until configured:
# Mailgun by its webhook signing key, Postmark and SendGrid by HTTP basic auth (user:password).
ANYMAIL: dict[str, object] = {}
if env.list("DESTEK_INBOUND_WEBHOOK_SECRET", default=[]):
    ANYMAIL["WEBHOOK_SECRET"] = env.list("DESTEK_INBOUND_WEBHOOK_SECRET")
if env.str("DESTEK_MAILGUN_WEBHOOK_SIGNING_KEY", default=""):
    ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"] = env.str("DESTEK_MAILGUN_WEBHOOK_SIGNING_KEY")

# --- live chat (docs/configuration.md) -------------------------------------------------------
# Websites that may embed the chat widget (scheme://host[:port]); Destek's own hosts always may.
DESTEK_CHAT_ALLOWED_ORIGINS = env.list("DESTEK_CHAT_ALLOWED_ORIGINS", default=[])
# The control panels that may show the suggestions board in a frame (/ideas/embed/).
DESTEK_IDEAS_EMBED_ORIGINS = env.list("DESTEK_IDEAS_EMBED_ORIGINS", default=[])
DESTEK_CHAT_COLOR = env.str("DESTEK_CHAT_COLOR", default="#0d6efd")
# Chat only within the office-hours calendar (SLA settings); off: whenever an agent is online.
DESTEK_CHAT_OFFICE_HOURS_ONLY = env.bool("DESTEK_CHAT_OFFICE_HOURS_ONLY", default=False)
DESTEK_CHAT_MAX_FRAME_BYTES = env.int("DESTEK_CHAT_MAX_FRAME_BYTES", default=8192)
DESTEK_CHAT_MAX_MESSAGE_CHARS = env.int("DESTEK_CHAT_MAX_MESSAGE_CHARS", default=4000)
# Token bucket per connection: frames per second sustained, and the burst above it.
DESTEK_CHAT_RATE_PER_SECOND = env.float("DESTEK_CHAT_RATE_PER_SECOND", default=5.0)
DESTEK_CHAT_RATE_BURST = env.int("DESTEK_CHAT_RATE_BURST", default=20)
# An online agent whose console has not been heard from for this long gets no new chats.
DESTEK_CHAT_AGENT_SEEN_SECONDS = env.int("DESTEK_CHAT_AGENT_SEEN_SECONDS", default=90)
DESTEK_CHAT_TOKEN_MAX_AGE = env.int("DESTEK_CHAT_TOKEN_MAX_AGE", default=24 * 3600)
DESTEK_CHAT_TRANSCRIPT_ON_END = env.bool("DESTEK_CHAT_TRANSCRIPT_ON_END", default=True)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "NUM_PROXIES": DESTEK_TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "destek.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Destek's throttles read these rates on every request (DRF's copy them at import).
    "DEFAULT_THROTTLE_CLASSES": ["destek.api.throttling.UserRateThrottle",
                                 "destek.api.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("DESTEK_API_USER_RATE", default="6000/min"),
        "anon": env.str("DESTEK_API_ANON_RATE", default="60/min"),
    },
    "EXCEPTION_HANDLER": "destek.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Destek API",
    "DESCRIPTION": "Tickets and customers of the Destek help desk.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # The docs page is served from vendored static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No "valid" badge fetched from swagger.io: the docs page loads nothing from another host
    # (its template, destek/templates/drf_spectacular/swagger_ui.html, carries the CSP nonce;
    # /api/redoc/ leads there: ReDoc's bundle shows its logo from a CDN).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Choice sets that share a field name with another app's get their own names.
    "ENUM_NAME_OVERRIDES": {
        "KbArticleStatusEnum": "destek.kb.models.ArticleStatus",
        "KbAudienceEnum": "destek.kb.models.Audience",
        "LanguageEnum": "destek.kb.models.LANGUAGES",
        "StatusEnum": "destek.tickets.models.Status",
    },
}

# Sessions are read from the cache and written through to the database: one query less on
# every request, and nothing lost when the cache is flushed.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool(
    "SESSION_COOKIE_SECURE", default=not DEBUG and BASE_URL.startswith("https")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool(
    "DESTEK_BEHIND_TLS_PROXY", default=False) else None
X_FRAME_OPTIONS = "DENY"
# HSTS when Destek is served over https (DESTEK_BASE_URL): a year by default, 0 turns it off;
# never over http, where a browser would then refuse the plain-http site (destek.core.security).
SECURE_HSTS_SECONDS = hsts_seconds(base_url=BASE_URL,
                                   configured=env.int("DESTEK_HSTS_SECONDS", default=None))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DESTEK_HSTS_INCLUDE_SUBDOMAINS", default=False)
# Content-Security-Policy on every response (destek.core.csp, django-csp): scripts and styles
# from Destek itself or carrying the response's nonce, never inline otherwise; images from
# self (an agent may allow one message's remote images); no framing, as X-Frame-Options says.
# The chat widget runs on customers' websites, under their policy, not this one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", _CSP_NONCE],
        "style-src": ["'self'", _CSP_NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],  # + this page's ws:// or wss:// origin (destek.core.csp)
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"destek": {"level": env.str("DESTEK_LOG_LEVEL", default="INFO")}},
}

# Status (sdesk): how long before a scheduled maintenance's window its customers are reminded.
DESTEK_STATUS_REMINDER_HOURS = env.float("DESTEK_STATUS_REMINDER_HOURS", default=24.0)
# Incidents and tickets (slinks): how many linked tickets one task answers before it hands
# the rest to the next (destek.status.linked_replies).
DESTEK_INCIDENT_REPLY_BATCH = env.int("DESTEK_INCIDENT_REPLY_BATCH", default=50)
# Monitoring webhooks (destek.status.hooks): the largest alert body accepted, and how many
# failed authentications one address may make per window before it is refused (429).
DESTEK_STATUS_HOOKS_MAX_BYTES = env.int("DESTEK_STATUS_HOOKS_MAX_BYTES", default=256 * 1024)
DESTEK_STATUS_HOOKS_MAX_FAILURES = env.int("DESTEK_STATUS_HOOKS_MAX_FAILURES", default=20)
DESTEK_STATUS_HOOKS_FAILURE_WINDOW = env.int("DESTEK_STATUS_HOOKS_FAILURE_WINDOW", default=900)
# Public status page (destek.status.public_views, subscriptions): how long its data is cached
# and shared caches may keep it; the subscribe form's limits (allauth's rate limits: per
# client IP and per address) so it cannot be used to mail-bomb someone.
STATUS_CACHE_SECONDS = env.int("DESTEK_STATUS_CACHE_SECONDS", default=30)
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "status_subscribe": "5/m/ip,20/h/ip,3/h/key"}
