from django.db import migrations


class Migration(migrations.Migration):
    """SubmissionToken now belongs to the kernel (cluster_portal 0003); state only, table kept."""

    dependencies = [
        ("projects", "0008_project_events"),
        ("cluster_portal", "0003_submissiontoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SubmissionToken")],
        ),
    ]
