"""Links into the source repository: edit a record, suggest a paper with a prefilled template."""

from __future__ import annotations

import doctest
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from phenomena_catalog import repository
from phenomena_catalog.records import load_paper
from phenomena_catalog.repository import edit_url, suggest_url, suggestion_template, view_url

REPO = "https://github.com/org/catalog"


def test_module_examples() -> None:
    assert doctest.testmod(repository).failed == 0


def test_edit_url() -> None:
    assert edit_url(REPO, "main", "papers/power2022grokking.yaml") == (
        "https://github.com/org/catalog/edit/main/papers/power2022grokking.yaml"
    )
    # A trailing slash or .git in the setting and odd characters in the branch are handled.
    assert edit_url(REPO + ".git/", "feature/new list", "/papers/a b.yaml") == (
        "https://github.com/org/catalog/edit/feature%2Fnew%20list/papers/a%20b.yaml"
    )


def test_view_url() -> None:
    assert (
        view_url(REPO, "main", "papers/x.yaml")
        == "https://github.com/org/catalog/blob/main/papers/x.yaml"
    )


def test_no_repository_means_no_link() -> None:
    assert edit_url(None, "main", "papers/x.yaml") is None
    assert suggest_url(None, "main") is None
    assert view_url("", "main", "papers/x.yaml") is None


def test_suggest_url_opens_a_new_file_in_papers_with_the_template() -> None:
    url = suggest_url(REPO, "main", topic="grokking")
    assert url is not None
    parts = urlsplit(url)
    assert (
        f"{parts.scheme}://{parts.netloc}{parts.path}"
        == "https://github.com/org/catalog/new/main/papers"
    )
    query = parse_qs(parts.query)
    assert query == {
        "filename": ["firstauthorYEARword.yaml"],
        "value": [suggestion_template("grokking")],
    }
    assert "topics: [grokking]" in query["value"][0]
    assert " " not in url and "\n" not in url  # spaces and newlines are percent-encoded
    assert "%0A" in url and "+" not in parts.query


def test_blank_template_fails_validation_with_plain_messages(tmp_path: Path) -> None:
    file = tmp_path / "firstauthorYEARword.yaml"
    file.write_text(suggestion_template(), encoding="utf-8")
    paper, problems = load_paper(file, "papers/firstauthorYEARword.yaml")
    assert paper is None
    assert [str(p) for p in problems] == [
        "papers/firstauthorYEARword.yaml:4: title: must not be empty",
        "papers/firstauthorYEARword.yaml:6: year: expected a whole number, got nothing",
        "papers/firstauthorYEARword.yaml:8: topics: this list must not be empty",
        "papers/firstauthorYEARword.yaml:16: added: expected a date written YYYY-MM-DD, got nothing",
    ]


def test_filled_template_is_a_valid_record(tmp_path: Path) -> None:
    text = (
        suggestion_template("grokking")
        .replace('title: ""', 'title: "Grokking: Generalization Beyond Overfitting"')
        .replace("authors: []", "authors: [Alethea Power]")
        .replace("year:  #", "year: 2022  #")
        .replace("added:  #", "added: 2026-11-23  #")
    )
    file = tmp_path / "power2022grokking.yaml"
    file.write_text(text, encoding="utf-8")
    paper, problems = load_paper(file, "papers/power2022grokking.yaml")
    assert problems == []
    assert paper is not None and paper.topics == ["grokking"] and paper.year == 2022


def test_placeholder_file_name_must_be_renamed(tmp_path: Path) -> None:
    text = (
        suggestion_template("grokking")
        .replace('title: ""', "title: T")
        .replace("year:  #", "year: 2022  #")
        .replace("added:  #", "added: 2026-11-23  #")
    )
    file = tmp_path / "firstauthorYEARword.yaml"
    file.write_text(text, encoding="utf-8")
    _, problems = load_paper(file, "papers/firstauthorYEARword.yaml")
    assert [p.message for p in problems] == [
        (
            "the file name 'firstauthorYEARword.yaml' must be lowercase letters, digits and dashes, "
            "ending in .yaml (e.g. power2022grokking.yaml)"
        )
    ]
