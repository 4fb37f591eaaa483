"""Benchmark variant: Django's psycopg connection pool instead of a connection per request.

    python -m bench run --settings bench.settings_pool

Needs psycopg-pool (`pip install "psycopg[pool]"`). This is an experiment for the figures in
bench/README.md, not a configuration Destek ships; see the proposal there.
"""

from destek.settings import *  # noqa: F403
from destek.settings import DATABASES, env

DATABASES["default"]["CONN_MAX_AGE"] = 0  # pooling and persistent connections exclude each other
DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
    "min_size": env.int("DATABASE_POOL_MIN", default=2),
    "max_size": env.int("DATABASE_POOL_MAX", default=8),  # per uvicorn worker process
    "timeout": 10,
}
