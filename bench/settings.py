"""Production settings plus what the benchmark needs to measure: a bare Django view as the
baseline (``/bench/bare``) and an ``X-Query-Count`` header on every response.

Everything else — DEBUG, database, cache, security — comes from the environment exactly as
in production (``cluster_portal.settings``).
"""

from cluster_portal.settings import *  # noqa: F403
from cluster_portal.settings import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
