"""Make every cached public page and aggregate stale at once (after deploying a new release)."""

from django.core.management.base import BaseCommand

from cluster_portal.cache import bump_data_generation, data_generation


class Command(BaseCommand):
    help = (
        "Make every cached public page and aggregate stale on every instance sharing the cache "
        "(run once after deploying a new release: cached pages depend on the code too)."
    )

    def handle(self, *args, **options):
        before = data_generation()
        bump_data_generation()
        self.stdout.write(f"Public cache invalidated: data generation {before} -> {data_generation()}.")
