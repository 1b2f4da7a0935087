"""Broken input gets a plain-language message naming file, line and field; never a traceback.

Each case in tests/fixtures/invalid is a record file beside the exact report ``validate`` must print
(``NAME.expected``). To add a case, add both files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, VALID_RECORD

CASES = sorted(p.stem for p in (FIXTURES / "invalid").glob("*.yaml"))

NO_FOLDER = ("nowhere: no such folder; run this from the catalog's folder (the one holding papers/), "
             "or pass --papers DIR\n")


@pytest.mark.parametrize("case", CASES)
def test_invalid_record_is_reported_exactly(case: str, write_catalog, run_cli) -> None:
    papers = write_catalog({})
    shutil.copy(FIXTURES / "invalid" / f"{case}.yaml", papers / f"{case}.yaml")
    code, out, err = run_cli("validate")
    assert code == 1
    assert out == ""
    assert err == (FIXTURES / "invalid" / f"{case}.expected").read_text(encoding="utf-8")


def test_every_problem_in_every_file_is_reported_at_once(write_catalog, run_cli) -> None:
    write_catalog({
        "a": VALID_RECORD.replace("year: 2022", "year: soon"),
        "b": VALID_RECORD.replace("title: ", "titel: "),
        "c": VALID_RECORD.replace("Grokking: Generalization", "Another paper"),
    })
    code, _, err = run_cli("validate")
    assert code == 1
    assert err.splitlines() == [
        "papers/a.yaml:3: year: expected a whole number, got the text 'soon'",
        "papers/b.yaml:1: titel: unknown field; did you mean 'title'?",
        "papers/b.yaml:1: title: this field is required",
        "3 problems found.",
    ]


def test_the_same_paper_in_two_files_is_reported(write_catalog, run_cli) -> None:
    with_arxiv = VALID_RECORD + 'arxiv: "2201.02177"\n'
    write_catalog({
        "power2022grokking": with_arxiv,
        "copy": with_arxiv.replace("Grokking: Generalization Beyond Overfitting", "Another title"),
        "retitled": VALID_RECORD.replace("Grokking: Generalization", "grokking -- generalization"),
    })
    code, _, err = run_cli("validate")
    assert code == 1
    assert err.splitlines() == [
        "papers/power2022grokking.yaml:6: arxiv: the same paper is already in papers/copy.yaml (same arXiv id); "
        "keep one record and delete the other",
        "papers/retitled.yaml:1: title: the same paper is already in papers/power2022grokking.yaml (same title); "
        "keep one record and delete the other",
        "2 problems found.",
    ]


def test_taxonomy_problems_are_reported(write_catalog, run_cli) -> None:
    write_catalog({"ok": VALID_RECORD}, topics="""\
        - id: grokking
          title: Grokking
          parent: grokking-phenomena
        - id: loop-a
          title: A
          parent: loop-b
        - id: loop-b
          title: B
          parent: loop-a
        - id: Bad Id
          title: Bad
        """)
    code, _, err = run_cli("validate")
    assert code == 1
    assert err.splitlines() == [
        "papers/_topics.yaml:1: parent: unknown parent topic 'grokking-phenomena'",
        "papers/_topics.yaml:4: parent: the parents of topic 'loop-a' form a loop",
        "papers/_topics.yaml:7: parent: the parents of topic 'loop-b' form a loop",
        "papers/_topics.yaml:10: id: 'Bad Id' is not a valid id: use lowercase letters, digits and dashes; "
        "did you mean 'bad-id'?",
        "4 problems found.",
    ]


def test_missing_papers_folder_is_a_clear_error(run_cli) -> None:
    code, out, err = run_cli("validate", "--papers", "nowhere")
    assert (code, out) == (1, "")
    assert err == NO_FOLDER


def test_missing_taxonomy_is_a_clear_error(tmp_path: Path, run_cli) -> None:
    (tmp_path / "papers").mkdir()
    code, _, err = run_cli("validate")
    assert code == 1
    assert err.splitlines()[0] == "papers/_topics.yaml: the topics file is missing"


@pytest.mark.parametrize("command", ["validate", "build"])
def test_an_unreadable_taxonomy_is_reported_once_not_as_every_records_unknown_topic(
        command: str, write_catalog, run_cli) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD,
                            "liu2022omnigrok": VALID_RECORD.replace("Grokking: Generalization Beyond Overfitting",
                                                                    "Omnigrok: Grokking Beyond Algorithmic Data")})
    taxonomy = papers / "_topics.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("title: Grokking", "title: [Grokking", 1),
                        encoding="utf-8")
    code, _, err = run_cli(command)
    assert code == 1
    assert err.splitlines() == [
        "papers/_topics.yaml:5: title: this list opens with '[' but is never closed; add ']' at the end of the line",
        "1 problem found.",
    ]


def test_a_yml_file_is_not_silently_ignored(write_catalog, run_cli) -> None:
    papers = write_catalog({"power2022grokking": VALID_RECORD})
    (papers / "wang2024grokked.yml").write_text(VALID_RECORD.replace("Grokking:", "Grokked:"), encoding="utf-8")
    code, _, err = run_cli("validate")
    assert code == 1
    assert err == ("papers/wang2024grokked.yml: records must end in .yaml; rename it to wang2024grokked.yaml\n"
                   "1 problem found.\n")
