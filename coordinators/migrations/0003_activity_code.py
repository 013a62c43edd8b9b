from django.db import migrations, models

import coordinators.models


def fill_codes(apps, schema_editor):
    """Issue a code to every existing row (and its history rows), a batch at a time."""
    Model = apps.get_model("coordinators", "CoordinationActivity")
    pks = list(Model.objects.filter(code__isnull=True).values_list("pk", flat=True))
    for start in range(0, len(pks), 2000):
        rows = [Model(pk=pk, code=coordinators.models.new_activity_code()) for pk in pks[start : start + 2000]]
        Model.objects.bulk_update(rows, ["code"])


class Migration(migrations.Migration):
    dependencies = [
        ("coordinators", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="coordinationactivity",
            name="code",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="活動コード"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="coordinationactivity",
            name="code",
            field=models.CharField(
                default=coordinators.models.new_activity_code,
                editable=False,
                max_length=20,
                unique=True,
                verbose_name="活動コード",
            ),
        ),
    ]
