"""Indexes for the inbox at a million cases: the state filter with keyset paging on id, and on
PostgreSQL a trigram index for the applicant-name search (``icontains`` is
``UPPER(applicant_name) LIKE UPPER('%…%')``, which a B-tree cannot serve)."""

from django.db import migrations, models

TRGM_INDEX = "case_name_trgm"


def trgm_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON cases_case "
        "USING gin (UPPER(applicant_name::text) gin_trgm_ops)"
    )


def trgm_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_case_applicant_email_case_assignee_case_closed_at_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["municipality", "state", "id"], name="case_inbox_state"),
        ),
        migrations.RunPython(trgm_create, trgm_drop),
    ]
