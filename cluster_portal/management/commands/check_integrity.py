"""``manage.py check_integrity``: verify every invariant of the data on a live database.

Prints each violating row with its natural key and exits with status 1 when any invariant
is broken (0 when all hold), so a deploy script or CI can run it after an import.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from cluster_portal import integrity


class Command(BaseCommand):
    help = "Verify every invariant of the data (money flow, dates, derived values); exit 1 on a violation."

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="only these invariants (default: all)")
        parser.add_argument("--list", action="store_true", help="list the invariants and exit")
        parser.add_argument("--limit", type=int, default=50, help="rows to print per invariant (default 50)")

    def handle(self, *args, **options):
        # records are named in the portal's own language (年度 labels), whatever a caller activated
        with translation.override(settings.LANGUAGE_CODE):
            self._check(options)

    def _check(self, options):
        limit = options["limit"]
        try:
            chosen = integrity.invariants(options["codes"] or None)
        except LookupError as error:
            raise CommandError(f"unknown invariant: {error}") from None
        if options["list"]:
            for item in chosen:
                self.stdout.write(f"{item.code}\t{item.rule}")
            return
        broken = 0
        for item in chosen:
            found = 0
            for violation in item.violations():
                found += 1
                if found <= limit:
                    self.stdout.write(f"{item.code}\t{violation.record}\t{violation.detail}")
            if found:
                broken += 1
                more = f" ({found - limit} more not shown)" if found > limit else ""
                self.stderr.write(self.style.ERROR(f"✗ {item.code}: {found} violation(s){more} — {item.rule}"))
            elif options["verbosity"] >= 2:
                self.stdout.write(self.style.SUCCESS(f"✓ {item.code}"))
        if broken:
            self.stderr.write(self.style.ERROR(f"{broken} of {len(chosen)} invariants broken."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"All {len(chosen)} invariants hold."))
