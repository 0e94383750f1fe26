"""The API's case list at a million cases: sorted by last change, then id."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_inbox_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["municipality", "updated_at", "id"], name="case_api_changes"
            ),
        ),
    ]
