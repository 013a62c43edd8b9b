"""Upload limits: ``DATAIO_MAX_BYTES`` (default 10 MB) and ``DATAIO_MAX_ROWS`` (default 100,000).

Read from Django settings when they define them, else from the environment
variables of the same names (documented in ``.env.example``).
"""

import environ
from django.conf import settings

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 100_000

_env = environ.Env()


def max_bytes() -> int:
    value = getattr(settings, "DATAIO_MAX_BYTES", None)
    return int(value) if value is not None else _env.int("DATAIO_MAX_BYTES", default=DEFAULT_MAX_BYTES)


def max_rows() -> int:
    value = getattr(settings, "DATAIO_MAX_ROWS", None)
    return int(value) if value is not None else _env.int("DATAIO_MAX_ROWS", default=DEFAULT_MAX_ROWS)


def megabytes(size: int) -> str:
    """A byte count as megabytes for messages: 10485760 → "10", 1572864 → "1.5"."""
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
