import pytest
from django.db import connection

from tests import factories


@pytest.fixture
def region(db):
    return factories.RegionFactory()


@pytest.fixture
def other_region(db):
    return factories.RegionFactory()


@pytest.fixture
def ministry_user(db):
    return factories.UserFactory(ministry=True, username="ministry")


@pytest.fixture
def reviewer_user(db):
    return factories.UserFactory(reviewer=True, username="reviewer")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(administrator=True, username="admin")


@pytest.fixture
def hq_user(region):
    return factories.UserFactory(hq=True, username="hq-a", headquarters=factories.HeadquartersFactory(region=region))


@pytest.fixture
def other_hq_user(other_region):
    return factories.UserFactory(
        hq=True, username="hq-b", headquarters=factories.HeadquartersFactory(region=other_region)
    )


# --- two-factor sign-in (cluster_portal/two_factor/; tests/test_two_factor.py) ---------------------


def verify_client_session(client, user):
    """Make ``client``'s session count as having passed the code step, with a confirmed authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


_auto_verify = {"on": True}


def _install_verified_logins():
    """``client.login()``/``client.force_login()`` of ministry staff and administrators also pass the
    second factor (module-scoped fixtures included), so tests of their pages need no code step."""
    from django.test.client import ClientMixin

    original = ClientMixin._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        from cluster_portal.two_factor.policy import second_factor_required

        if _auto_verify["on"] and second_factor_required(user):
            verify_client_session(self, user)

    ClientMixin._login = _login


_install_verified_logins()


@pytest.fixture(autouse=True)
def two_factor_verified_logins(request):
    """Tests of the code step itself are marked ``real_two_factor``: their logins pass the password only."""
    _auto_verify["on"] = not request.node.get_closest_marker("real_two_factor")
    yield
    _auto_verify["on"] = True


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL to a postgres:// URL)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


# --- data import/export (tests/test_dataio_*.py) ---------------------------------------------------


@pytest.fixture
def db_snapshot(db):
    """A function returning row counts and a checksum of every portal table, to prove nothing was written."""
    import hashlib

    from django.apps import apps

    def snapshot():
        state = {}
        for model in apps.get_models():
            if model._meta.app_label not in {"regions", "projects", "coordinators", "cluster_portal"}:
                continue
            rows = list(model._default_manager.order_by("pk").values_list())
            state[model._meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return state

    return snapshot


# --- cache (tests/test_cache_invalidation.py; cluster_portal/cache.py) ------------------------------


@pytest.fixture(scope="session", autouse=True)
def media_root_per_session(tmp_path_factory):
    """Files the factories and the upload tests store (receipts, attachments) go to a temporary
    directory of this test session (one per xdist worker), so no run leaves files in the checkout."""
    from django.conf import settings

    previous = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    yield
    settings.MEDIA_ROOT = previous


@pytest.fixture(autouse=True)
def clear_cache():
    """Every test starts with an empty cache: cached public aggregates never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts (and reverses addresses) in Japanese: a request to an /en/ address leaves
    English active in the test thread (LocaleMiddleware), which would prefix later ``reverse()`` calls."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
