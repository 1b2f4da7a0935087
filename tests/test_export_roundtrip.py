"""README round trip: export readme -> import into an empty folder -> the same records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from phenomena_catalog.cli import main
from phenomena_catalog.models import Paper
from phenomena_catalog.pipeline import load_checked

TOPICS = """\
- id: generalization
  title: Generalization
  description: Why networks generalize.
- id: grokking
  title: Grokking
  parent: generalization
- id: information-bottleneck
  title: Information bottleneck
- id: double-descent
  title: Double descent
"""
RECORDS = {
    # Two topics, Unicode names, every link kind the format writes, a digest over several lines.
    "chizat2018lazy.yaml": """\
title: On Lazy Training in Differentiable Programming?
authors: [Lénaïc Chizat, Édouard Oyallon, Francis Bach]
year: 2018
venue: NeurIPS 2019
topics: [generalization, grokking]
keywords: [Lazy Training, Neural Tangent Kernel]
links:
  paper: https://arxiv.org/abs/1812.07956
  pdf: https://proceedings.neurips.cc/paper/2019/file/ae614c557843b1df326cb29c57225459-Paper.pdf
  code: https://github.com/lchizat/lazy
  blog: https://example.org/lazy-blog
arxiv: "1812.07956"
digest: |
  A first line
  and a second line with `code` and a [link](https://example.org).
added: 2026-11-23
""",
    # Journal paper without arXiv id: a DOI landing page.
    "shumailov2024ai.yaml": """\
title: AI models collapse when trained on recursively generated data
authors: [Ilia Shumailov, Zakhar Shumaylov]
year: 2024
venue: Nature
topics: [information-bottleneck]
keywords: [Model Collapse]
links:
  paper: https://www.nature.com/articles/s41586-024-07566-y
doi: 10.1038/s41586-024-07566-y
added: 2026-11-23
""",
    # Nothing but the required fields, and punctuation in the title.
    "wortsman2022model.yaml": """\
title: "Model Soups: averaging weights; improves accuracy (ViT-G/14)"
year: 2022
topics: [double-descent]
added: 2026-11-23
""",
    "power2022grokking.yaml": """\
title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
authors: [Alethea Power, Yuri Burda, Harri Edwards, Igor Babuschkin, Vedant Misra]
year: 2022
month: 1
venue: ICLR 2022 Workshop
topics: [grokking]
keywords: [Grokking, Algorithmic Datasets]
links:
  paper: https://arxiv.org/abs/2201.02177
arxiv: "2201.02177"
digest: |
  Neural networks trained on small algorithmic datasets can improve from chance-level to perfect
  generalization **long after** they have fit the training data.
added: 2026-11-23
""",
}


def comparable(paper: Paper) -> dict[str, Any]:
    """What the README format carries: ids and months are not in it, whitespace is not significant."""
    return {
        "title": paper.title,
        "authors": paper.authors,
        "year": paper.year,
        "venue": paper.venue,
        "links": dict(paper.links.items()),
        "keywords": paper.keywords,
        "digest": " ".join(paper.digest.split()) if paper.digest else None,
        "topics": sorted(paper.topics),
        "arxiv": paper.arxiv,
        "doi": paper.doi,
    }


def test_readme_imports_back_into_the_same_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "papers"
    source.mkdir()
    (source / "_topics.yaml").write_text(TOPICS, encoding="utf-8")
    for name, text in RECORDS.items():
        (source / name).write_text(text, encoding="utf-8")

    assert main(["export", "readme", "--out", "README.md"]) == 0
    (tmp_path / "imported").mkdir()
    assert main(["import", "README.md", "--into", "imported", "--added", "2026-11-23"]) == 0
    capsys.readouterr()

    before = load_checked(source)
    after = load_checked(tmp_path / "imported")
    by_title = {p.title: comparable(p) for p in after.papers}
    assert by_title == {p.title: comparable(p) for p in before.papers}
    # Topics come back from the section headings: same ids and titles.
    assert sorted((t.id, t.title) for t in after.topics) == sorted(
        (t.id, t.title) for t in before.topics
    )

    # Exporting the imported catalog lists the same entries under the same headings (the table of
    # contents differs: the imported taxonomy is flat, so Grokking is no longer under Generalization).
    def entries(path: str) -> list[str]:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return sorted(
            line
            for line in lines
            if line.startswith(("- ", "  - ", "## ", "<summary>")) and "](#" not in line
        )

    assert main(["export", "readme", "--papers", "imported", "--out", "again.md"]) == 0
    assert entries("again.md") == entries("README.md")
