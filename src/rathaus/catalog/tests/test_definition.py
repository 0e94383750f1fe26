from pathlib import Path

import pytest

from rathaus.catalog.definition import DefinitionError, dump_definition, parse_definition

DOG = (Path(__file__).resolve().parent.parent / "definitions" / "hund-anmelden.yaml").read_text()


def line_of(source: str, needle: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if needle in line)


def test_bundled_dog_definition_is_valid():
    definition = parse_definition(DOG)
    assert definition.key == "hund-anmelden"
    assert [s.key for s in definition.steps] == ["halter", "hund", "gefaehrlich", "zahlung"]
    assert definition.fee is not None and definition.fee.period == "year"


def test_dump_and_parse_round_trip():
    definition = parse_definition(DOG)
    assert parse_definition(dump_definition(definition)) == definition


def test_unknown_field_type_names_the_line():
    broken = DOG.replace("type: choice", "type: chioce", 1)
    with pytest.raises(DefinitionError) as error:
        parse_definition(broken)
    problem = error.value.problems[0]
    assert problem.line == line_of(broken, "type: chioce")
    assert "unzulässiger Wert" in problem.message


def test_yaml_syntax_error_names_the_line():
    broken = DOG.replace("  - key: hund\n", "  - key: hund\n   oops: [\n", 1)
    with pytest.raises(DefinitionError) as error:
        parse_definition(broken)
    assert error.value.problems[0].line is not None
    assert "YAML" in str(error.value)


def test_typo_in_a_key_is_reported_as_unknown():
    broken = DOG.replace("max_length: 80", "max_lenght: 80", 1)
    with pytest.raises(DefinitionError) as error:
        parse_definition(broken)
    problem = error.value.problems[0]
    assert problem.line == line_of(broken, "max_lenght")
    assert "unbekannter Schlüssel" in problem.message


def test_condition_on_unknown_field_is_refused():
    broken = DOG.replace("field: hund.weitere_hunde, equals: 1", "field: hund.weiter, equals: 1")
    with pytest.raises(DefinitionError, match=r"unbekanntes Feld .hund\.weiter."):
        parse_definition(broken)


def test_choice_field_without_choices_is_refused():
    broken = "\n".join(
        line for line in DOG.splitlines() if not line.strip().startswith("- {value:")
    ).replace("        choices:\n", "")
    with pytest.raises(DefinitionError, match="choices"):
        parse_definition(broken)


@pytest.mark.parametrize("source", ["", "- a\n- b\n", "key: [", "just text"])
def test_not_a_definition(source):
    with pytest.raises(DefinitionError):
        parse_definition(source)


def test_oversized_file_is_refused():
    with pytest.raises(DefinitionError, match="zu groß"):
        parse_definition("# " + "x" * 600_000)


def test_yaml_tags_cannot_construct_python_objects():
    with pytest.raises(DefinitionError):
        parse_definition("!!python/object/apply:os.system ['true']")
