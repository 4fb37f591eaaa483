"""Settings of `python -m bench.floor`'s deployment: Destek's own, with bench.floor_urls.

The URLconf adds two endpoints for the benchmark only (the product has no such endpoints);
everything else (middleware, authentication, throttles, database, cache) is Destek's.
"""

from destek.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
