"""The merge stage on its own: matching, richer fields, ids and topics, without files."""

from __future__ import annotations

import datetime as dt

from phenomena_catalog.importers.base import ImportedEntry, ParsedList
from phenomena_catalog.importers.merge import plan_import
from phenomena_catalog.models import KeywordEntry, PaperRecord, Topic

DAY = dt.date(2026, 11, 23)
TOPICS = [Topic(id="grokking", title="Grokking"), Topic(id="empirical-studies", title="Empirical studies")]


def entry(title: str, **fields: object) -> ImportedEntry:
    fields.setdefault("source", "List A")
    fields.setdefault("sections", ("Empirical Study",))
    return ImportedEntry(title=title, path="a.md", line=int(fields.pop("line", 1)), **fields)  # type: ignore[arg-type]


def plan(*entries: ImportedEntry, existing: dict[str, PaperRecord] | None = None):  # type: ignore[no-untyped-def]
    return plan_import([ParsedList("List A", list(entries))], existing or {}, TOPICS,
                       [KeywordEntry(name="Grokking", aliases=["grokked"])],
                       {"Empirical Study": ["empirical-studies"]}, DAY)


def test_same_arxiv_id_merges_and_richer_fields_win() -> None:
    result = plan(
        entry("Omnigrok", arxiv="2210.01117", year=2022, month=10, line=1),
        entry("Omnigrok: Grokking Beyond Algorithmic Data", arxiv="2210.01117", year=2023,
              authors=("Ziming Liu", "Max Tegmark"), venue="ICLR 2023", keywords=("grokked",),
              links=(("code", "https://github.com/x/y"),), line=9),
    )
    (record,) = result.records.values()
    assert list(result.records) == ["liu2023omnigrok"]
    assert record.title == "Omnigrok: Grokking Beyond Algorithmic Data"
    assert (record.year, record.month, record.venue) == (2022, 10, "ICLR 2023")
    assert record.keywords == ["Grokking"] and record.topics == ["empirical-studies", "grokking"]
    assert [o.action for o in result.outcomes] == ["created", "merged"]


def test_similar_titles_merge_unless_ids_differ() -> None:
    long = "Can You Learn the Same Model Twice? Investigating Reproducibility and Double Descent"
    result = plan(entry(long, year=2021), entry(long.replace("You", "Neural Nets"), year=2022, arxiv="2203.08124"))
    assert len(result.records) == 1
    result = plan(entry(long, year=2021, arxiv="2101.00001"),
                  entry(long.replace("You", "Neural Nets"), year=2022, arxiv="2203.08124"))
    assert len(result.records) == 2


def test_new_records_get_ids_by_the_shared_rule() -> None:
    """Ids come from ``ids.paper_id``; a list's surname hint stands in for missing authors."""
    result = plan(
        entry("The Lottery Ticket Hypothesis", authors=("Jonathan Frankle",), year=2018, venue="ICLR 2019", line=1),
        entry("On the Role of Noise", year=2020, author_hint="Shwartz-Ziv", line=2),
        entry("On the Role of Noise in Training", year=2020, line=3),
        existing={"frankle2019lottery": PaperRecord(title="Another Paper", year=2019, topics=["x"], added=DAY)},
    )
    assert result.created == ["frankle2019lottery-2", "shwartz-ziv2020role", "role2020noise"]


def test_unmapped_heading_becomes_a_reported_topic() -> None:
    result = plan(entry("A paper on things", year=2020, sections=("Mysteries", "Deep ones")))
    assert [t.id for t in result.new_topics] == ["mysteries", "deep-ones"]
    assert result.new_topics[1].parent == "mysteries"
    assert result.unmapped == {"Mysteries": "new topic 'mysteries'", "Mysteries > Deep ones": "new topic 'deep-ones'"}
    (record,) = result.records.values()
    assert record.topics == ["deep-ones"]


def test_a_keyword_files_a_paper_only_under_a_topic_its_title_names() -> None:
    topics = [*TOPICS, Topic(id="generalization", title="Generalization"),
              Topic(id="neural-collapse", title="Neural collapse", parent="generalization")]
    result = plan_import([ParsedList("List A", [
        entry("Omnigrok: Grokking Beyond Algorithmic Data", year=2022, keywords=("grokked",), line=1),
        entry("Feature learning in kernel machines", year=2022, keywords=("Grokking", "Neural Collapse"), line=5),
        entry("Neural Collapse under MSE loss", year=2022, keywords=("Neural Collapse", "Generalization"), line=9),
        entry("Generalization of wide networks", year=2022, keywords=("Generalization",), line=13),
    ])], {}, topics, [KeywordEntry(name="Grokking", aliases=["grokked"])],
        {"Empirical Study": ["empirical-studies"]}, DAY)
    filed = {record.title.split()[0]: record.topics for record in result.records.values()}
    assert filed["Omnigrok:"] == ["empirical-studies", "grokking"]  # an alias of the topic, named in the title
    assert filed["Feature"] == ["empirical-studies"]  # keywords of neighbouring phenomena file nothing
    assert filed["Neural"] == ["empirical-studies", "neural-collapse"]
    assert filed["Generalization"] == ["empirical-studies"]  # a broad topic is never added from a keyword
