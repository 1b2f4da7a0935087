"""A paper page and its neighbours as readers, reference managers and feed readers see them:
related papers, citation meta tags, JSON-LD, OpenGraph, timelines, Atom feeds, CSL-JSON, the 404 page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from phenomena_catalog import citation, presentation
from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import SiteConfig
from phenomena_catalog.models import Paper
from phenomena_catalog.related import related_papers
from phenomena_catalog.timeline import papers_per_year

from conftest import HOSTILE, HOSTILE_RECORD, TEMPLATES
from site_helpers import page


def _paper(pid: str, title: str, digest: str = "", keywords: tuple[str, ...] = (), authors: tuple[str, ...] = ("A B",),
           topics: tuple[str, ...] = ("t",), year: int = 2020) -> Paper:
    return Paper(id=pid, path=f"papers/{pid}.yaml", title=title, authors=list(authors), year=year,
                 topics=list(topics), keywords=list(keywords), digest=digest or None, added="2026-11-23")


# -- related papers ----------------------------------------------------------------------------


def test_related_papers_are_the_most_similar_by_title_keywords_and_digest() -> None:
    papers = [
        _paper("dd1", "Deep double descent", "Test error peaks at the interpolation threshold.", ("double descent",)),
        _paper("dd2", "Double descent in random features", "The interpolation threshold and double descent.",
               ("double descent",), authors=("C D",)),
        _paper("dd3", "Multiple descent of kernels", "Double descent curves for kernel regression.",
               authors=("E F",)),
        _paper("gk1", "Grokking on algorithmic data", "Late generalization on modular arithmetic.", ("grokking",),
               authors=("G H",)),
        _paper("gk2", "Grokking explained", "Modular arithmetic circuits and late generalization.", ("grokking",),
               authors=("I J",)),
    ]
    related = related_papers(papers, lambda p: p.keywords, similar_limit=2, author_limit=3)
    assert [p.id for p in related["dd1"].similar] == ["dd2", "dd3"]
    assert related["gk1"].similar[0].id == "gk2"
    # Same authors: dd3 shares none with dd1; gk papers share none with each other.
    assert related["gk1"].same_authors == ()


def test_related_papers_list_other_papers_by_the_same_authors_newest_first() -> None:
    papers = [
        _paper("a2019", "Alpha", authors=("Ann Lee", "Bo Chen"), year=2019),
        _paper("a2021", "Beta", authors=("Ann Lee",), year=2021),
        _paper("a2020", "Gamma", authors=("Bo Chen", "Cy Dow"), year=2020),
        _paper("z2022", "Delta", authors=("Zed Roe",), year=2022),
    ]
    related = related_papers(papers, lambda p: p.keywords)
    assert [p.id for p in related["a2019"].same_authors] == ["a2021", "a2020"]
    assert related["z2022"].same_authors == ()
    # A paper by the same authors is not repeated among the similar ones.
    assert not {p.id for p in related["a2019"].similar} & {"a2021", "a2020"}


def test_related_papers_break_ties_by_id_whatever_the_input_order() -> None:
    papers = [_paper(pid, "Identical title words here", year=2020, authors=(pid,)) for pid in ("c", "a", "d", "b")]
    papers.append(_paper("q", "Identical title words here", authors=("q",)))
    papers += [_paper("x", "Unrelated", authors=("x",)), _paper("y", "Other", authors=("y",))]
    first = related_papers(papers, lambda p: p.keywords, similar_limit=3)
    again = related_papers(list(reversed(papers)), lambda p: p.keywords, similar_limit=3)
    assert [p.id for p in first["q"].similar] == ["a", "b", "c"]
    assert {k: [p.id for p in v.similar] for k, v in first.items()} == \
        {k: [p.id for p in v.similar] for k, v in again.items()}


def test_bundled_double_descent_paper_relates_to_double_descent_papers() -> None:
    from phenomena_catalog.pipeline import read_catalog
    from phenomena_catalog.related import related_in_catalog

    from conftest import REPO

    catalog = read_catalog(REPO / "papers")
    related = related_in_catalog(catalog)["nakkiran2020deep"]
    on_topic = [p for p in related.similar if "double-descent" in p.topics or "descent" in p.title.lower()]
    assert len(related.similar) == 6 and len(on_topic) >= 4, [p.title for p in related.similar]


def test_paper_page_shows_related_papers_and_more_by_the_authors(fixture_site: Path) -> None:
    soup = page(fixture_site, "papers/frankle2019lottery.html")
    titles = [a.get_text() for a in soup.select("#related-heading + .related-list a")]
    assert titles[0] == 'Sparse networks <b>everywhere</b> & the "lottery"'
    for link in soup.select(".related-list a"):
        assert (fixture_site / "papers" / link["href"]).resolve().is_file()


# -- citation tags, JSON-LD, OpenGraph ---------------------------------------------------------


def _meta(soup, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["content"] for m in soup.find_all("meta", attrs={"name": name})]


def test_paper_page_has_highwire_citation_tags(fixture_site: Path) -> None:
    soup = page(fixture_site, "papers/nakkiran2020deep.html")
    assert _meta(soup, "citation_title") == ["Deep Double Descent: Where Bigger Models and More Data Hurt"]
    assert _meta(soup, "citation_author") == ["Preetum Nakkiran", "Gal Kaplun", "Yamini Bansal", "Tristan Yang",
                                              "Boaz Barak", "Ilya Sutskever"]
    assert _meta(soup, "citation_publication_date") == ["2020"]
    assert _meta(soup, "citation_arxiv_id") == ["1912.02292"]
    assert _meta(soup, "citation_pdf_url") == ["https://arxiv.org/pdf/1912.02292"]
    assert _meta(soup, "citation_conference_title") == ["ICLR 2020"]
    assert _meta(soup, "citation_journal_title") == []
    chen = page(fixture_site, "papers/chen2021sparse.html")
    assert _meta(chen, "citation_doi") == ["10.5555/12345"]
    assert _meta(chen, "citation_title") == ['Sparse networks <b>everywhere</b> & the "lottery"']


def test_paper_page_has_scholarly_article_json_ld(fixture_site: Path) -> None:
    soup = page(fixture_site, "papers/power2022grokking.html")
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "ScholarlyArticle"
    assert data["headline"] == "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    assert [a["name"] for a in data["author"]][:2] == ["Alethea Power", "Yuri Burda"]
    assert data["datePublished"].startswith("2022")
    assert "https://arxiv.org/abs/2201.02177" in data["sameAs"]


def test_pages_have_opengraph_and_twitter_card_tags(fixture_site: Path) -> None:
    soup = page(fixture_site, "papers/power2022grokking.html")
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:type"] == "article"
    assert og["og:title"].startswith("Grokking: Generalization")
    assert og["og:description"]
    assert _meta(soup, "twitter:card") == ["summary"]
    home = page(fixture_site, "index.html")
    assert home.find("meta", property="og:type")["content"] == "website"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog whose record has markup and script-closing text in every field, built with base_url."""
    from conftest import TOPICS_YAML

    papers = tmp_path_factory.mktemp("hostile") / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS_YAML, encoding="utf-8")
    (papers / "hostile2021.yaml").write_text(HOSTILE_RECORD, encoding="utf-8")
    out = papers.parent / "site"
    build_site(papers, TEMPLATES, out, SiteConfig(title="Cat <i>", base_url="https://org.github.io/cat/"), jobs=1)
    return out


def test_record_text_stays_text_in_meta_tags_json_ld_feeds_and_csl(hostile_site: Path) -> None:
    raw = (hostile_site / "papers/hostile2021.html").read_text(encoding="utf-8")
    head = raw.split("</head>")[0]
    # Only our own scripts end in the head: the JSON-LD one and site.js.
    # The "js" class marker, site.js and the JSON-LD: no script made of record text.
    assert head.count("</script>") == 3 and "<script>alert" not in raw
    soup = page(hostile_site, "papers/hostile2021.html")
    assert _meta(soup, "citation_title") == ["Title " + HOSTILE]
    assert _meta(soup, "citation_author") == ["Ada " + HOSTILE, "Alan Turing"]
    assert _meta(soup, "citation_conference_title") == ["NeurIPS 2021 " + HOSTILE]
    assert _meta(soup, "citation_pdf_url") == ["https://example.org/paper.pdf?a=1&b=2"]
    assert soup.find("meta", property="og:title")["content"] == "Title " + HOSTILE
    script = soup.find("script", type="application/ld+json").string
    assert "<" not in script and ">" not in script
    data = json.loads(script)
    assert data["name"] == "Title " + HOSTILE
    assert data["author"][0]["name"] == "Ada " + HOSTILE
    assert data["keywords"] == ["kw " + HOSTILE]
    assert data["url"] == "https://org.github.io/cat/papers/hostile2021.html"

    feed = feedparser.parse((hostile_site / "feed.atom").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    entry = feed.entries[0]
    assert entry.title == "Title " + HOSTILE
    assert [a["name"] for a in entry.authors] == ["Ada " + HOSTILE, "Alan Turing"]
    # The summary is the digest's text (Markdown's typography applied), carried as plain text.
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary.startswith("Digest </script><script>alert(")

    items = json.loads((hostile_site / "papers.csl.json").read_text(encoding="utf-8"))
    assert items[0]["title"] == "Title " + HOSTILE
    assert items[0]["container-title"] == "NeurIPS 2021 " + HOSTILE


# -- timelines ---------------------------------------------------------------------------------


def test_papers_per_year_counts_every_year_between_first_and_last() -> None:
    assert papers_per_year([2017, 2017, 2020]) == ((2017, 2), (2018, 0), (2019, 0), (2020, 1))
    assert papers_per_year([]) == ()


def test_home_and_topic_pages_show_a_timeline_with_a_text_alternative(fixture_site: Path) -> None:
    svg = page(fixture_site, "index.html").select_one("svg.timeline")
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert svg.find(id=title_id).get_text() == "Papers in the catalog per year"
    assert svg.find(id=desc_id).get_text() == "2017: 2; 2018: 0; 2019: 1; 2020: 1; 2021: 1; 2022: 1."
    assert len(svg.select("rect.timeline-bar")) == 6
    topic = page(fixture_site, "topics/generalization.html").select_one("svg.timeline desc")
    # The topic counts its subtopics' papers too (double descent 2020, grokking 2022).
    assert topic.get_text() == "2017: 1; 2018: 0; 2019: 0; 2020: 1; 2021: 1; 2022: 1."


# -- Atom feeds --------------------------------------------------------------------------------


def test_catalog_feed_is_valid_atom_with_newest_added_first(fixture_site: Path) -> None:
    feed = feedparser.parse((fixture_site / "feed.atom").read_bytes(), response_headers={
        "content-location": "http://127.0.0.1/catalog/feed.atom", "content-type": "application/atom+xml"})
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Fixture Catalog: newly added papers"
    # Deterministic: updated is the newest entry's added day, not the build's time.
    assert feed.feed.updated == "2026-11-23T00:00:00Z"
    ids = [entry.id for entry in feed.entries]
    assert len(ids) == 6 and len(set(ids)) == 6 and all(i.startswith("urn:uuid:") for i in ids)
    titles = [entry.title for entry in feed.entries]
    assert titles[-1] == 'Sparse networks <b>everywhere</b> & the "lottery"'  # added 2026-11-20, the oldest
    for entry in feed.entries:
        assert entry.updated and entry.summary and entry.link.startswith("http://127.0.0.1/catalog/papers/")
        assert entry.authors
    # Relative links resolve against the feed's own address.
    grokking = next(e for e in feed.entries if e.title.startswith("Grokking"))
    assert grokking.link == "http://127.0.0.1/catalog/papers/power2022grokking.html"


def test_every_topic_has_a_feed_advertised_on_its_page(fixture_site: Path) -> None:
    soup = page(fixture_site, "topics/grokking.html")
    hrefs = [link["href"] for link in soup.find_all("link", rel="alternate", type="application/atom+xml")]
    assert hrefs == ["../feed.atom", "../topics/grokking.atom"]
    feed = feedparser.parse((fixture_site / "topics/grokking.atom").read_bytes(), response_headers={
        "content-location": "http://127.0.0.1/catalog/topics/grokking.atom", "content-type": "application/atom+xml"})
    assert not feed.bozo
    assert [e.link for e in feed.entries] == ["http://127.0.0.1/catalog/papers/power2022grokking.html"]
    # A parent topic's feed holds its subtopics' papers.
    parent = feedparser.parse((fixture_site / "topics/generalization.atom").read_bytes())
    assert len(parent.entries) == 4


def test_with_base_url_feeds_use_absolute_addresses(hostile_site: Path) -> None:
    feed = feedparser.parse((hostile_site / "feed.atom").read_bytes())
    assert feed.feed.id == "https://org.github.io/cat/feed.atom"
    assert feed.entries[0].id == "https://org.github.io/cat/papers/hostile2021.html"
    assert feed.entries[0].link == "https://org.github.io/cat/papers/hostile2021.html"


# -- CSL-JSON ----------------------------------------------------------------------------------


def _csl_schema_names(kind: str) -> set[str]:
    """The item types or variable names of the CSL schema that citeproc-py ships."""
    import citeproc

    schema = Path(citeproc.__file__).parent / "data" / "schema" / "schemas" / "styles" / f"csl-{kind}.rnc"
    return set(re.findall(r'"([A-Za-z-]+)"', schema.read_text(encoding="utf-8")))


def test_site_csl_json_uses_csl_types_and_variables_and_formats_as_a_bibliography(fixture_site: Path) -> None:
    items = json.loads((fixture_site / "papers.csl.json").read_text(encoding="utf-8"))
    assert len(items) == 6
    types, variables = _csl_schema_names("types"), _csl_schema_names("variables")
    for item in items:
        assert item["type"] in types
        assert set(item) - {"id", "type"} <= variables, set(item) - variables
    by_id = {item["id"]: item for item in items}
    assert by_id["nakkiran2020deep"]["type"] == "paper-conference"
    assert by_id["shwartz-ziv2017opening"]["type"] == "article"
    assert by_id["chen2021sparse"]["author"][0] == {"family": "Chizat", "given": "Lénaïc"}
    assert by_id["chen2021sparse"]["DOI"] == "10.5555/12345"

    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    text = "\n".join(str(entry) for entry in bibliography.bibliography())
    assert "Nakkiran, P. et al. (2020)" in text
    assert "Deep Double Descent: Where Bigger Models and More Data Hurt" in text


def test_export_csl_json_for_one_topic(run_cli) -> None:  # type: ignore[no-untyped-def]
    from conftest import FIXTURES

    code, out, err = run_cli("export", "csl-json", "--topic", "generalization",
                             "--papers", str(FIXTURES / "catalog" / "papers"))
    assert code == 0, err
    ids = [item["id"] for item in json.loads(out)]
    assert ids == ["power2022grokking", "chen2021sparse", "nakkiran2020deep", "zhang2017understanding"]


def test_csl_names_keep_particles_in_the_family_name() -> None:
    from phenomena_catalog.exporters.csl import csl_name

    assert csl_name("Ludwig van Beethoven") == {"family": "van Beethoven", "given": "Ludwig"}
    assert csl_name("Plato") == {"literal": "Plato"}


# -- 404 ---------------------------------------------------------------------------------------


def test_404_page_offers_search_with_links_that_work_from_any_depth(fixture_site: Path, hostile_site: Path) -> None:
    soup = page(fixture_site, "404.html")
    assert soup.find("h1").get_text() == "Page not found"
    form = soup.select_one("main form[role=search]")
    # Without base_url the links start at the host's root; with it, at the site's address.
    assert form["action"] == "/search.html"
    assert soup.find("link", rel="stylesheet")["href"] == "/assets/style.css"
    with_base = page(hostile_site, "404.html")
    assert with_base.select_one("main form[role=search]")["action"] == "https://org.github.io/cat/search.html"
    assert with_base.find("link", rel="canonical") is None
    assert "404.html" not in (hostile_site / "sitemap.xml").read_text(encoding="utf-8")


# -- computed texts: written directly, the same as the general tools write them ------------------------

_MARKUP_BITS = st.sampled_from(["a", "b", " ", "\n", "\t", "<", ">", "&", ";", "/", "!", "-", "&amp;", "&lt;", "<p>",
                                "</p>", "<!--", "-->", "&#39;", "&nbsp;", "&notin;", "&not", "\u00a0", "<em>x</em>"])


@given(st.lists(_MARKUP_BITS, max_size=40).map("".join))
@settings(max_examples=500)
def test_a_digests_plain_text_is_markupsafes_striptags(html: str) -> None:
    assert presentation.plain_text(html) == Markup(html).striptags()


@given(st.lists(_MARKUP_BITS | st.sampled_from(["word ", "long" * 5, "<a href='x>y'>", "&#128512;"]),
                max_size=120).map("".join), st.integers(1, 40))
@settings(max_examples=500)
def test_a_digests_summary_from_the_start_of_its_html_is_the_summary_of_its_whole_text(html: str, limit: int) -> None:
    assert presentation.html_summary(html, limit) == presentation.summary(presentation.plain_text(html), limit)


_TEXT = st.text(st.sampled_from(["a", "é", " ", "<", ">", "&", '"', "\\", "\u2028", "\n", "\x01", "✓"]), max_size=12)


@given(title=_TEXT, authors=st.lists(_TEXT.filter(str.strip), max_size=3), venue=st.sampled_from(
    [None, "NeurIPS 2021", "Journal of <b>", "arXiv", "Nature & Co"]), doi=st.sampled_from([None, "10.5555/a&b"]),
    arxiv=st.sampled_from([None, "2101.00001"]), pdf=st.sampled_from([None, "https://example.org/p.pdf?a=1&b=2"]),
    description=_TEXT, keywords=st.lists(_TEXT, max_size=2), address=st.sampled_from([None, "https://x.org/p.html"]))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_json_ld_is_written_as_json_writes_it_and_reads_back(
        title: str, authors: list[str], venue: str | None, doi: str | None, arxiv: str | None, pdf: str | None,
        description: str, keywords: list[str], address: str | None) -> None:
    paper = Paper(id="p", path="papers/p.yaml", title=title.strip() or "T", authors=authors, year=2021, month=3,
                  venue=venue, doi=doi, arxiv=arxiv, links={"pdf": pdf} if pdf else {}, topics=["t"],
                  added="2026-11-23")
    text = citation.scholarly_article_json(paper, description, keywords, address)
    data = json.loads(text)
    assert json.dumps(data, ensure_ascii=False) == text
    assert data["name"] == paper.title
    assert ([a["name"] for a in data["author"]], data.get("keywords", [])) == (paper.authors, keywords)
    script = str(citation.json_ld_script(text))
    assert json.loads(script) == data
    assert not {"<", ">", "&", "\u2028", "\u2029"} & set(script)
