"""The examples in --help, README and CONTRIBUTING work on the bundled catalog as shipped."""

from __future__ import annotations

import re

import pytest
import yaml

from phenomena_catalog.cli import main

from conftest import REPO

PAPERS = REPO / "papers"


def _help(capsys: pytest.CaptureFixture[str], command: str) -> str:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return capsys.readouterr().out


def _catalog_arxiv_ids() -> set[str]:
    ids = set()
    for path in PAPERS.glob("*.yaml"):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("arxiv"):
            ids.add(str(data["arxiv"]))
    return ids


def _topic_ids() -> set[str]:
    return {t["id"] for t in yaml.safe_load((PAPERS / "_topics.yaml").read_text(encoding="utf-8"))}


def test_add_examples_name_papers_that_are_not_in_the_catalog_yet(capsys) -> None:
    texts = [_help(capsys, "add"), (REPO / "README.md").read_text(encoding="utf-8"),
             (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")]
    examples = [line for text in texts for line in text.splitlines() if "phenomena-catalog add " in line]
    assert len(examples) >= 4
    in_catalog, topics = _catalog_arxiv_ids(), _topic_ids()
    for line in examples:
        found = re.search(r"add (?:https://arxiv\.org/abs/)?(\d{4}\.\d{4,5})", line)
        if found is None:
            continue  # the ARXIV_ID_OR_URL placeholder
        assert found.group(1) not in in_catalog, line
        assert set(re.findall(r"--topic (\S+)", line)) <= topics, line


def test_new_example_writes_a_file_that_does_not_exist_yet(capsys) -> None:
    outs = re.findall(r"--out (papers/\S+\.yaml)", _help(capsys, "new"))
    assert outs == ["papers/lee2024grokfast.yaml"]
    assert not (REPO / outs[0]).exists()


def test_enrich_help_wraps_its_description_into_whole_lines(capsys) -> None:
    text = _help(capsys, "enrich")
    assert ("second at most) for each chosen record's missing metadata, and write it into the record: authors,\n"
            in text)
    paragraph = text.split("\n\n")[1].splitlines()
    assert all(len(line) > 60 for line in paragraph[:-1]), paragraph
