from django.db import migrations, models

import regions.models


def fill_codes(apps, schema_editor):
    Event = apps.get_model("regions", "Event")
    for event in Event.objects.filter(code__isnull=True).only("pk").iterator():
        Event.objects.filter(pk=event.pk).update(code=regions.models.new_event_code())


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0002_ministry_workflow"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="code",
            field=models.CharField(editable=False, max_length=20, null=True, verbose_name="イベントコード"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="code",
            field=models.CharField(
                default=regions.models.new_event_code,
                editable=False,
                max_length=20,
                unique=True,
                verbose_name="イベントコード",
            ),
        ),
    ]
