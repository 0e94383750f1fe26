"""The form engine, conditions, fees and checks, without views (except the group flow)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict

from rathaus.applications.checks import checks_run
from rathaus.applications.conditions import describe, evaluate
from rathaus.applications.fees import fee_compute
from rathaus.applications.formengine import (
    step_data_from_answers,
    step_form,
    validate_iban,
    validate_phone,
    validate_postcode,
    validate_street,
)
from rathaus.applications.models import Application
from rathaus.catalog import plugins
from rathaus.catalog.definition import (
    Condition,
    DefinitionError,
    load_definition,
    parse_definition,
)
from rathaus.catalog.services import service_definition_publish

TODAY = date(2026, 6, 15)

ALL_TYPES = """
format: rathaus.service/1
key: test-alles
name: Alle Feldtypen
summary: Ein Formular mit jedem Feldtyp.
allow_anonymous: true
steps:
  - key: eins
    title: Eins
    fields:
      - key: text
        type: text
        label: Text
        pattern: "^[A-Z]{2}$"
        pattern_message: Zwei Großbuchstaben.
        min_length: 2
      - {key: lang, type: textarea, label: Lang, required: false, max_length: 20}
      - {key: zahl, type: integer, label: Zahl, min_value: 1, max_value: 9}
      - {key: dezimal, type: decimal, label: Dezimal, required: false}
      - {key: betrag, type: money, label: Betrag}
      - {key: datum, type: date, label: Datum, date_min: today-18y, date_max: today}
      - {key: ok, type: boolean, label: Einverstanden}
      - key: wahl
        type: choice
        label: Wahl
        choices: [{value: a, label: A}, {value: b, label: B}]
      - key: viele
        type: multichoice
        label: Viele
        required: false
        choices: [{value: x, label: X}, {value: y, label: Y}]
      - {key: mail, type: email, label: Mail}
      - {key: tel, type: phone, label: Telefon}
      - {key: plz, type: postcode, label: PLZ}
      - {key: iban, type: iban, label: IBAN}
      - {key: adresse, type: address, label: Adresse}
      - {key: nur_bei_b, type: text, label: Nur bei B, when: {field: eins.wahl, equals: b}}
  - key: zwei
    title: Zwei
    fields:
      - key: personen
        type: group
        label: Weitere Personen
        item_label: Person
        min_items: 1
        max_items: 3
        fields:
          - {key: name, type: text, label: Name}
          - {key: kind, type: boolean, label: Kind, required: false}
          - {key: schule, type: text, label: Schule, when: {field: "@.kind", equals: true}}
      - {key: nur_bei_a, type: text, label: Nur bei A, when: {field: eins.wahl, equals: a}}
retention: {file_plan: "00.00", years: 1}
"""

VALID_EINS = {
    "text": "AB",
    "zahl": "3",
    "betrag": "12,50",
    "datum": "01.02.2020",
    "ok": "on",
    "wahl": "a",
    "mail": "a@example.org",
    "tel": "+49 5251/123-456",
    "plz": "33098",
    "iban": "de89 3704 0044 0532 0130 00",
    "adresse__street": "Am Markt 1a",
    "adresse__postcode": "33098",
    "adresse__city": "Musterstadt",
}


@pytest.fixture
def definition():
    return parse_definition(ALL_TYPES)


def form_for(definition, key, data, answers=None):
    step = definition.step(key)
    return step_form(
        definition=definition,
        step=step,
        answers=answers or {},
        uploads={},
        data=MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in data.items()}),
        files=MultiValueDict(),
        today=TODAY,
    )


# --- single validators ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "de89 3704 0044 0532 0130 00", "GB82WEST12345698765432"]
)
def test_valid_ibans_are_normalised(iban):
    assert validate_iban(iban) == iban.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE89370400440532013001", "Prüfziffer"),
        ("DE8937040044053201300", "hat 22 Zeichen"),
        ("1234", "Bitte geben Sie eine IBAN an"),
    ],
)
def test_bad_ibans_say_what_is_wrong(iban, message):
    with pytest.raises(ValidationError) as error:
        validate_iban(iban)
    assert message in error.value.messages[0]


def test_postcode_phone_and_street():
    assert validate_postcode(" 01067 ") == "01067"
    for bad in ("1234", "123456", "3309a"):
        with pytest.raises(ValidationError):
            validate_postcode(bad)
    assert validate_phone("0521 / 12-34 56") == "0521 / 12-34 56"
    for bad in ("12345", "+49 abc 123456", "1" * 21):
        with pytest.raises(ValidationError):
            validate_phone(bad)
    assert validate_street("Hauptstr. 12-14") == "Hauptstr. 12-14"
    with pytest.raises(ValidationError):
        validate_street("Hauptstraße")


# --- the step form --------------------------------------------------------------------------


def test_a_valid_step_gives_json_answers(definition):
    form = form_for(definition, "eins", VALID_EINS)
    assert form.is_valid(), form.error_entries()
    values = form.values()
    assert values["betrag"] == "12.50"
    assert values["datum"] == "2020-02-01"
    assert values["zahl"] == 3 and values["ok"] is True and values["viele"] is None
    assert values["iban"] == "DE89370400440532013000"
    assert values["adresse"] == {
        "street": "Am Markt 1a",
        "postcode": "33098",
        "city": "Musterstadt",
    }
    assert "nur_bei_b" not in values  # same-step condition does not hold


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("text", "ab", "Zwei Großbuchstaben."),
        ("zahl", "10", "nicht größer als 9"),
        ("zahl", "1,5", "ganze Zahl"),
        ("betrag", "-1", "nicht kleiner als 0"),
        ("betrag", "1,234", "höchstens 2 Nachkommastellen"),
        ("datum", "2026-06-16", "nicht nach dem 15.06.2026"),
        ("datum", "2008-06-14", "nicht vor dem 15.06.2008"),
        ("datum", "31.02.2020", "Bitte geben Sie ein Datum an"),
        ("ok", "", "Bitte bestätigen Sie: Einverstanden"),
        ("wahl", "c", "Bitte wählen Sie einen der Werte aus."),
        ("mail", "kein-mail", "E-Mail-Adresse"),
        ("plz", "1234", "5 Ziffern"),
        ("iban", "DE89370400440532013001", "Prüfziffer"),
        ("adresse__street", "Marktplatz", "Straße und Hausnummer"),
    ],
)
def test_each_type_rejects_bad_input_with_a_german_message(definition, field, value, message):
    form = form_for(definition, "eins", {**VALID_EINS, field: value})
    assert not form.is_valid()
    messages = " ".join(m for _anchor, _label, m in form.error_entries())
    assert message in messages


def test_relative_date_bounds_follow_today(definition):
    assert form_for(definition, "eins", {**VALID_EINS, "datum": "2008-06-15"}).is_valid()
    assert form_for(definition, "eins", {**VALID_EINS, "datum": "2026-06-15"}).is_valid()


def test_same_step_condition_requires_the_field_only_when_it_holds(definition):
    form = form_for(definition, "eins", {**VALID_EINS, "wahl": "b"})
    assert not form.is_valid()
    assert "Bitte geben Sie an: Nur bei B" in str(form.error_entries())
    form = form_for(definition, "eins", {**VALID_EINS, "wahl": "b", "nur_bei_b": "x"})
    assert form.is_valid() and form.values()["nur_bei_b"] == "x"
    # a value typed into a field whose condition does not hold is dropped, even if invalid
    form = form_for(definition, "eins", {**VALID_EINS, "nur_bei_b": "x" * 999})
    assert form.is_valid() and "nur_bei_b" not in form.values()


def test_conditional_field_has_hint_and_client_condition(definition):
    form = form_for(definition, "eins", VALID_EINS)
    form.suppress_errors()
    item = next(i for i in form.page_items() if i.spec.key == "nur_bei_b")
    assert item.dynamic
    assert item.condition_text == "bei „Wahl“ „B“ gewählt ist"
    assert '"name": "wahl"' in item.when_json and '"op": "equals"' in item.when_json


def test_field_depending_on_an_earlier_step_is_omitted_when_false(definition):
    group = {"personen-TOTAL_FORMS": "1", "personen-INITIAL_FORMS": "0", "personen-0-name": "Ida"}
    form = form_for(definition, "zwei", group, answers={"eins": {"wahl": "b"}})
    assert "nur_bei_a" not in form.fields
    assert form.is_valid(), form.error_entries()
    form = form_for(definition, "zwei", group, answers={"eins": {"wahl": "a"}})
    assert "nur_bei_a" in form.fields and not form.is_valid()


def test_group_entries_with_entry_conditions(definition):
    data = {
        "personen-TOTAL_FORMS": "2",
        "personen-INITIAL_FORMS": "0",
        "personen-0-name": "Ida",
        "personen-1-name": "Max",
        "personen-1-kind": "on",
    }
    form = form_for(definition, "zwei", data, answers={"eins": {"wahl": "b"}})
    assert not form.is_valid()
    assert "Person 2: Schule" in str(form.error_entries())
    data["personen-1-schule"] = "Grundschule"
    form = form_for(definition, "zwei", data, answers={"eins": {"wahl": "b"}})
    assert form.is_valid()
    assert form.values()["personen"] == [
        {"name": "Ida", "kind": False},
        {"name": "Max", "kind": True, "schule": "Grundschule"},
    ]


def test_group_limits_and_tampered_management_form(definition):
    too_many = {"personen-TOTAL_FORMS": "4", "personen-INITIAL_FORMS": "0"}
    too_many.update({f"personen-{i}-name": f"P{i}" for i in range(4)})
    form = form_for(definition, "zwei", too_many, answers={"eins": {"wahl": "b"}})
    assert not form.is_valid()
    assert "höchstens 3" in str(form.error_entries())
    form = form_for(definition, "zwei", {"personen-0-name": "x"}, answers={"eins": {"wahl": "b"}})
    assert not form.is_valid()  # management form missing: a message, not an exception
    assert form.error_entries()[0][0] == "group-personen"


def test_stored_answers_round_trip_through_form_data(definition):
    form = form_for(definition, "eins", {**VALID_EINS, "viele": ["x", "y"]})
    assert form.is_valid()
    values = form.values()
    data = step_data_from_answers(definition.step("eins"), values)
    again = step_form(
        definition=definition,
        step=definition.step("eins"),
        answers={},
        uploads={},
        data=data,
        files=MultiValueDict(),
        today=TODAY,
    )
    assert again.is_valid() and again.values() == values


# --- conditions -----------------------------------------------------------------------------


def cond(**kwargs) -> Condition:
    return Condition.model_validate(kwargs)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "a.n", "equals": 0}, True),
        ({"field": "a.n", "equals": "0"}, True),
        ({"field": "a.n", "not_equals": 0}, False),
        ({"field": "a.s", "in": ["x", "y"]}, True),
        ({"field": "a.m", "in": ["q"]}, True),
        ({"field": "a.m", "equals": "z"}, False),
        ({"field": "a.s", "filled": True}, True),
        ({"field": "a.leer", "filled": False}, True),
        ({"field": "a.leer", "equals": "x"}, False),
        ({"field": "a.geld", "gt": "10"}, True),
        ({"field": "a.geld", "gte": "10.5"}, True),
        ({"field": "a.geld", "lt": "10.5"}, False),
        ({"field": "a.geld", "lte": "10.5"}, True),
        ({"field": "a.leer", "gt": "0"}, False),
        ({"field": "a.geboren", "age_at_least": 18}, True),
        ({"field": "a.geboren", "age_at_least": 19}, False),
        ({"field": "a.b", "equals": True}, True),
        ({"all": [{"field": "a.b", "equals": True}, {"field": "a.n", "gt": 0}]}, False),
        ({"any": [{"field": "a.b", "equals": True}, {"field": "a.n", "gt": 0}]}, True),
        ({"not": {"field": "a.b", "equals": True}}, False),
        ({"field": "@.x", "equals": 1}, True),
    ],
)
def test_conditions(condition, expected):
    answers = {
        "a": {
            "n": 0,
            "s": "x",
            "m": ["p", "q"],
            "geld": "10.50",
            "geboren": "2008-06-15",
            "b": True,
        }
    }
    assert evaluate(cond(**condition), answers, entry={"x": 1}, today=TODAY) is expected


def test_describe_reads_like_german(definition):
    assert (
        describe(cond(field="eins.ok", equals=True), definition) == "„Einverstanden“ angekreuzt ist"
    )


# --- fees -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rasse", "weitere", "amount"),
    [("rottweiler", 0, "600.00"), ("mischling", 0, "96.00"), ("andere", 1, "120.00"),
     ("mischling", 2, "150.00"), ("mischling", 7, "150.00")],
)  # fmt: skip
def test_dog_tax(dog_service, rasse, weitere, amount):
    definition = load_definition(dog_service.current_version)
    fee = fee_compute(
        definition=definition, answers={"hund": {"rasse": rasse, "weitere_hunde": weitere}}
    )
    assert fee is not None and fee.amount == Decimal(amount)
    assert fee.period == "year" and fee.period_label == "pro Jahr"


def test_fee_plugin_is_called(musterstadt):
    plugins.register(
        plugins.ServicePlugin(
            name="testgebuehr",
            fees={
                "doppelt": lambda *, definition, data, municipality: (
                    Decimal(data["eins"]["zahl"]) * 2
                )
            },
            checks={"immer": lambda **kwargs: plugins.CheckResult(False, "Plugin sagt nein.")},
        )
    )
    source = ALL_TYPES.replace(
        "retention:",
        "fee: {label: Gebühr, plugin: testgebuehr.doppelt}\n"
        "checks:\n  - {key: p, label: Plugin, plugin: testgebuehr.immer}\nretention:",
    )
    definition = parse_definition(source)
    fee = fee_compute(
        definition=definition, answers={"eins": {"zahl": 3}}, municipality=musterstadt
    )
    assert fee is not None and fee.amount == Decimal("6.00")
    [result] = checks_run(definition=definition, answers={}, municipality=musterstadt)
    assert result == {
        "key": "p",
        "label": "Plugin",
        "passed": False,
        "message": "Plugin sagt nein.",
        "source": "plugin:testgebuehr.immer",
        "error": False,
    }


# --- checks ---------------------------------------------------------------------------------


def test_dog_checks(dog_service):
    definition = load_definition(dog_service.current_version)
    answers = {
        "halter": {"geburtsdatum": "2009-01-01"},
        "hund": {"rasse": "rottweiler"},
        "gefaehrlich": {"erlaubnis_vorhanden": False},
    }
    results = {r["key"]: r for r in checks_run(definition=definition, answers=answers)}
    assert results["volljaehrig"]["passed"] is False
    assert "unter 18" in results["volljaehrig"]["message"]
    assert results["erlaubnis"]["passed"] is False
    answers["hund"]["rasse"] = "mischling"
    answers["halter"]["geburtsdatum"] = "1980-01-01"
    results = {r["key"]: r for r in checks_run(definition=definition, answers=answers)}
    assert results["volljaehrig"]["passed"] and results["erlaubnis"]["passed"]
    assert results["erlaubnis"]["message"] == ""


# --- repeatable groups through the views, without JavaScript --------------------------------


@pytest.fixture
def all_types_service(musterstadt):
    version = service_definition_publish(municipality=musterstadt, source=ALL_TYPES, enable=True)
    return version.service


def test_add_and_remove_group_entries_with_submit_buttons_keeps_input(client, all_types_service):
    response = client.post("/m/musterstadt/antraege/neu/test-alles/")
    url = response["Location"].replace("/eins/", "/zwei/")
    base = response["Location"]
    assert client.post(base, {**VALID_EINS, "datum": "2020-02-01"}).status_code == 302
    page = client.get(url).content.decode()
    assert 'name="personen-0-name"' in page and 'name="personen-1-name"' not in page
    data = {
        "personen-TOTAL_FORMS": "1",
        "personen-INITIAL_FORMS": "0",
        "personen-0-name": "Ida",
        "nur_bei_a": "ja",
        "_action": "add:personen",
    }
    page = client.post(url, data).content.decode()
    assert 'name="personen-1-name"' in page and 'value="Ida"' in page
    assert "error-summary" not in page
    data.update(
        {"personen-TOTAL_FORMS": "2", "personen-1-name": "Max", "_action": "remove:personen:0"}
    )
    page = client.post(url, data).content.decode()
    assert 'value="Max"' in page and 'value="Ida"' not in page
    assert 'name="personen-1-name"' not in page
    data = {
        "personen-TOTAL_FORMS": "1",
        "personen-INITIAL_FORMS": "0",
        "personen-0-name": "Max",
        "nur_bei_a": "ja",
    }
    assert client.post(url, data).status_code == 302
    assert Application.objects.get().data["zwei"]["personen"] == [{"name": "Max", "kind": False}]


def test_step_queries_do_not_grow_with_the_number_of_fields(
    client, all_types_service, dog_service, django_assert_max_num_queries
):
    # given two steps with 15 and 6 fields
    response = client.post("/m/musterstadt/antraege/neu/test-alles/")
    many = response["Location"]
    response = client.post("/m/musterstadt/antraege/neu/hund-anmelden/")
    few = response["Location"]
    # then GET and POST of either take the same small number of queries
    for url in (many, few):
        with django_assert_max_num_queries(6):
            client.get(url)
    with django_assert_max_num_queries(12):
        assert client.post(many, {**VALID_EINS}).status_code == 302


# --- plugin step validators -----------------------------------------------------------------

SIMPLE_STEP = """
format: rathaus.service/1
key: test-schritt
name: Schrittprüfung
summary: Ein Schritt mit Plugin-Prüfung.
steps:
  - key: ort
    title: Ort
    plugin: testschritt.nur_markt
    fields:
      - {key: adresse, type: address, label: Anschrift}
retention: {file_plan: "00", years: 1}
"""


def _address(street):
    return MultiValueDict(
        {
            "adresse__street": [street],
            "adresse__postcode": ["33098"],
            "adresse__city": ["Musterstadt"],
        }
    )


def test_step_validator_errors_land_on_the_field_and_unknown_plugins_are_refused(musterstadt):
    seen = {}

    def nur_markt(*, definition, step, values, answers, municipality):
        seen["municipality"] = municipality
        if values["adresse"]["street"] != "Am Markt 1":
            return {"adresse": "Diese Anschrift liegt in keiner Zone."}
        return {}

    plugins.register(
        plugins.ServicePlugin(name="testschritt", step_validators={"nur_markt": nur_markt})
    )
    definition = parse_definition(SIMPLE_STEP)
    step = definition.step("ort")
    form = step_form(
        definition=definition,
        step=step,
        answers={},
        uploads={},
        data=_address("Hauptstraße 2"),
        files=MultiValueDict(),
        municipality=musterstadt,
    )
    assert not form.is_valid()
    assert form.errors["adresse__street"] == ["Diese Anschrift liegt in keiner Zone."]
    assert seen["municipality"] == musterstadt
    ok = step_form(
        definition=definition,
        step=step,
        answers={},
        uploads={},
        data=_address("Am Markt 1"),
        files=MultiValueDict(),
        municipality=musterstadt,
    )
    assert ok.is_valid()

    def broken(**kwargs):
        raise RuntimeError("register down")

    plugins.register(
        plugins.ServicePlugin(name="testschritt", step_validators={"nur_markt": broken})
    )
    failing = step_form(
        definition=definition,
        step=step,
        answers={},
        uploads={},
        data=_address("Am Markt 1"),
        files=MultiValueDict(),
    )
    assert not failing.is_valid()
    assert "nicht geprüft werden" in failing.non_field_errors()[0]

    with pytest.raises(DefinitionError):
        plugins.validate_plugins(
            parse_definition(SIMPLE_STEP.replace("testschritt.nur_markt", "fehlt.ganz"))
        )
