"""NUL characters in a query string or a simple form never reach the database (PostgreSQL cannot
store them): they are dropped before the view sees the request."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from rathaus.core.middleware import NullCharacterMiddleware


def _echo(request):
    return HttpResponse(repr((request.GET.getlist("q"), request.POST.getlist("name"))))


def test_nul_is_removed_from_query_and_urlencoded_post():
    middleware = NullCharacterMiddleware(_echo)
    factory = RequestFactory()
    response = middleware(factory.get("/suche/?q=ko%00rn&q=%00"))
    assert response.content.decode() == repr((["korn", ""], []))
    response = middleware(
        factory.post("/x/", "name=a%00b", content_type="application/x-www-form-urlencoded")
    )
    assert response.content.decode() == repr(([], ["ab"]))


@pytest.mark.django_db
def test_search_pages_answer_a_nul_query(client, musterstadt, clerk):
    from rathaus.accounts.testing import login_staff

    login_staff(client, clerk)
    for url in ("/m/musterstadt/verwaltung/vorgaenge/?q=%00x", "/m/musterstadt/leistungen/?q=%00"):
        assert client.get(url).status_code == 200, url
