from django.db import migrations, models

import projects.models


def fill_codes(apps, schema_editor):
    Outcome = apps.get_model("projects", "Outcome")
    HistoricalOutcome = apps.get_model("projects", "HistoricalOutcome")
    for outcome in Outcome.objects.filter(code__isnull=True).only("pk").iterator():
        code = projects.models.new_outcome_code()
        Outcome.objects.filter(pk=outcome.pk).update(code=code)
        HistoricalOutcome.objects.filter(id=outcome.pk).update(code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_workspace_attachments_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="outcome",
            name="code",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="成果コード"),
        ),
        migrations.AddField(
            model_name="historicaloutcome",
            name="code",
            field=models.CharField(db_index=True, editable=False, max_length=20, null=True, verbose_name="成果コード"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outcome",
            name="code",
            field=models.CharField(
                default=projects.models.new_outcome_code,
                editable=False,
                max_length=20,
                unique=True,
                verbose_name="成果コード",
            ),
        ),
        migrations.AlterField(
            model_name="historicaloutcome",
            name="code",
            field=models.CharField(
                db_index=True,
                default=projects.models.new_outcome_code,
                editable=False,
                max_length=20,
                verbose_name="成果コード",
            ),
        ),
    ]
