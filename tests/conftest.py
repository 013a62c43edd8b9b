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


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL to a postgres:// URL)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
