"""One same-paper rule for validate, import and add: they agree on every pair (issue 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phenomena_catalog.cli import main
from phenomena_catalog.models import PaperRecord
from phenomena_catalog.records import load
from phenomena_catalog.same_paper import PaperKeys, match, normalized_title
from phenomena_catalog.validate import check, same_paper

PAIRS = [
    # (title a, arxiv a, title b, arxiv b, same paper?)
    ("Deep Learning Theory, Part I", None, "Deep Learning Theory, Part II", None, False),
    ("Locating and Editing Factual Associations in GPT", None,
     "Locating and Editing Factual Associations in Mamba", None, False),
    ("Grokking: Generalization Beyond Overfitting", "2201.02177", "Grokking - generalization beyond overfitting",
     None, True),
    ("Implicit Regularization in Matrix Factorization", "1705.09280",
     "Implicit Regularization in Matrix Factorization", "1905.13655", False),
    ("Can You Learn the Same Model Twice? Investigating Reproducibility and Double Descent", None,
     "Can Neural Nets Learn the Same Model Twice? Investigating Reproducibility and Double Descent", None, True),
]


def _record(title: str, arxiv: str | None) -> str:
    text = f'title: "{title}"\nyear: 2022\ntopics: [grokking]\nadded: 2026-11-23\n'
    return text + (f'arxiv: "{arxiv}"\n' if arxiv else "")


@pytest.mark.parametrize(("a", "arxiv_a", "b", "arxiv_b", "same"), PAIRS)
def test_validate_import_and_add_agree(a, arxiv_a, b, arxiv_b, same, tmp_path: Path, monkeypatch, capsys) -> None:
    assert (match(PaperKeys(arxiv_a, None, normalized_title(a)), PaperKeys(arxiv_b, None, normalized_title(b)))
            is not None) == same
    monkeypatch.chdir(tmp_path)
    # import: a list naming both
    lines = [f"- [{t}](https://arxiv.org/abs/{x})" if x else f"- [{t}](https://example.org/{i}), 2022."
             for i, (t, x) in enumerate(((a, arxiv_a), (b, arxiv_b)))]
    Path("list.md").write_text("# L\n\n## Grokking\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert main(["import", "list.md", "--into", "imported", "--added", "2026-11-23"]) == 0
    capsys.readouterr()
    imported = load(Path("imported")).papers
    assert len(imported) == (1 if same else 2)
    # validate: both written by hand as two files
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text("- id: grokking\n  title: Grokking\n", encoding="utf-8")
    (papers / "a.yaml").write_text(_record(a, arxiv_a), encoding="utf-8")
    (papers / "b.yaml").write_text(_record(b, arxiv_b), encoding="utf-8")
    duplicates = [p for p in check(load(papers)) if "the same paper is already in" in p.message]
    assert bool(duplicates) == same
    # add/new: the second one against a catalog holding the first
    first = [p for p in load(papers).papers if p.id == "a"]
    record = PaperRecord.model_validate({"title": b, "year": 2022, "topics": ["grokking"], "added": "2026-11-23",
                                         "arxiv": arxiv_b})
    assert (same_paper(record, first) is not None) == same
