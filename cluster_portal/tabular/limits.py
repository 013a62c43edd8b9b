"""Upload limits: the settings ``DATAIO_MAX_BYTES`` (default 10 MB) and ``DATAIO_MAX_ROWS``
(default 100,000), read from the environment variables of the same names in settings.py."""

from django.conf import settings


def max_bytes() -> int:
    return settings.DATAIO_MAX_BYTES


def max_rows() -> int:
    return settings.DATAIO_MAX_ROWS


def megabytes(size: int) -> str:
    """A byte count as megabytes for messages: 10485760 → "10", 1572864 → "1.5"."""
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
