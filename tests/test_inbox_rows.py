"""The inbox rows are built in Python (``backoffice.views._inbox_rows``), not by the template
engine: every value from the database must still be escaped, and each cell must show what the
template showed."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from rathaus.cases.models import Case, CaseState
from rathaus.cases.tests.helpers import submitted_case

M = "/m/musterstadt"


def test_rows_escape_everything_and_show_each_cell(client, worker, dog_service, citizen):
    hostile = submitted_case(dog_service, citizen)
    overdue_date = timezone.localdate() - timedelta(days=3)
    Case.objects.filter(pk=hostile.pk).update(
        applicant_name='<script>alert("x")</script> & Co',
        due_date=overdue_date,
        assignee=worker,
        state=CaseState.IN_PROGRESS,
    )
    worker.first_name, worker.last_name = "Karl", "<b>Klammer</b>"
    worker.save(update_fields=["first_name", "last_name"])
    quiet = submitted_case(dog_service, citizen)
    Case.objects.filter(pk=quiet.pk).update(due_date=None)

    client.force_login(worker)
    page = client.get(M + reverse("backoffice:inbox")).content.decode()

    assert "<script>" not in page and "<b>Klammer" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "Karl &lt;b&gt;Klammer&lt;/b&gt;" in page
    case_url = M + reverse("backoffice:case", args=[hostile.pk])
    row = page.split(f'href="{case_url}"', 1)[1].split("</tr>", 1)[0]
    assert hostile.reference in row and dog_service.name in row
    assert ">in Bearbeitung<" in row and ">online<" in row
    assert overdue_date.strftime("%d.%m.%Y") in row and "überfällig" in row
    assert page.count("is-overdue") == 1
    quiet_row = page.split(f'href="{M + reverse("backoffice:case", args=[quiet.pk])}"', 1)[1]
    quiet_row = quiet_row.split("</tr>", 1)[0]
    assert "–" in quiet_row and ">offen<" in quiet_row  # no due date, nobody assigned


def test_rows_follow_the_language(client, worker, case):
    client.force_login(worker)
    english = client.get(M + reverse("backoffice:inbox"), headers={"accept-language": "en"})
    row = english.content.decode().split(case.reference, 1)[1].split("</tr>", 1)[0]
    assert ">received<" in row.lower() and ">eingegangen<" not in row
