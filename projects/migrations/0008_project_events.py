from django.db import migrations, models


class Migration(migrations.Migration):
    """The projects an event presented, declared on the project (state only; the table
    ``regions_event_presented_projects`` and its columns stay as they are)."""

    dependencies = [
        ("projects", "0007_updated_at_and_newest_indexes"),
        ("regions", "0006_event_presented_projects_state"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="jointresearchproject",
                    name="events",
                    field=models.ManyToManyField(
                        blank=True,
                        db_table="regions_event_presented_projects",
                        related_name="presented_projects",
                        to="regions.event",
                        verbose_name="発表したフォーラム・イベント",
                    ),
                ),
            ],
        ),
    ]
