"""``python manage.py generate_data --scale N``: a large synthetic dataset for load tests.

The work is done by ``demo.synthetic``; this command reads the options, runs it and
prints the counts and timings. Running it twice is safe: when synthetic rows exist it
refuses, unless ``--replace`` is given (remove them, then generate again). ``--flush-synthetic``
only removes them. Rows of ``load_demo`` and rows entered by users are never touched.
"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import ProtectedError

from cluster_portal import derived
from cluster_portal.cache import invalidate_public_data
from demo.synthetic import (
    DEFAULT_BATCH_SIZE,
    Scale,
    SyntheticDataError,
    synthetic_counts,
    synthetic_data_flush,
    synthetic_data_generate,
    synthetic_exists,
    synthetic_summary,
)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"not a number: {text!r}") from None
    if not value > 0 or value > 1000:
        raise CommandError(f"must be greater than 0 and at most 1000: {text!r}")
    return value


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic dataset with bulk inserts. Scale 1 is about 10 regions, "
        "1,000 projects, 4,000 participations, 10,000 results, 20 fiscal years of grants and budgets "
        "and 50 coordinators; counts grow linearly with --scale. Names start with 「（合成）」, slugs with "
        "syn- and project codes with SYN-. Refuses to run when synthetic rows exist unless --replace."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument("--scale", type=positive_float, default=1.0, help="size factor (default 1; e.g. 0.1, 10)")
        parser.add_argument("--regions", type=int, help="number of regions (default: 10 per unit of scale)")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"rows per INSERT (default {DEFAULT_BATCH_SIZE})"
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--replace", action="store_true", help="remove existing synthetic rows first, then generate")
        group.add_argument(
            "--flush-synthetic", action="store_true", help="only remove the synthetic rows and their history"
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            scale = Scale.from_factor(options["scale"], regions=options["regions"])
        except ValueError as error:
            raise CommandError(str(error)) from None

        if options["flush_synthetic"]:
            self._flush()
            return
        if synthetic_exists():
            if not options["replace"]:
                raise CommandError(
                    "Synthetic rows exist already. Use --replace to remove and generate them again, "
                    "or --flush-synthetic to remove them only."
                )
            self._flush()

        self.stdout.write(
            f"Generating scale {options['scale']:g}: {scale.regions} regions, {scale.projects} projects, "
            f"{scale.participations} participations, {scale.outcomes} results, {scale.fiscal_years} fiscal years, "
            f"{scale.coordinators} coordinators (batches of {options['batch_size']})."
        )
        every = max(1, scale.regions // 10)

        def progress(done: int, total: int) -> None:
            if done % every == 0 or done == total:
                self.stdout.write(f"  regions {done}/{total}")

        try:
            report = synthetic_data_generate(scale=scale, batch_size=options["batch_size"], progress=progress)
        except SyntheticDataError as error:
            raise CommandError(str(error)) from error
        derived.bulk_written()  # bulk writes send no signals: the rollups are rebuilt (cluster_portal/derived.py)
        invalidate_public_data()  # bulk writes send no signals (cluster_portal/cache.py)
        self._refresh_statistics()

        self.stdout.write(self.style.SUCCESS(f"Synthetic data ready in {report.elapsed:.1f} s."))
        self.stdout.write(f"  {'model':<34}{'rows':>9}{'insert s':>10}")
        for label, count in sorted(report.created.items()):
            self.stdout.write(f"  {label:<34}{count:>9}{report.seconds.get(label, 0.0):>10.1f}")
        summary = synthetic_summary()
        self.stdout.write(
            f"  granted {summary['granted_yen']:,} yen, allocated {summary['allocated_yen']:,} yen, "
            f"executed {summary['executed_yen']:,} yen"
        )

    def _refresh_statistics(self) -> None:
        """``VACUUM (ANALYZE)`` on PostgreSQL after the bulk load. Autovacuum gets there in its own time;
        until then the planner has no statistics for the new rows (it chooses sequential scans and
        misjudges the search indexes) and counts read every heap page, so a benchmark or a load test run
        right after this command would measure a database no running portal has (about 7 s at scale 10)."""
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor != "postgresql":
            return
        started = time.monotonic()
        # VACUUM cannot run inside a transaction (a caller's, or a test's): ANALYZE alone can.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(statement)
        self.stdout.write(f"  planner statistics refreshed ({statement}) in {time.monotonic() - started:.1f} s")

    def _flush(self) -> None:
        started = time.monotonic()
        try:
            with transaction.atomic(), derived.deferred(everything=True):
                deleted = synthetic_data_flush()
                derived.bulk_written()
        except (IntegrityError, ProtectedError) as error:
            raise CommandError(
                "Could not remove the synthetic rows: other rows refer to them "
                f"(remove those first). Nothing was deleted. ({type(error).__name__})"
            ) from error
        invalidate_public_data()
        elapsed = time.monotonic() - started
        self.stdout.write(f"Removed {sum(deleted.values())} synthetic rows in {elapsed:.1f} s.")
        for label, count in deleted.items():
            self.stdout.write(f"  {label:<34}{count:>9}")
        remaining = {label: count for label, count in synthetic_counts().items() if count}
        if remaining:
            raise CommandError(f"Synthetic rows remain: {remaining}")
