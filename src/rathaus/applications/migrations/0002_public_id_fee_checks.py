import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    for application in Application.objects.filter(public_id__isnull=True).only("pk"):
        application.public_id = uuid.uuid4()
        application.save(update_fields=["public_id"])


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="application",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="application",
            name="fee_details",
            field=models.JSONField(blank=True, default=dict, help_text="Gebühr bei Einreichung: amount, label, rule_label, period."),
        ),
        migrations.AddField(
            model_name="application",
            name="check_results",
            field=models.JSONField(blank=True, default=list, help_text="Ergebnisse der automatischen Prüfungen bei Einreichung."),
        ),
    ]
