"""Benchmark of bulk import and export (not a test: it reports, it never fails on time).

    python bench/bench_import.py [--sizes 1000 10000] [--format csv] [--repeat 3]
    make bench-import

For projects and outcomes at each size it times: the import of a new file
through ``data_import`` (the real, all-or-nothing import), the re-import of
the same file (everything unchanged), the export through ``data_export``, and
two baselines of the same rows: a plain ``bulk_create``, and simple-history's
``bulk_create_with_history`` (the same rows plus one history row each), which is
what the import must write as well (every change of a project or a result keeps
its history) and so the fair baseline of the ratio. It runs on a fresh
test database (SQLite in memory, or ``DATABASE_URL``'s server with a
``test_`` database). With ``--repeat N`` the baselines and the import each run N
times, alternating, and the fastest of each is reported: on a shared machine a
single run can be slowed several times over by other work, and the ratio of the
two fastest runs is the figure that stays put.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from cluster_portal.tabular.services import data_export, data_import  # noqa: E402


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def project_file(region, size: int) -> bytes:
    lines = ["プロジェクトコード,地域,研究テーマ名,分野,開始日,終了日,状態,公開"]
    lines += [f"BP{n:06d},{region.slug},共同研究テーマ{n},ナノテク,2008-04-01,2012-03-31,active,1" for n in range(size)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def outcome_file(size: int, projects) -> bytes:
    lines = ["成果コード,プロジェクトコード,種別,名称,年月日,出願番号,出願国,公開"]
    lines += [
        f",{projects[n % len(projects)].code},patent_application,発明{n},2009-07-01,特願2009-{n:07d},JP,1"
        for n in range(size)
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def project_objects(region, size):
    from projects.models import JointResearchProject

    return [
        JointResearchProject(
            region=region,
            code=f"BP{n:06d}",
            title=f"共同研究テーマ{n}",
            theme="ナノテク",
            start_date=datetime.date(2008, 4, 1),
            end_date=datetime.date(2012, 3, 31),
            status="active",
            is_published=True,
        )
        for n in range(size)
    ]


def outcome_objects(size, projects):
    from projects.models import Outcome

    return [
        Outcome(
            project=projects[n % len(projects)],
            kind="patent_application",
            title=f"発明{n}",
            occurred_on=datetime.date(2009, 7, 1),
            application_number=f"特願2009-{n:07d}",
            country="JP",
            is_published=True,
        )
        for n in range(size)
    ]


def with_history(model, objects):
    from simple_history.utils import bulk_create_with_history

    return bulk_create_with_history(objects, model, batch_size=1000)  # the import's Meta.batch_size


def quietly(delete):
    """``delete()`` with the derived tables refreshed once at the end, not once per deleted row (the rows
    of one run are removed before the next; the rollup receivers would otherwise dominate the bench)."""
    from cluster_portal import derived

    def run():
        with derived.deferred(everything=True):
            delete()

    return run


def measure(resource, size, data, file_format, baseline, history_baseline, cleanup, repeat=1):
    baseline_seconds = history_seconds = import_seconds = float("inf")
    runs = []
    for _ in range(repeat):
        cleanup()
        seconds, _ = timed(baseline)
        baseline_seconds = min(baseline_seconds, seconds)
        cleanup()
        history_run, _ = timed(history_baseline)
        history_seconds = min(history_seconds, history_run)
        cleanup()
        seconds, report = timed(
            lambda: data_import(user=None, resource=resource, data=data, file_format="csv", dry_run=False)
        )
        import_seconds = min(import_seconds, seconds)
        runs.append(seconds / history_run)
        if not report.committed:
            raise SystemExit("import failed: " + "; ".join(str(issue) for issue in report.errors[:5]))
    # Re-import the portal's own export (what staff edit in Excel): every row keyed, nothing changes.
    exported_csv = data_export(user=None, resource=resource, file_format="csv").content
    reimport_seconds, again = timed(
        lambda: data_import(user=None, resource=resource, data=exported_csv, file_format="csv", dry_run=False)
    )
    if again.unchanged != size:
        raise SystemExit(f"re-import changed rows: {again.new} new, {again.updated} updated")
    export_seconds, exported = timed(lambda: data_export(user=None, resource=resource, file_format=file_format))
    if exported.rows != size:
        raise SystemExit(f"exported {exported.rows} rows, expected {size}")
    return {
        "resource": resource,
        "rows": size,
        "bulk_create": baseline_seconds,
        "with_history": history_seconds,
        "runs": runs,
        "import": import_seconds,
        "reimport": reimport_seconds,
        "export": export_seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--format", default="xlsx", choices=["csv", "xlsx", "json"], help="export format")
    parser.add_argument("--repeat", type=int, default=1, help="runs of baseline and import; the fastest counts")
    options = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from projects.models import JointResearchProject, Outcome
        from tests import factories

        region = factories.RegionFactory(slug="bench")
        results = []
        for size in options.sizes:

            @quietly
            def clean_projects():
                Outcome.history.all().delete()
                Outcome.objects.all().delete()
                JointResearchProject.history.all().delete()
                JointResearchProject.objects.all().delete()

            results.append(
                measure(
                    "projects",
                    size,
                    project_file(region, size),
                    options.format,
                    lambda size=size: JointResearchProject.objects.bulk_create(project_objects(region, size)),
                    lambda size=size: with_history(JointResearchProject, project_objects(region, size)),
                    clean_projects,
                    options.repeat,
                )
            )
            clean_projects()
            projects = JointResearchProject.objects.bulk_create(project_objects(region, max(size // 5, 1)))

            @quietly
            def clean_outcomes():
                Outcome.history.all().delete()
                Outcome.objects.all().delete()

            results.append(
                measure(
                    "outcomes",
                    size,
                    outcome_file(size, projects),
                    options.format,
                    lambda size=size, projects=projects: Outcome.objects.bulk_create(outcome_objects(size, projects)),
                    lambda size=size, projects=projects: with_history(Outcome, outcome_objects(size, projects)),
                    clean_outcomes,
                    options.repeat,
                )
            )
            clean_outcomes()
            clean_projects()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; export format: {options.format}; fastest of {options.repeat} run(s)")
    print(
        "| data set | rows | bulk_create s | with history s | import s | rows/s | × with history (runs) "
        "| × bulk_create | re-import s | export s | rows/s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in results:
        runs = ", ".join(f"{ratio:.1f}" for ratio in row["runs"])
        print(
            f"| {row['resource']} | {row['rows']:,} | {row['bulk_create']:.2f} | {row['with_history']:.2f} "
            f"| {row['import']:.2f} | {row['rows'] / row['import']:,.0f} "
            f"| {row['import'] / row['with_history']:.1f} ({runs}) | {row['import'] / row['bulk_create']:.1f} "
            f"| {row['reimport']:.2f} | {row['export']:.2f} | {row['rows'] / row['export']:,.0f} |"
        )


if __name__ == "__main__":
    main()
