"""Backup and restore as docs/operations.md describes them: ``pg_dump -Fc`` of the database,
``pg_restore --no-owner -d`` into a new empty database, and the same data comes back
(same tables, row counts, row checksums and sequence positions)."""

import io
import os
import re
import shutil
import subprocess
import uuid

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from projects.models import OutcomeKind
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHECKSUM_TABLES = (
    "cluster_portal_user",
    "regions_region",
    "regions_region_prefectures",
    "regions_grant",
    "regions_historicalgrant",
    "projects_jointresearchproject",
    "projects_participation",
    "projects_projectbudget",
    "projects_outcome",
    "coordinators_coordinator",
)


def client_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (PostgreSQL client tools are needed for this test)")
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    client_major = int(re.search(r"(\d+)(?:\.\d+)*\s*(?:\(|$)", version.strip()).group(1))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
    if client_major < server_major:
        pytest.skip(f"{name} {client_major} is older than the PostgreSQL {server_major} server")
    return path


def connection_arguments(settings: dict) -> list[str]:
    arguments = []
    if settings.get("HOST"):
        arguments += ["--host", settings["HOST"]]
    if settings.get("PORT"):
        arguments += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        arguments += ["--username", settings["USER"]]
    return arguments


def client_environment(settings: dict) -> dict:
    environment = {**os.environ}
    if settings.get("PASSWORD"):
        environment["PGPASSWORD"] = settings["PASSWORD"]
    return environment


def connect(settings: dict, dbname: str):
    return psycopg2.connect(
        dbname=dbname,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
    )


@pytest.fixture
def empty_database():
    """A new, empty database on the same server; dropped afterwards."""
    settings = connection.settings_dict
    name = f"restore_test_{uuid.uuid4().hex[:12]}"
    admin = connect(settings, "postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def snapshot(db) -> dict:
    """Tables with their row counts, checksums of the listed tables and sequence positions."""
    result = {}
    with db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            result[f"count:{table}"] = cursor.fetchone()[0]
        for table in CHECKSUM_TABLES:
            cursor.execute(
                sql.SQL("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} AS t").format(
                    sql.Identifier(table)
                )
            )
            result[f"md5:{table}"] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
        )
        result["sequences"] = cursor.fetchall()
    return result


def make_data():
    budget = factories.ProjectBudgetFactory(allocated=123_456_000, executed=100_000_000)
    project = budget.project
    factories.ParticipationFactory(project=project)
    factories.OutcomeFactory(project=project, patent=True, title="（テスト）高感度イメージセンサの特許")
    factories.OutcomeFactory(project=project, kind=OutcomeKind.PAPER, doi="10.1234/abc.2008.001")
    factories.CoordinatorFactory(region=project.region)
    factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=project.region))
    call_command("generate_data", "--scale", "0.01", "--regions", "1", stdout=io.StringIO())


def test_pg_dump_restored_into_empty_database_gives_the_same_data(tmp_path, empty_database):
    pg_dump, pg_restore = client_binary("pg_dump"), client_binary("pg_restore")
    settings = connection.settings_dict
    make_data()
    dump = tmp_path / "cluster_portal.dump"

    subprocess.run(  # noqa: S603
        [pg_dump, "-Fc", *connection_arguments(settings), "--file", str(dump), settings["NAME"]],
        env=client_environment(settings),
        check=True,
        capture_output=True,
    )
    subprocess.run(  # noqa: S603
        [
            pg_restore,
            "--no-owner",
            "--exit-on-error",
            *connection_arguments(settings),
            "-d",
            empty_database,
            str(dump),
        ],
        env=client_environment(settings),
        check=True,
        capture_output=True,
    )

    source, restored = connect(settings, settings["NAME"]), connect(settings, empty_database)
    try:
        original, copy = snapshot(source), snapshot(restored)
    finally:
        source.close()
        restored.close()
    assert original["count:regions_grant"] >= 21
    assert original["count:projects_outcome"] >= 12
    assert original["count:cluster_portal_user"] >= 1
    assert copy == original


def test_snapshot_notices_a_changed_row(empty_database):
    """The comparison above can fail: one changed amount changes the checksum."""
    settings = connection.settings_dict
    grant = factories.GrantFactory()
    db = connect(settings, settings["NAME"])
    try:
        before = snapshot(db)
        grant.amount += 1000
        grant.save()
        db.rollback()
        after = snapshot(db)
    finally:
        db.close()
    assert after["count:regions_grant"] == before["count:regions_grant"]
    assert after["md5:regions_grant"] != before["md5:regions_grant"]
