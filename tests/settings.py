"""Settings for the test run: the real settings with a throwaway key.

Tests run with DEBUG off, as production does; only what cannot work in a test
client (HTTPS redirects) or would slow every test (password hashing) differs.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from cluster_portal.settings import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inside the caller, after the commit that enqueues them (tests that need the
# database queue and its worker override TASKS).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
MEDIA_ROOT = BASE_DIR / "media-test"  # noqa: F405  (replaced per session by tests/conftest.py)
# Rate limits off: thousands of requests come from one test client; tests/test_rate_limits.py
# switches them on with override_settings.
RATE_LIMITS_ENABLED = False
STATIC_ROOT = None  # tests never collectstatic; whitenoise then serves nothing from disk
