"""Paper pages and their neighbours in Debian's chromium (Playwright), served on 127.0.0.1 under a
sub-path: related papers, citation tags and JSON-LD as the page's DOM has them, the feed a reader
fetches, axe on every kind of page, keyboard use and print, and the 404 page a static host serves.

The browser fixtures and the skip rule (never skipped in CI) are the ones of test_browser.py,
imported by name so that pytest finds them (hence F811: tests take them as arguments).
"""
# ruff: noqa: F811

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from test_browser import (  # noqa: F401  (fixtures, used by name)
    browser_page,
    chromium_browser,
    pytestmark,
    served_site,
)

from conftest import FIXTURES, HOSTILE, HOSTILE_RECORD, TEMPLATES

PAGE_KINDS = {
    "home": "index.html",
    "topic": "topics/generalization.html",
    "paper": "papers/chen2021sparse.html",
    "term index": "authors/index.html",
    "term page": "authors/alethea-power.html",
    "all papers": "papers/index.html",
    "search": "search.html?q=grokking",
}


class _Site(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; a missing file gets the site's 404.html with status 404, as GitHub Pages does."""

    site_folder = "catalog"

    def log_message(self, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / self.site_folder / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextlib.contextmanager
def _serving(root: Path) -> Iterator[str]:
    """``root`` served on 127.0.0.1 while the block runs; yields the address of its ``catalog/`` folder."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Site, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/catalog/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hosted_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture catalog plus a record with markup in every field, built with base_url = where it
    is served (127.0.0.1, under /catalog/)."""
    from phenomena_catalog.commands.build import build_site
    from phenomena_catalog.config import load_config

    root = tmp_path_factory.mktemp("hosted")
    papers = shutil.copytree(FIXTURES / "catalog" / "papers", root / "papers")
    (papers / "hostile2021.yaml").write_text(HOSTILE_RECORD, encoding="utf-8")
    with _serving(root) as base:  # the address must be known before the build
        config = load_config(FIXTURES / "catalog" / "catalog.yaml").model_copy(update={"base_url": base})
        build_site(papers, TEMPLATES, root / "catalog", config, jobs=1)
        yield base


@pytest.fixture(scope="module")
def served_bundled_site(bundled_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled catalog's site served on 127.0.0.1 under /catalog/."""
    root = tmp_path_factory.mktemp("bundled-served")
    shutil.copytree(bundled_site, root / "catalog")
    with _serving(root) as base:
        yield base


def test_record_markup_in_every_field_stays_text_in_the_browser(browser_page, hosted_site: str) -> None:
    dialogs: list[str] = []
    browser_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_page.goto(hosted_site + "papers/hostile2021.html")
    assert browser_page.locator("h1").inner_text() == "Title " + HOSTILE
    assert browser_page.locator('meta[name="citation_title"]').get_attribute("content") == "Title " + HOSTILE
    assert browser_page.locator('meta[property="og:title"]').get_attribute("content") == "Title " + HOSTILE
    data = json.loads(browser_page.locator('script[type="application/ld+json"]').text_content())
    assert data["author"][0]["name"] == "Ada " + HOSTILE and data["keywords"] == ["kw " + HOSTILE]
    # Only the site's own three scripts exist (the "js" class marker, site.js, the JSON-LD):
    # nothing in a record became a script element.
    assert browser_page.locator("script").count() == 3
    assert dialogs == []


def test_double_descent_paper_lists_related_double_descent_papers(browser_page, served_bundled_site: str) -> None:
    browser_page.goto(served_bundled_site + "papers/nakkiran2020deep.html")
    related = browser_page.locator("#related-heading + .related-list a")
    titles = related.all_inner_texts()
    assert len(titles) == 6
    assert sum("descent" in t.lower() or "descend" in t.lower() for t in titles) >= 4, titles
    # Each related paper is a working link; the first one is itself on double descent.
    related.first.click()
    assert browser_page.locator(".paper .tags").first.inner_text().find("Double descent") >= 0
    browser_page.go_back()
    more = browser_page.locator("#same-authors-heading + .related-list a").all_inner_texts()
    assert more, "the authors have other papers in the catalog"


def test_paper_page_carries_citation_tags_and_json_ld(browser_page, served_site: str) -> None:
    browser_page.goto(served_site + "papers/power2022grokking.html")
    meta = browser_page.evaluate("""() => Array.from(document.querySelectorAll('meta[name^="citation_"]'))
                                       .map(m => [m.name, m.content])""")
    names = [name for name, _ in meta]
    assert names.count("citation_author") == 5
    assert ["citation_title", "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"] in meta
    assert ["citation_arxiv_id", "2201.02177"] in meta
    assert ["citation_pdf_url", "https://arxiv.org/pdf/2201.02177"] in meta
    assert ["citation_conference_title", "ICLR 2022 Workshop"] in meta
    assert "citation_publication_date" in names
    data = json.loads(browser_page.locator('script[type="application/ld+json"]').text_content())
    assert data["@type"] == "ScholarlyArticle" and data["author"][0]["name"] == "Alethea Power"


def test_feed_advertised_by_a_page_parses_as_atom(browser_page, served_site: str) -> None:
    browser_page.goto(served_site + "topics/generalization.html")
    feeds = browser_page.evaluate("""() => Array.from(document.querySelectorAll(
        'link[rel="alternate"][type="application/atom+xml"]')).map(l => l.href)""")
    assert feeds == [served_site + "feed.atom", served_site + "topics/generalization.atom"]
    with urllib.request.urlopen(feeds[1]) as response:
        feed = feedparser.parse(response.read(), response_headers={
            "content-location": feeds[1], "content-type": "application/atom+xml"})
    assert not feed.bozo and len(feed.entries) == 4
    for entry in feed.entries:
        assert entry.id and entry.title and entry.updated and entry.summary and entry.authors
        browser_page.goto(entry.link)  # every entry's link opens its paper's page
        assert browser_page.locator("h1").inner_text() == entry.title


@pytest.mark.parametrize("kind", [*PAGE_KINDS, "404"])
def test_every_kind_of_page_has_no_serious_accessibility_violations(
        chromium_browser, served_site: str, hosted_site: str, kind: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context = chromium_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    if kind == "404":
        response = page.goto(hosted_site + "topics/no-such-topic.html")
        assert response is not None and response.status == 404
        # The browser reports the 404 status itself; nothing else may fail.
        errors = [e for e in errors if "status of 404" not in e]
    else:
        page.goto(served_site + PAGE_KINDS[kind])
        if kind == "search":
            page.wait_for_selector("#search-results li")
    results = Axe().run(page)
    context.close()
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert errors == []


def test_404_page_offers_a_search_for_the_missing_address_and_working_links(chromium_browser, hosted_site: str) -> None:
    context = chromium_browser.new_context()
    page = context.new_page()
    page.goto(hosted_site + "papers/double-descent-deep.html")
    assert page.locator("h1").inner_text() == "Page not found"
    # Styled from any depth: the stylesheet loaded (the header is a flex row).
    assert page.locator(".site-header .wrap").evaluate("e => getComputedStyle(e).display") == "flex"
    search = page.locator("#missing-q")
    assert search.input_value() == "double descent deep"
    search.press("Enter")
    page.wait_for_url(hosted_site + "search.html?q=double+descent+deep")
    page.goto(hosted_site + "no/such/deep/page.html")
    page.get_by_role("link", name="All papers").click()
    assert page.url == hosted_site + "papers/index.html"
    context.close()


def test_keyboard_reaches_the_content_with_a_visible_focus(browser_page, served_site: str) -> None:
    browser_page.goto(served_site + "papers/nakkiran2020deep.html")
    browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert browser_page.evaluate("getComputedStyle(document.activeElement).left") != "-999px"
    browser_page.keyboard.press("Enter")
    # Following a fragment link updates the address a moment after the key press: wait for it.
    browser_page.wait_for_url("**#main", timeout=10_000)
    browser_page.keyboard.press("Tab")
    focused = browser_page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
                                        return [e.closest('main') !== null, s.outlineStyle, s.outlineWidth]; }""")
    assert focused == [True, "solid", "3px"]


def test_scripts_do_not_shift_the_layout(chromium_browser, served_site: str) -> None:
    context = chromium_browser.new_context()
    page = context.new_page()
    page.add_init_script("""window.__shift = 0; new PerformanceObserver(list => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value; })
        .observe({type: 'layout-shift', buffered: true});""")
    for url in ("index.html", "papers/chen2021sparse.html", "topics/generalization.html"):
        page.goto(served_site + url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__shift") < 0.01, url
    context.close()


def test_printed_paper_page_hides_navigation_and_shows_link_addresses(browser_page, served_site: str) -> None:
    browser_page.goto(served_site + "papers/power2022grokking.html")
    browser_page.emulate_media(media="print")
    assert browser_page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "none"
    assert browser_page.locator(".header-search").is_hidden()
    after = browser_page.locator(".links a").first.evaluate("e => getComputedStyle(e, '::after').content")
    assert "https://arxiv.org/abs/2201.02177" in after
    assert browser_page.pdf(format="A4")[:4] == b"%PDF"
