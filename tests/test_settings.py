"""Settings come from the environment and fail safe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env):
    """Import cluster_portal.settings in a fresh interpreter with only ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CACHE_URL"}}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "cluster_portal.settings"
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.EMAIL_BACKEND)"
    )
    return subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=False
    )


def test_startup_fails_with_a_clear_message_without_secret_key_when_debug_is_off():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_key_is_allowed_only_in_debug():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_debug_defaults_to_off_and_sqlite_locmem_console_are_the_defaults():
    result = load_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    debug, engine, cache, email = result.stdout.split()
    assert debug == "False"
    assert engine == "django.db.backends.sqlite3"
    assert cache.endswith("LocMemCache")
    assert email.endswith("console.EmailBackend")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x", "django.db.backends.postgresql"),
        ("CACHE_URL", "redis://127.0.0.1:6379/1", "cluster_portal.redis_cache.ReusedClientRedisCache"),
    ],
)
def test_database_and_cache_are_chosen_by_url(variable, value, expected):
    result = load_settings(SECRET_KEY="x" * 50, **{variable: value})
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_language_and_time_zone_are_japanese_with_english_available():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]
