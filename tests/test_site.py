"""The rendered site as a reader sees it: pages, their content, and links that all resolve."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from site_helpers import html_pages, internal_targets, page, relatively_linked_pages


def test_every_page_kind_is_written(fixture_site: Path) -> None:
    for url in [
        "index.html", "papers/index.html", "papers/power2022grokking.html",
        "topics/index.html", "topics/grokking.html", "topics/generalization.html",
        "authors/index.html", "authors/alethea-power.html", "authors/lenaic-chizat.html",
        "years/index.html", "years/2022.html", "venues/index.html", "venues/iclr.html",
        "keywords/index.html", "keywords/grokking.html", "assets/style.css", "assets/site.js",
    ]:
        assert (fixture_site / url).is_file(), url


def test_every_internal_link_resolves_and_is_relative(fixture_site: Path) -> None:
    checked = 0
    for html_file in relatively_linked_pages(fixture_site):
        for ref, target in internal_targets(fixture_site, html_file):
            assert not ref.startswith("/"), f"{html_file.name}: absolute link {ref}"
            assert target.is_file(), f"{html_file.relative_to(fixture_site)} links to missing {ref}"
            assert fixture_site.resolve() in target.parents
            checked += 1
    assert checked > 200


def test_home_lists_topics_with_counts_and_recent_papers(fixture_site: Path) -> None:
    home = page(fixture_site, "index.html")
    assert home.find("h1").get_text(strip=True) == "Fixture Catalog"
    assert home.select_one(".intro strong").get_text() == "Markdown"
    topics = {a.get_text(strip=True): a.find_next_sibling(class_="count").get_text(strip=True)
              for a in home.select(".topic-tree a")}
    # generalization counts its own papers plus those of its subtopics (double descent, grokking).
    assert topics["Generalization"] == "4 papers"
    assert topics["Grokking"] == "1 paper"
    assert "Why over-parameterized networks generalize" in home.get_text()
    recent = [a.get_text(strip=True) for a in home.select("#recent-heading ~ ul .paper-title")]
    assert home.select_one("#recent-heading").get_text() == "Recently added"
    assert recent[-1].startswith("Sparse networks")  # added before the others


def test_topic_page_groups_papers_by_year_newest_first(fixture_site: Path) -> None:
    topic = page(fixture_site, "topics/generalization.html")
    years = [h.get("id") for h in topic.select(".year-group h2")]
    assert years == ["y2021", "y2017"]
    subtopics = [a.get_text() for a in topic.select("#subtopics ~ .topic-tree a")]
    assert subtopics == ["Double descent", "Grokking"]
    sub = page(fixture_site, "topics/grokking.html")
    assert sub.select_one(".breadcrumb").get_text(" ", strip=True) == "Topics › Generalization"


def test_paper_page_shows_everything_about_the_paper(fixture_site: Path) -> None:
    paper = page(fixture_site, "papers/power2022grokking.html")
    assert paper.find("h1").get_text() == ("Grokking: Generalization Beyond Overfitting on Small "
                                           "Algorithmic Datasets")
    authors = [a.get_text() for a in paper.select("p.authors a")]
    assert authors == ["Alethea Power", "Yuri Burda", "Harri Edwards", "Igor Babuschkin", "Vedant Misra"]
    assert paper.select_one(".venue-year").get_text(" ", strip=True) == "ICLR 2022 Workshop · 2022"
    assert [a["href"] for a in paper.select(".links a")] == ["https://arxiv.org/abs/2201.02177"]
    assert paper.select_one(".digest strong").get_text() == "long after"
    keywords = [a.get_text() for a in paper.select(".facts .tags a:not(.tag-topic)")]
    assert keywords == ["Grokking", "Algorithmic Datasets"]
    bibtex = paper.select_one("#bibtex").get_text()
    assert bibtex.startswith("@") and "Power" in bibtex and "2022" in bibtex


def test_keyword_aliases_share_one_page(fixture_site: Path) -> None:
    sparse = page(fixture_site, "keywords/sparse-networks.html")
    titles = [a.get_text() for a in sparse.select(".paper-title")]
    assert len(titles) == 2  # "Sparse Networks" (frankle) and "Sparsity"/"sparse network" (chen)
    assert not (fixture_site / "keywords/sparsity.html").exists()


def test_venue_pages_group_a_series_across_years(fixture_site: Path) -> None:
    iclr = page(fixture_site, "venues/iclr.html")
    assert len(iclr.select(".paper-title")) == 3  # ICLR 2017, 2019, 2020
    assert (fixture_site / "venues/iclr-workshop.html").is_file()


def test_record_text_cannot_inject_markup_or_script(fixture_site: Path) -> None:
    raw = (fixture_site / "papers/chen2021sparse.html").read_text(encoding="utf-8")
    assert "<b>everywhere</b>" not in raw and "&lt;b&gt;everywhere&lt;/b&gt;" in raw
    assert "<script>alert" not in raw and "javascript:" not in raw
    soup = page(fixture_site, "papers/chen2021sparse.html")
    scripts = [s for s in soup.find_all("script") if s.get("type") != "application/ld+json"]
    assert [s.get("src") for s in scripts if s.get("src")] == ["../assets/site.js"]
    # The one inline script only marks that scripts run (for the filter bar's reserved space).
    assert [s.get_text() for s in scripts if not s.get("src")] == ['document.documentElement.classList.add("js")']
    assert soup.select_one('.digest a[href="https://example.org"]').get_text() == "good link"
    # The link with an & survives escaping intact.
    assert soup.select_one(".links a")["href"] == "https://example.org/paper?id=1&x=2"


def test_unicode_names_get_ascii_slugs(fixture_site: Path) -> None:
    author = page(fixture_site, "authors/lenaic-chizat.html")
    assert author.find("h1").contents[0].strip() == "Lénaïc Chizat"


def test_no_external_resources(fixture_site: Path) -> None:
    for html_file in html_pages(fixture_site):
        text = html_file.read_text(encoding="utf-8")
        assert 'src="http' not in text and 'rel="stylesheet" href="http' not in text


def test_two_builds_are_byte_identical(tmp_path: Path, fixture_site: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import load_config

    from conftest import FIXTURES, TEMPLATES

    source = FIXTURES / "catalog"
    again = tmp_path / "again"
    build_site(source / "papers", TEMPLATES, again, load_config(source / "catalog.yaml"), jobs=1)

    def digest(site: Path) -> dict[str, str]:
        return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(site.rglob("*")) if p.is_file()}

    assert digest(again) == digest(fixture_site)


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_and_serial_builds_write_the_same_site(tmp_path: Path, jobs: int) -> None:
    from phenomena_catalog.commands import build
    from phenomena_catalog.config import SiteConfig
    from phenomena_catalog.executors import ProcessExecutor, SerialExecutor

    from conftest import FIXTURES, TEMPLATES

    # Force the worker processes (and the check and search index in processes of their own) even
    # on this small catalog.
    out = tmp_path / f"site-{jobs}"
    build.build_site(FIXTURES / "catalog" / "papers", TEMPLATES, out, SiteConfig(),
                     executor=ProcessExecutor(jobs, threshold=0, background_threshold=0))
    reference = tmp_path / "reference"
    build.build_site(FIXTURES / "catalog" / "papers", TEMPLATES, reference, SiteConfig(), executor=SerialExecutor())
    for file in reference.rglob("*.html"):
        assert (out / file.relative_to(reference)).read_bytes() == file.read_bytes()
    # Each process plans the units it renders (a build from scratch), and fingerprints their pages.
    from phenomena_catalog.build_cache import read_cache
    from phenomena_catalog.write import MARKER

    ours, theirs = read_cache(out).site, read_cache(reference).site
    assert ours is not None and theirs is not None and ours.files == theirs.files
    assert ours.files.keys() == {file.relative_to(out).as_posix() for file in out.rglob("*")
                                 if file.is_file() and file.name != MARKER}


def test_long_lists_are_split_into_linked_pages(write_catalog, tmp_path: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TEMPLATES

    records = {f"paper{i:02d}": f"""\
        title: Paper number {i}
        authors: [Ada Lovelace]
        year: {2000 + i}
        topics: [grokking]
        added: 2026-11-23
        """ for i in range(25)}
    papers = write_catalog(records)
    out = tmp_path / "site"
    build_site(papers, TEMPLATES, out, SiteConfig(papers_per_page=10), jobs=1)
    for first in ("papers/index", "topics/grokking", "authors/ada-lovelace"):
        pages = [f"{first}.html", f"{first}.page-2.html", f"{first}.page-3.html"]
        titles = []
        for number, url in enumerate(pages, start=1):
            soup = page(out, url)
            titles += [a.get_text() for a in soup.select(".paper-title")]
            pager = soup.select_one(".pager")
            assert pager.select_one("[aria-current]").get_text() == str(number)
            assert [a.get_text() for a in pager.select("a:not([rel])")] == [
                str(n) for n in range(1, 4) if n != number]
        assert titles == [f"Paper number {i}" for i in reversed(range(25))]  # newest first, none lost
        assert not (out / f"{first}.page-4.html").exists()
    assert page(out, "papers/index.page-2.html").select_one(
        '.pager a[rel="next"]')["href"] == "../papers/index.page-3.html"
    for html_file in relatively_linked_pages(out):
        for ref, target in internal_targets(out, html_file):
            assert target.is_file(), f"{html_file.relative_to(out)} links to missing {ref}"


def test_base_url_adds_canonical_links_and_a_sitemap(write_catalog, tmp_path: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TEMPLATES, VALID_RECORD

    papers = write_catalog({"power2022grokking": VALID_RECORD})
    out = tmp_path / "site"
    build_site(papers, TEMPLATES, out, SiteConfig(base_url="https://org.github.io/catalog/"), jobs=1)
    canonical = page(out, "papers/power2022grokking.html").find("link", rel="canonical")["href"]
    assert canonical == "https://org.github.io/catalog/papers/power2022grokking.html"
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    locs = sitemap.count("<loc>")
    assert locs == len(html_pages(out)) - 2  # every page but search.html and 404.html
    assert "<loc>https://org.github.io/catalog/index.html</loc>" in sitemap


def test_without_base_url_there_is_no_sitemap(fixture_site: Path) -> None:
    assert not (fixture_site / "sitemap.xml").exists()
    assert page(fixture_site, "index.html").find("link", rel="canonical") is None


def test_builds_in_github_actions_link_to_their_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from phenomena_catalog.config import load_config

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/their-catalog")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    assert load_config(None).repository == "https://github.com/someone/their-catalog"
    (tmp_path / "catalog.yaml").write_text("repository: https://gitlab.com/me/catalog\n")
    assert load_config(None).repository == "https://gitlab.com/me/catalog"  # the file wins


def test_a_keyword_named_index_does_not_replace_the_keyword_index(write_catalog, tmp_path: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TEMPLATES, VALID_RECORD

    papers = write_catalog({"power2022grokking": VALID_RECORD + "keywords: [Index, Grokking]\n"})
    out = tmp_path / "site"
    build_site(papers, TEMPLATES, out, SiteConfig(), jobs=1)
    assert page(out, "keywords/index.html").find("h1").contents[0].strip() == "Keywords"
    assert page(out, "keywords/index-1.html").find("h1").contents[0].strip() == "Index"


def test_home_shows_the_newest_papers_when_all_were_added_the_same_day(write_catalog, tmp_path: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TEMPLATES, VALID_RECORD

    # A freshly imported catalog: every record carries the same `added` day, so "recently added"
    # would be an arbitrary pick and the home page lists the newest papers by year instead.
    papers = write_catalog({
        "old2019paper": VALID_RECORD.replace("Grokking: Generalization", "Old Paper:").replace("2022", "2019"),
        "power2022grokking": VALID_RECORD,
        "mid2020paper": VALID_RECORD.replace("Grokking: Generalization", "Middle Paper:").replace("2022", "2020"),
    })
    out = tmp_path / "site"
    build_site(papers, TEMPLATES, out, SiteConfig(), jobs=1)
    home = page(out, "index.html")
    assert home.select_one("#recent-heading").get_text() == "Newest papers"
    titles = [a.get_text(strip=True) for a in home.select("#recent-heading ~ ul .paper-title")]
    assert [t.split(":")[0] for t in titles] == ["Grokking", "Middle Paper", "Old Paper"]


def test_recently_added_papers_of_one_day_are_listed_newest_year_first_then_by_title(
        write_catalog, tmp_path: Path) -> None:
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TEMPLATES, VALID_RECORD

    def record(title: str, year: int, added: str) -> str:
        return (VALID_RECORD.replace("Grokking: Generalization", f"{title}:").replace("2022", str(year))
                .replace("added: 2026-11-23", f"added: {added}"))

    # Ids run against both orders, so a tie broken by id would show.
    papers = write_catalog({
        "zou2019beta": record("Beta Paper", 2019, "2026-11-25"),
        "yan2021alpha": record("Alpha Paper", 2021, "2026-11-25"),
        "abe2021gamma": record("Gamma Paper", 2021, "2026-11-25"),
        "old2024paper": record("Earlier Paper", 2024, "2026-11-01"),
    })
    out = tmp_path / "site"
    build_site(papers, TEMPLATES, out, SiteConfig(), jobs=1)
    home = page(out, "index.html")
    assert home.select_one("#recent-heading").get_text() == "Recently added"
    titles = [a.get_text(strip=True) for a in home.select("#recent-heading ~ ul .paper-title")]
    assert [t.split(":")[0] for t in titles] == ["Alpha Paper", "Gamma Paper", "Beta Paper", "Earlier Paper"]


def test_the_home_page_of_the_bundled_catalog_counts_with_thousands_separators(bundled_site: Path) -> None:
    # The bundled catalog has over 1,000 authors: counts read as the build summary's do ("4,088 pages").
    home = (bundled_site / "index.html").read_text(encoding="utf-8")
    stats = re.search(r'<p class="stats">([^<]*)</p>', home)
    assert stats is not None
    assert re.fullmatch(r"\d+ papers · \d,\d{3} authors · \d+ venues · \d+ keywords", stats.group(1))


def test_the_authors_index_of_the_bundled_catalog_counts_with_thousands_separators(bundled_site: Path) -> None:
    authors = (bundled_site / "authors" / "index.html").read_text(encoding="utf-8")
    heading = re.search(r'<h1>Authors <span class="count">([^<]*)</span></h1>', authors)
    assert heading is not None and re.fullmatch(r"\d,\d{3}", heading.group(1))


def test_counts_of_a_thousand_papers_read_with_separators_on_list_pages(write_catalog, tmp_path: Path) -> None:
    # (as on the home page and in the build's summary; filters.js and search.js recount the same way)
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import SiteConfig

    from conftest import TEMPLATES, VALID_RECORD

    # 2,002 papers: 1,001 of 2022 and 1,001 of 2021 (lists show 500 papers a page).
    papers = write_catalog({f"paper{n:04d}": VALID_RECORD.replace('title: "', f'title: "Paper {n}: ')
                            .replace("year: 2022", f"year: {2021 + n % 2}") for n in range(2_002)})
    build_site(papers, TEMPLATES, tmp_path / "site", SiteConfig())
    topic = (tmp_path / "site" / "topics" / "grokking.html").read_text(encoding="utf-8")
    assert '<span class="count">2,002 papers</span>' in topic
    assert "BibTeX for these 2,002 papers" in topic
    year = (tmp_path / "site" / "years" / "2022.html").read_text(encoding="utf-8")
    assert '<span class="count">1,001 papers</span>' in year
