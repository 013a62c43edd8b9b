import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The double-submit guard's used tokens move from projects into the kernel (state only: the
    table ``projects_submissiontoken`` is kept; projects 0009 removes the old model state)."""

    dependencies = [
        ("cluster_portal", "0002_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SubmissionToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("token", models.CharField(max_length=64, unique=True, verbose_name="トークン")),
                        ("redirect_url", models.CharField(blank=True, max_length=500, verbose_name="送信後の表示先")),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="作成日時")),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="ユーザー",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "送信済みフォーム",
                        "verbose_name_plural": "送信済みフォーム",
                        "db_table": "projects_submissiontoken",
                    },
                ),
            ],
        ),
    ]
