"""Fill the per region × fiscal-year rollups from the existing grants, budgets and results."""

from django.db import migrations


def fill(apps, schema_editor):
    from projects.rollups import compute_figures

    figures_model = apps.get_model("projects", "RegionYearFigures")
    figures = compute_figures(
        None,
        models=(
            apps.get_model("regions", "Grant"),
            apps.get_model("projects", "ProjectBudget"),
            apps.get_model("projects", "Outcome"),
        ),
    )
    figures_model.objects.all().delete()
    figures_model.objects.bulk_create(
        [figures_model(region_id=region_id, fiscal_year=year, **values) for (region_id, year), values in figures.items()],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0015_region_year_figures")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
