from django.db import migrations


class Migration(migrations.Migration):
    """Event.presented_projects now stands on the project (``JointResearchProject.events``,
    projects 0008): state only, the table ``regions_event_presented_projects`` is kept."""

    dependencies = [
        ("regions", "0005_search_trigram_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="event", name="presented_projects")],
        ),
    ]
