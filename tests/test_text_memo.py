"""The plan stage's memos of each paper's text: a rebuild after an edit recomputes the edited paper's
term counts and postings only, and plans exactly what a plan from scratch does."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from phenomena_catalog import related, search_index
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.models import Paper
from phenomena_catalog.pipeline import read_catalog
from phenomena_catalog.plan import Page, PaperPage, SearchIndexFile, TextMemos, plan

from conftest import copy_fixture_catalog


def planned(pages: list[Page]) -> dict[str, object]:
    """What the memos go into: the search index's files and each paper page's related papers."""
    found: dict[str, object] = {}
    for page in pages:
        if isinstance(page.context, SearchIndexFile):
            found[page.url] = page.context.text
        elif isinstance(page.context, PaperPage):
            found[page.url] = page.context.related
    return found


def test_a_rebuild_redoes_the_edited_paper_only_and_plans_what_a_fresh_plan_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = copy_fixture_catalog(tmp_path / "catalog") / "papers"
    made: list[str] = []
    real_counts, real_read = related.terms_of, search_index._read

    def counting_terms_of(title: str, *args: object) -> object:
        made.append("terms " + title)
        return real_counts(title, *args)  # type: ignore[arg-type]

    def counting_read(catalog: object, papers: list[Paper]) -> object:
        made.extend("postings " + paper.title for paper in papers)  # (the papers whose text is read)
        return real_read(catalog, papers)  # type: ignore[arg-type]

    monkeypatch.setattr(related, "terms_of", counting_terms_of)
    monkeypatch.setattr(search_index, "_read", counting_read)

    memos = TextMemos()
    catalog = read_catalog(papers)
    plan(catalog, SiteConfig(), memos=memos)
    memos.prune()
    assert len(made) == 2 * len(catalog.papers)

    # The cache keeps the memos on disk between builds.
    memos = pickle.loads(pickle.dumps(memos))
    record = papers / "power2022grokking.yaml"
    record.write_text(record.read_text().replace('title: "', 'title: "Revisited ', 1))
    made.clear()
    edited = read_catalog(papers)
    with_memos = plan(edited, SiteConfig(), memos=memos)
    title = next(p.title for p in edited.papers if p.id == "power2022grokking")
    assert title.startswith("Revisited ")
    assert made == ["terms " + title, "postings " + title]
    assert planned(with_memos) == planned(plan(edited, SiteConfig()))

    # Pruning forgets the paper's old text (the search index's state holds the last catalog only).
    memos.prune()
    assert len(memos.related) == len(edited.papers)
