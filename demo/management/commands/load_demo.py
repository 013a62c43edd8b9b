"""``python manage.py load_demo``: build (or refresh) the demo database.

The work is done by ``demo.loader.build_demo``; this command only reads the
options, runs it in one transaction and prints what it did and the logins.
"""

import os
import time
import unicodedata

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cluster_portal import derived
from cluster_portal.cache import invalidate_public_data
from demo.loader import SEED, build_demo

SUMMARY_MODELS = (
    "regions.Prefecture",
    "regions.Organization",
    "regions.Program",
    "regions.Call",
    "regions.Region",
    "regions.HeadquartersMember",
    "regions.Proposal",
    "regions.Review",
    "regions.SelectionDecision",
    "regions.Grant",
    "regions.Evaluation",
    "regions.RelatedMeasure",
    "regions.Event",
    "projects.JointResearchProject",
    "projects.Participation",
    "projects.ProjectBudget",
    "projects.Expenditure",
    "projects.ProgressReport",
    "projects.Outcome",
    "coordinators.Coordinator",
    "coordinators.CoordinationActivity",
    "cluster_portal.User",
)


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: full-width (Japanese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


class Command(BaseCommand):
    help = (
        "Build the demo database: the 47 prefectures, the programmes, the real regions of "
        "regions/data/knowledge_clusters.csv and clearly marked generated data around them. "
        "Safe to run again: the result is the same database. Demo users get new random passwords "
        "on every run unless --password or the DEMO_PASSWORD environment variable is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for every demo user (default: DEMO_PASSWORD, else a new random password per user).",
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run although DEBUG is off. The demo resets the passwords of users named admin, ministry, ...",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "load_demo refuses to run with DEBUG off: it creates demo users and resets their passwords. "
                "Use DEBUG=true (as `make run` does) or pass --allow-without-debug on a throwaway database."
            )
        password = options.get("password") or os.environ.get("DEMO_PASSWORD") or None
        started = time.monotonic()
        with transaction.atomic(), derived.deferred(everything=True):
            ctx = build_demo(password=password)
            derived.bulk_written()  # bulk writes send no signals: the rollups are rebuilt (cluster_portal/derived.py)
        invalidate_public_data()  # bulk writes send no signals (cluster_portal/cache.py)
        elapsed = time.monotonic() - started

        self.stdout.write(self.style.SUCCESS(f"Demo database ready in {elapsed:.1f} s (seed {SEED})."))
        self.stdout.write(
            f"Rows created {sum(ctx.created.values())}, updated {sum(ctx.updated.values())}, "
            f"unchanged {sum(ctx.unchanged.values())}."
        )
        for label in SUMMARY_MODELS:
            model = apps.get_model(label)
            name = f"{model._meta.verbose_name_plural} ({model.__name__})"
            self.stdout.write(f"  {pad(name, 56)}{model._default_manager.count():>6}")

        self.stdout.write("")
        if password:
            self.stdout.write("Demo logins (password as given):")
        else:
            self.stdout.write("Demo logins (new random passwords, shown only now):")
        rows = [("username", "role", "region", "password"), *ctx.logins]
        widths = [max(display_width(str(row[column])) for row in rows) for column in range(3)]
        for row in rows:
            cells = [pad(str(cell), width) for cell, width in zip(row[:3], widths, strict=True)]
            self.stdout.write("  " + "  ".join([*cells, str(row[3])]))
