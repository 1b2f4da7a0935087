"""``phenomena-catalog report``: the completeness table, kinds, topic counts and keyword pages."""

from __future__ import annotations

import re

from conftest import VALID_RECORD

FULL = """\
title: "Deep Double Descent: Where Bigger Models and More Data Hurt"
authors: [Preetum Nakkiran]
year: 2019
venue: ICLR 2020
topics: [generalization]
keywords: [Double Descent, grokking]
arxiv: "1912.02292"
digest: Test error peaks, then falls again.
added: 2026-11-23
sources: [Awesome Deep Phenomena]
"""

POST = """\
title: Are Deep Neural Networks Dramatically Overfitted?
kind: blog-post
year: 2019
topics: [generalization]
keywords: [Grokking]
added: 2026-11-23
sources: [Generalization in Deep Learning, Awesome Deep Phenomena]
"""


def _row(out: str, name: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(name + "  "))
    return re.split(r"\s{2,}", line.strip())


def test_report_counts_fields_per_source_kinds_topics_and_keywords(write_catalog, run_cli) -> None:
    write_catalog({"power2022grokking": VALID_RECORD, "nakkiran2019deep": FULL, "weng2019are": POST})
    code, out, err = run_cli("report")
    assert (code, err) == (0, "")
    header = re.split(r"\s{2,}", next(line for line in out.splitlines() if line.startswith("source")))
    assert header[:5] == ["source", "records", "authors", "venue", "month"]
    # all: 3 records, 2 with authors, 1 with a venue, 0 with a month, 1 digest, 2 with keywords, 1 arXiv id.
    assert _row(out, "all")[:8] == ["all", "3", "2 (67%)", "1 (33%)", "0 (0%)", "1 (33%)", "2 (67%)", "1 (33%)"]
    # A record counts for every list it came from; a record from no list is one added by hand.
    assert _row(out, "Awesome Deep Phenomena")[:3] == ["Awesome Deep Phenomena", "2", "1 (50%)"]
    assert _row(out, "Generalization in Deep Learning")[:3] == ["Generalization in Deep Learning", "1", "0 (0%)"]
    assert _row(out, "(added by hand)")[:3] == ["(added by hand)", "1", "1 (100%)"]
    assert "Records by kind: blog-post 1, paper 2" in out
    topics = {m[0]: (int(m[1]), int(m[2])) for m in re.findall(r"^  (\S+)\s+(\d+)\s+(\d+)$", out, re.MULTILINE)}
    assert topics == {"generalization": (2, 3), "grokking": (1, 1)}
    # Keyword pages fold spellings: "grokking" and "Grokking" are one page with two papers.
    assert "Keyword pages: 2, of which 1 (50%) hold two papers or more" in out


def test_report_counts_read_with_thousands_separators(write_catalog, run_cli) -> None:
    write_catalog({f"paper{n:04d}": VALID_RECORD.replace("title: \"", f"title: \"Paper {n}: ") for n in range(1_001)})
    code, out, err = run_cli("report")
    assert (code, err) == (0, "")
    assert out.startswith("Completeness of 1,001 records")
    assert _row(out, "all")[:3] == ["all", "1,001", "1,001 (100%)"]
    assert "Records by kind: paper 1,001" in out
    assert re.search(r"^  grokking\s+1,001\s+1,001$", out, re.MULTILINE)


def test_report_refuses_an_invalid_catalog_like_validate(write_catalog, run_cli) -> None:
    write_catalog({"broken": VALID_RECORD.replace("year: 2022", "year: soon")})
    code, out, err = run_cli("report")
    assert code == 1 and out == ""
    assert "papers/broken.yaml:3: year:" in err


def test_the_bundled_catalog_is_valid_and_every_topic_holds_five_papers() -> None:
    from pathlib import Path

    from phenomena_catalog.pipeline import read_catalog
    from phenomena_catalog.report import keyword_figures, topic_counts

    catalog = read_catalog(Path(__file__).resolve().parent.parent / "papers")  # raises on any invalid record
    counts = {topic: own for topic, own, _ in topic_counts(catalog)}
    assert {"edge-of-stability", "simplicity-bias", "loss-landscape", "benign-overfitting",
            "in-context-learning", "feature-learning"} <= set(counts)
    assert {topic: n for topic, n in counts.items() if n < 5} == {}
    assert all(len(t.topic.description) > 80 for t in catalog.topics)
    figures = keyword_figures(catalog)
    assert figures.shared / figures.pages >= 0.5  # most keyword pages hold two papers or more
