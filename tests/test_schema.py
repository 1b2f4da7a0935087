"""``schema``: the committed JSON Schema is current, describes every field and rejects typos."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from phenomena_catalog.cli import main
from phenomena_catalog.models import Links, PaperRecord
from phenomena_catalog.schema import SCHEMA_FILE, modeline

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / SCHEMA_FILE


class _EditorLoader(yaml.SafeLoader):
    """Reads YAML as a YAML 1.2 editor does: dates stay text (the schema says format: date)."""


_EditorLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_schema() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_committed_schema_is_up_to_date(tmp_path, capsys):
    out = tmp_path / "paper.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "schema/paper.schema.json is out of date; run: phenomena-catalog schema --out schema/paper.schema.json"
    )


def test_schema_printed_without_out(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == load_schema()


def test_every_field_is_described_and_unknown_fields_are_rejected():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Links"]["additionalProperties"] is False
    assert set(schema["required"]) == {"title", "year", "topics", "added"}
    for name, info in PaperRecord.model_fields.items():
        assert schema["properties"][name]["description"] == info.description
    for name, info in Links.model_fields.items():
        assert schema["$defs"]["Links"]["properties"][name]["description"] == info.description


def test_the_bundled_records_pass_the_schema():
    validator = jsonschema.Draft202012Validator(load_schema())
    records = sorted((ROOT / "papers").glob("[!_]*.yaml"))
    assert records
    failing = {
        record.name: [error.message for error in validator.iter_errors(
            yaml.load(record.read_text(encoding="utf-8"), Loader=_EditorLoader))]
        for record in records
    }
    assert {name: errors for name, errors in failing.items() if errors} == {}


@pytest.mark.parametrize(("change", "complaint"), [
    ({"autors": ["A B"]}, "Additional properties are not allowed ('autors' was unexpected)"),
    ({"arxiv": "arXiv:2201.02177"}, "does not match"),
    ({"doi": "https://doi.org/10.1145/3446776"}, "does not match"),
    ({"links": {"paper": "arxiv.org/abs/2201.02177"}}, "does not match"),
    ({"links": {"papr": "https://arxiv.org/abs/2201.02177"}}, "Additional properties are not allowed"),
    ({"year": "2022"}, "is not of type 'integer'"),
    ({"topics": ["Grokking"]}, "does not match"),
])
def test_the_schema_flags_what_validation_flags(change, complaint):
    record = {"title": "Grokking", "year": 2022, "topics": ["grokking"], "added": "2026-11-23", **change}
    with pytest.raises(jsonschema.ValidationError) as caught:
        jsonschema.validate(record, load_schema())
    assert complaint in caught.value.message


def test_modeline_points_at_the_schema_relatively(tmp_path):
    papers = tmp_path / "papers"
    assert modeline(papers / "a.yaml", papers) == "# yaml-language-server: $schema=../schema/paper.schema.json\n"
    assert modeline(papers / "2022" / "a.yaml", papers) == (
        "# yaml-language-server: $schema=../../schema/paper.schema.json\n")


def test_schema_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["schema", "--help"])
    assert "example:\n  phenomena-catalog schema --out schema/paper.schema.json" in capsys.readouterr().out


def test_schema_out_to_a_folder_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "schema").mkdir()
    assert main(["schema", "--out", "schema"]) == 1
    assert capsys.readouterr().err == "schema: is a folder; pass a file name such as schema/paper.schema.json\n"


def test_each_field_is_described_by_its_docstring_as_pydantic_would_describe_it():
    # ``models.described`` reads each module's source once, instead of pydantic's
    # ``use_attribute_docstrings`` reading it again for each class: the same descriptions.
    from pydantic._internal._docs_extraction import extract_docstrings_from_cls

    from phenomena_catalog.config import SiteConfig
    from phenomena_catalog.models import KeywordEntry, Paper, Topic

    for model in (Links, PaperRecord, Paper, Topic, KeywordEntry, SiteConfig):
        expected: dict[str, str] = {}
        for base in reversed([base for base in model.__mro__ if base.__module__.startswith("phenomena_catalog")]):
            expected.update(extract_docstrings_from_cls(base, use_inspect=True))
        described = {name: info.description for name, info in model.model_fields.items()}
        assert described == {name: expected[name] for name in model.model_fields}, model.__name__
        assert all(described.values()), model.__name__


def test_fields_of_a_module_whose_source_cannot_be_read_are_left_undescribed(tmp_path, monkeypatch):
    # (as pydantic's own docstring extraction leaves them): an installation of .pyc files only
    # still imports the models.
    import sys
    import types

    from phenomena_catalog import models

    compiled = tmp_path / "records_only.pyc"
    compiled.write_bytes(b"\x00\xff not source")
    monkeypatch.setitem(sys.modules, "phenomena_catalog.sourceless", types.SimpleNamespace(__file__=str(compiled)))
    assert models._docstrings("phenomena_catalog.sourceless") == {}
    missing = types.SimpleNamespace(__file__=str(tmp_path / "gone.py"))
    monkeypatch.setitem(sys.modules, "phenomena_catalog.gone", missing)
    assert models._docstrings("phenomena_catalog.gone") == {}
