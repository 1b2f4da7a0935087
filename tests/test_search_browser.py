"""Search and list filters in a real browser (Debian's chromium through Playwright), on the bundled
catalog served under a sub-path, on the fixture catalog from disk, and on a catalog whose every
field holds markup. Fixtures and the CI rule (a missing browser fails when CI=true) are
test_browser's, imported by name (hence F811: pytest passes them back as arguments)."""
# ruff: noqa: F811

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 (fixtures)
    CHROMIUM_ARGS,
    browser_page,
    chromium_browser,
    pytestmark,
    serve_under_sub_path,
)

from phenomena_catalog.commands.build import build_site
from phenomena_catalog.config import SiteConfig

STATUS = "document.getElementById('search-status').textContent"
SETTLED = (f"/^(\\d+ papers?|No papers match)\\.$/.test({STATUS})"
           " && !document.getElementById('search-results').hasAttribute('aria-busy')")


@pytest.fixture(scope="module")
def served_bundled(bundled_site: Path) -> Iterator[str]:
    with serve_under_sub_path(bundled_site) as url:
        yield url


def results(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#search-results .paper-title").all_inner_texts()


def search(page, base: str, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(base + "search.html?" + query)
    page.wait_for_function(SETTLED)
    return results(page)


def test_known_papers_rank_in_the_top_five_for_their_topic_words(browser_page, served_bundled: str) -> None:
    for query, paper in [
        ("q=double+descent", "Deep Double Descent: Where Bigger Models and More Data Hurt"),
        ("q=lottery+ticket", "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks"),
        ("q=grokking", "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"),
    ]:
        assert paper in search(browser_page, served_bundled, query)[:5], query


def test_a_phrase_found_only_in_a_digest_finds_its_paper(browser_page, served_bundled: str) -> None:
    # "performance first gets worse" is in the digest of Deep Double Descent, in no title or keyword.
    found = search(browser_page, served_bundled, "q=performance+first+gets+worse")
    assert found[0] == "Deep Double Descent: Where Bigger Models and More Data Hurt"


def test_results_come_as_you_type_a_word_and_forgive_a_typo(browser_page, served_bundled: str) -> None:
    browser_page.goto(served_bundled + "search.html")
    browser_page.locator("#search-q").press_sequentially("double desc", delay=20)
    browser_page.wait_for_function(SETTLED)
    assert "Deep Double Descent: Where Bigger Models and More Data Hurt" in results(browser_page)[:5]
    assert "q=double+desc" in browser_page.url
    # Two letters swapped, and a letter doubled.
    for typo in ("q=grokkign", "q=doubble+descent"):
        found = search(browser_page, served_bundled, typo)
        assert found and all(("rokking" in t or "Descent" in t or "descent" in t) for t in found[:5]), typo


def test_facets_count_and_narrow_the_results(browser_page, served_bundled: str) -> None:
    everything = len(search(browser_page, served_bundled, "q=lottery"))
    status = browser_page.locator("#search-status").inner_text()
    total = int(status.split()[0])
    assert total >= everything > 0
    code_label = browser_page.locator("label.check span").inner_text()
    with_code = int(code_label.split("(")[1].rstrip(")"))
    assert 0 < with_code < total
    browser_page.check("#facet-code")
    browser_page.wait_for_function(f"{STATUS} === '{with_code} papers.'")
    # Year counts now count papers with code; choosing a year range keeps exactly those papers.
    options = browser_page.locator("#facet-from option").all_inner_texts()
    per_year = {o.split(" ")[0]: int(o.split("(")[1].rstrip(")")) for o in options if "(" in o}
    assert sum(per_year.values()) == with_code
    browser_page.select_option("#facet-from", "2021")
    browser_page.select_option("#facet-to", "2022")
    expected = per_year.get("2021", 0) + per_year.get("2022", 0)
    browser_page.wait_for_function(f"{STATUS}.startsWith('{expected} paper')")
    assert "from=2021" in browser_page.url and "to=2022" in browser_page.url and "code=1" in browser_page.url


def test_query_and_facets_survive_reload_and_back(browser_page, served_bundled: str) -> None:
    first = search(browser_page, served_bundled, "q=neural+collapse")
    all_status = browser_page.locator("#search-status").inner_text()
    browser_page.select_option("#facet-from", "2022")
    browser_page.wait_for_function(f"location.search.indexOf('from=2022') !== -1 && {SETTLED}"
                                   f" && {STATUS} !== {all_status!r}")
    narrowed_status = browser_page.locator("#search-status").inner_text()
    browser_page.reload()
    browser_page.wait_for_function(f"{STATUS} === {narrowed_status!r}")
    assert browser_page.locator("#search-q").input_value() == "neural collapse"
    assert browser_page.locator("#facet-from").input_value() == "2022"
    browser_page.go_back()
    browser_page.wait_for_function("location.search === '?q=neural+collapse'")
    shown = min(len(first), 20)
    browser_page.wait_for_function(f"document.querySelectorAll('#search-results > li').length === {shown}")
    assert browser_page.locator("#facet-from").input_value() == ""
    assert results(browser_page) == first


def test_the_header_box_searches_from_any_page(browser_page, served_bundled: str) -> None:
    browser_page.goto(served_bundled + "papers/nakkiran2020deep.html")
    browser_page.fill(".header-search input", "neural tangent kernel")
    browser_page.press(".header-search input", "Enter")
    browser_page.wait_for_function(SETTLED)
    assert browser_page.url == served_bundled + "search.html?q=neural+tangent+kernel"
    browser_page.locator("#search-results .paper-title").first.click()
    assert browser_page.url.startswith(served_bundled + "papers/")


def test_search_and_filters_work_from_disk(browser_page, bundled_site: Path) -> None:
    browser_page.goto((bundled_site / "search.html").as_uri() + "?q=grokking&from=2023")
    browser_page.wait_for_function(SETTLED)
    assert all("rokking" in t or "Grokking" in t for t in results(browser_page)[:3])
    browser_page.goto((bundled_site / "topics" / "grokking.html").as_uri())
    browser_page.select_option(".list-filters select[name=from]", "2024")
    visible = browser_page.locator(".paper-item:visible").count()
    assert 0 < visible < browser_page.locator(".paper-item").count()


def test_list_filters_narrow_sort_count_and_keep_their_state(browser_page, served_bundled: str) -> None:
    page = browser_page
    page.goto(served_bundled + "topics/lottery-ticket-hypothesis.html")
    items = page.locator(".paper-item")
    total = items.count()
    assert page.locator(".list-status").inner_text() == f"{total} papers"
    code_label = page.locator(".list-filters label.check span").inner_text()
    with_code = int(code_label.split("(")[1].rstrip(")"))
    page.check(".list-filters input[name=code]")
    assert page.locator(".list-status").inner_text() == f"{with_code} of {total} papers"
    assert page.locator(".paper-item:visible").count() == with_code
    page.select_option(".list-filters select[name=from]", "2022")
    shown = page.locator(".paper-item:visible")
    years = [int(y) for y in shown.evaluate_all("items => items.map(i => i.dataset.year)")]
    assert years and min(years) >= 2022
    # Year headings count what is shown; an emptied year disappears.
    for section in page.locator(".year-group:visible").all():
        assert int(section.locator("h2 .count").inner_text()) == section.locator(".paper-item:visible").count()
    page.select_option(".list-filters select[name=sort]", "title")
    titles = page.locator(".paper-item:visible .paper-title").all_inner_texts()
    assert titles == sorted(titles, key=str.casefold) or titles == page.evaluate(
        "t => t.slice().sort((a, b) => a.localeCompare(b))", titles)
    assert "code=1" in page.url and "from=2022" in page.url and "sort=title" in page.url
    page.reload()
    assert page.locator(".paper-item:visible .paper-title").all_inner_texts() == titles
    page.go_back()
    assert page.locator(".list-filters select[name=sort]").input_value() == ""
    page.select_option(".list-filters select[name=sort]", "old")
    years = [int(y) for y in page.locator(".paper-item:visible").evaluate_all("i => i.map(x => x.dataset.year)")]
    assert years == sorted(years)


@pytest.mark.parametrize("url", ["topics/lottery-ticket-hypothesis.html", "authors/jonathan-frankle.html",
                                 "years/2021.html", "venues/neurips.html", "papers/index.html",
                                 "keywords/double-descent.html"])
def test_every_list_has_filters_and_shows_everything_without_javascript(chromium_browser, served_bundled: str,
                                                                        url: str) -> None:
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_bundled + url)
    count = page.locator(".paper-item").count()
    assert count > 1 and page.locator(".paper-item:visible").count() == count
    assert not page.locator(".list-filters").is_visible()
    context.close()
    context = chromium_browser.new_context()
    page = context.new_page()
    page.goto(served_bundled + url)
    assert page.locator(".list-filters").is_visible()
    assert page.locator(".list-filters select[name=sort]").is_visible()
    context.close()


@pytest.mark.parametrize("url", ["topics/lottery-ticket-hypothesis.html", "search.html?q=grokking&code=1"])
def test_nothing_moves_when_the_scripts_run(browser_page, served_bundled: str, url: str) -> None:
    browser_page.goto(served_bundled + url)
    browser_page.wait_for_load_state("load")
    browser_page.wait_for_timeout(300)
    shift = browser_page.evaluate("""() => new Promise(resolve => {
        new PerformanceObserver(list => resolve(list.getEntries()
            .filter(e => e.startTime < 2000).reduce((sum, e) => sum + e.value, 0)))
          .observe({type: 'layout-shift', buffered: true});
        setTimeout(() => resolve(0), 500);
    })""")
    # Results appearing under the form grow the page below what is on screen; the form and the
    # list's filter bar never move (CLS ~0; 0.1 is "good").
    assert shift < 0.01, shift


def test_filters_are_labelled_and_reachable_by_keyboard(browser_page, served_bundled: str) -> None:
    browser_page.goto(served_bundled + "topics/lottery-ticket-hypothesis.html")
    for control in browser_page.locator(".list-filters select, .list-filters input").all():
        assert control.evaluate("c => c.labels.length") == 1
    browser_page.locator(".list-filters select[name=from]").focus()
    assert browser_page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.name") == "to"


MARKUP = '<img src=x onerror=alert(1)> "><script>alert(2)</script>'
SUBJECTS = ("on sparse lottery tickets in wide convolutional networks",
            "about grokking of modular arithmetic by small transformers",
            "regarding double descent of random feature regression models")


@pytest.fixture(scope="module")
def markup_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog whose every shown field (title, authors, venue, keywords, topic names) holds markup."""
    work = tmp_path_factory.mktemp("markup")
    papers = work / "papers"
    papers.mkdir()
    quoted = MARKUP.replace("\\", "\\\\").replace('"', '\\"')
    (papers / "_topics.yaml").write_text(textwrap.dedent(f"""\
        - id: evil
          title: "Evil {quoted}"
        - id: plain
          title: Plain
        """), encoding="utf-8")
    for number, subject in enumerate(SUBJECTS):
        (papers / f"evil{number}.yaml").write_text(textwrap.dedent(f"""\
            title: "Markup {subject} {quoted}"
            authors: ["Ann {quoted}", "Bob Writer"]
            year: {2020 + number}
            venue: "Conf {quoted} {2020 + number}"
            topics: [evil, plain]
            keywords: ["Key {quoted}"]
            links:
              code: https://example.org/code
            digest: "Digest {quoted}"
            added: 2026-11-23
            """), encoding="utf-8")
    out = work / "site"
    build_site(papers, Path(__file__).resolve().parent.parent / "templates", out, SiteConfig(), jobs=1)
    return out


def test_markup_in_every_field_stays_text_in_results_and_filtered_lists(browser_page, markup_site: Path) -> None:
    dialogs: list[str] = []
    browser_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for query in ("q=markup", "q=img+onerror", "q=script+alert", "topic=evil&code=1"):
        browser_page.goto(markup_site.as_uri() + "/search.html?" + query)
        browser_page.wait_for_function(f"/3 papers/.test({STATUS})")
        assert browser_page.locator("#search-results img, #search-results script").count() == 0
        item = browser_page.locator("#search-results > li").first.inner_text()
        for shown in (f"{MARKUP}\nAnn {MARKUP}, Bob Writer", f"Conf {MARKUP} 202", f"Evil {MARKUP}"):
            assert shown in item, (shown, item)
        options = browser_page.locator("#facet-topic").inner_text()
        assert f"Evil {MARKUP}" in options
    for url in ("topics/evil.html", "papers/index.html", "authors/bob-writer.html"):
        browser_page.goto(markup_site.as_uri() + "/" + url)
        browser_page.select_option(".list-filters select[name=sort]", "title")
        browser_page.check(".list-filters input[name=code]")
        assert browser_page.locator("main img, main script:not([src])").count() == 0
        assert f"Markup {SUBJECTS[0]} {MARKUP}" in browser_page.locator("main").inner_text()
    assert dialogs == []


@pytest.mark.parametrize("url", ["topics/lottery-ticket-hypothesis.html?code=1", "search.html?q=grokking"])
def test_filters_and_facets_fit_a_phone_screen(chromium_browser, served_bundled: str, url: str) -> None:
    context = chromium_browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(served_bundled + url)
    page.wait_for_load_state("load")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"
