import pytest

from rathaus.accounts.models import User
from rathaus.cases.models import Team
from rathaus.catalog.models import Service
from rathaus.core.demo import load_demo
from rathaus.core.models import Municipality

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_without_duplicates():
    load_demo()
    counts = (User.objects.count(), Service.objects.count(), Team.objects.count())
    load_demo()
    assert (User.objects.count(), Service.objects.count(), Team.objects.count()) == counts
    musterstadt = Municipality.objects.get(slug="musterstadt")
    beispieldorf = Municipality.objects.get(slug="beispieldorf")
    assert musterstadt.primary_color != beispieldorf.primary_color
    # Beispieldorf's own dog-tax ordinance
    dog = Service.objects.of(beispieldorf).get(key="hund-anmelden")
    assert dog.current_version.data["fee"]["rules"][1]["amount"] == "72.00"
    team = Team.objects.of(musterstadt).get(key="steueramt")
    assert team.members.filter(email="sachbearbeitung@musterstadt.example").exists()
