"""Settings of the benchmark server: production settings (DEBUG off, whitenoise, the real
middleware) plus two bench-only additions that never exist in production:

- ``/bench/hello``: a bare view through the whole middleware stack, the floor of the stack;
- with ``RATHAUS_BENCH_QUERY_COUNT=1`` a middleware counting SQL queries per request and
  returning the count in the ``X-Bench-Queries`` header.

The ``bench`` app registers the ``bench_http`` outbox transport (delivery to the bench's local
receiver on 127.0.0.1 only).
"""

import os

os.environ.setdefault("RATHAUS_INSECURE_HTTP", "1")  # plain http://127.0.0.1

from rathaus.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "bench.apps.BenchConfig"]  # noqa: F405
if os.environ.get("RATHAUS_BENCH_QUERY_COUNT") == "1":
    MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405

LOGGING = {
    **LOGGING,  # noqa: F405
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"rathaus": {"level": "WARNING"}},
}
