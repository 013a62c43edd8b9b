from django.db import migrations, models

import projects.models


def fill_codes(apps, schema_editor):
    """Issue a code to every existing row (and its history rows), a batch at a time."""
    Model = apps.get_model("projects", "Expenditure")
    History = apps.get_model("projects", "HistoricalExpenditure")
    pks = list(Model.objects.filter(code__isnull=True).values_list("pk", flat=True))
    for start in range(0, len(pks), 2000):
        rows = [Model(pk=pk, code=projects.models.new_expenditure_code()) for pk in pks[start : start + 2000]]
        Model.objects.bulk_update(rows, ["code"])
        for row in rows:
            History.objects.filter(id=row.pk).update(code=row.code)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_money_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="expenditure",
            name="code",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="執行コード"),
        ),
        migrations.AddField(
            model_name="historicalexpenditure",
            name="code",
            field=models.CharField(db_index=True, editable=False, max_length=20, null=True, verbose_name="執行コード"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="expenditure",
            name="code",
            field=models.CharField(
                default=projects.models.new_expenditure_code,
                editable=False,
                max_length=20,
                unique=True,
                verbose_name="執行コード",
            ),
        ),
        migrations.AlterField(
            model_name="historicalexpenditure",
            name="code",
            field=models.CharField(
                db_index=True,
                default=projects.models.new_expenditure_code,
                editable=False,
                max_length=20,
                verbose_name="執行コード",
            ),
        ),
    ]
