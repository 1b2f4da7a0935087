"""The site in a real browser: Debian's chromium driven by Playwright, served over HTTP and from disk.

Skipped only where chromium is not installed, and never in CI (``CI=true``, as GitHub Actions sets
it), where a missing browser fails: scripts/test installs it on Debian when run as root.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
pytestmark = pytest.mark.skipif(CHROMIUM is None and not IN_CI, reason="Debian's chromium is not installed")

# Without these, chromium tries to reach Google's services, which this machine's network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if CHROMIUM is None:
        pytest.fail("CI=true but chromium is not installed: the browser tests cannot run")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def serve_under_sub_path(site: Path) -> Iterator[str]:
    """A built site served on 127.0.0.1 under a sub-path, as GitHub Pages serves a project."""
    root = site.parent / "served"
    if not root.exists():
        root.mkdir()
        shutil.copytree(site, root / "catalog")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/catalog/"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def served_site(fixture_site: Path) -> Iterator[str]:
    """The fixture site served on 127.0.0.1 under a sub-path."""
    with serve_under_sub_path(fixture_site) as url:
        yield url


@pytest.fixture
def browser_page(chromium_browser):  # type: ignore[no-untyped-def]
    """A fresh page that fails the test if the site logs a JavaScript or loading error."""
    context = chromium_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert errors == [], f"the page logged errors: {errors}"


def test_reader_browses_from_home_to_a_paper_under_a_sub_path(browser_page, served_site: str) -> None:
    browser_page.goto(served_site + "index.html")
    browser_page.get_by_role("link", name="Grokking", exact=True).first.click()
    assert browser_page.url == served_site + "topics/grokking.html"
    browser_page.get_by_role(
        "link", name="Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets").click()
    assert browser_page.locator("h1").inner_text().startswith("Grokking: Generalization")
    browser_page.get_by_role("link", name="Alethea Power").click()
    assert browser_page.url == served_site + "authors/alethea-power.html"
    browser_page.get_by_role("link", name="Topics").first.click()
    assert browser_page.url == served_site + "topics/index.html"


def test_site_works_when_opened_from_disk(browser_page, fixture_site: Path) -> None:
    browser_page.goto((fixture_site / "index.html").as_uri())
    browser_page.get_by_role("link", name="Papers", exact=True).click()
    assert browser_page.url.endswith("/papers/index.html")
    assert browser_page.locator(".paper-item").count() == 6
    # The stylesheet loaded: the header is laid out as a flex row.
    assert browser_page.locator(".site-header .wrap").evaluate("e => getComputedStyle(e).display") == "flex"


def test_dark_scheme_follows_the_system_and_the_toggle_overrides_it(chromium_browser, served_site: str) -> None:
    context = chromium_browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(served_site + "index.html")
    background = "() => getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(21, 23, 26)"
    page.get_by_role("button", name="Switch between light and dark theme").click()
    assert page.evaluate(background) == "rgb(253, 253, 252)"
    page.goto(served_site + "topics/index.html")  # the choice persists across pages
    assert page.evaluate(background) == "rgb(253, 253, 252)"
    context.close()


@pytest.mark.parametrize("url", ["index.html", "papers/chen2021sparse.html", "topics/generalization.html",
                                 "authors/index.html"])
def test_pages_fit_a_phone_screen(chromium_browser, served_site: str, url: str) -> None:
    context = chromium_browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(served_site + url)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0, f"{url} scrolls sideways by {overflow}px on a phone"


def test_record_text_runs_no_script(browser_page, served_site: str) -> None:
    dialogs: list[str] = []
    browser_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_page.goto(served_site + "papers/chen2021sparse.html")
    for link in browser_page.locator("a").all():
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith(("javascript:", "data:"))
    assert dialogs == []
    assert "<b>everywhere</b>" in browser_page.locator("h1").inner_text()


@pytest.mark.parametrize("url", ["index.html", "papers/power2022grokking.html", "topics/generalization.html",
                                 "keywords/index.html"])
def test_pages_have_no_serious_accessibility_violations(browser_page, served_site: str, url: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    browser_page.goto(served_site + url)
    results = Axe().run(browser_page)
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def test_search_finds_papers_by_title_author_and_filters(browser_page, served_site: str) -> None:
    browser_page.goto(served_site + "index.html")
    browser_page.fill(".header-search input", "lottery")
    browser_page.press(".header-search input", "Enter")
    browser_page.wait_for_selector("#search-results li")
    assert browser_page.url == served_site + "search.html?q=lottery"
    titles = browser_page.locator("#search-results .paper-title").all_inner_texts()
    assert titles == ['Sparse networks <b>everywhere</b> & the "lottery"',
                      "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks"]
    # A plural finds the singular.
    browser_page.fill("#search-q", "lotteries")
    browser_page.wait_for_function("document.getElementById('search-status').textContent === '2 papers.'")
    # Accents and case do not matter; every word must match somewhere.
    browser_page.fill("#search-q", "lenaic chizat")
    browser_page.wait_for_function("document.querySelectorAll('#search-results > li').length === 1")
    browser_page.fill("#search-q", "")
    browser_page.select_option("#facet-topic", "generalization")
    browser_page.select_option("#facet-from", "2017")
    browser_page.select_option("#facet-to", "2017")
    browser_page.wait_for_function("document.getElementById('search-status').textContent === '1 paper.'")
    browser_page.locator("#search-results .paper-title").click()
    assert browser_page.url == served_site + "papers/zhang2017understanding.html"


def test_search_works_from_disk(browser_page, fixture_site: Path) -> None:
    browser_page.goto((fixture_site / "search.html").as_uri() + "?q=double+descent")
    browser_page.wait_for_selector("#search-results li")
    assert browser_page.locator("#search-results .paper-title").all_inner_texts() == [
        "Deep Double Descent: Where Bigger Models and More Data Hurt"]


def test_serve_reloads_an_open_page_when_its_record_is_saved(browser_page, tmp_path: Path) -> None:
    import re
    import subprocess
    import sys

    from conftest import FIXTURES, TEMPLATES

    shutil.copytree(FIXTURES / "catalog" / "papers", tmp_path / "papers")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    process = subprocess.Popen([sys.executable, "-m", "phenomena_catalog", "serve", "--port", "0"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        url = next(found.group(1) for line in lines if (found := re.search(r"at (http://\S+/) ", line)))
        next(line for line in lines if line.startswith("Watching"))
        browser_page.goto(url + "papers/power2022grokking.html")
        heading = browser_page.locator("h1")
        assert heading.inner_text().startswith("Grokking: Generalization")
        browser_page.evaluate("window.notReloaded = true")

        record = tmp_path / "papers" / "power2022grokking.yaml"
        record.write_text(record.read_text(encoding="utf-8").replace("Grokking: Generalization", "Grokking Live:"),
                          encoding="utf-8")

        # No reload by the test: the page reloads itself once the rebuild is done.
        browser_page.wait_for_function("document.querySelector('h1').innerText.startsWith('Grokking Live:')",
                                       timeout=20_000)
        assert browser_page.evaluate("window.notReloaded === undefined")
    finally:
        process.terminate()
        process.wait(timeout=10)



def test_serve_shows_an_edit_in_its_open_page_at_once_and_leaves_other_open_pages_alone(chromium_browser,
                                                                                      tmp_path: Path) -> None:
    from test_build_cli import _serve_fixture_catalog

    from phenomena_catalog.write import output_lock

    process, lines, url = _serve_fixture_catalog(tmp_path)
    context = chromium_browser.new_context()
    # Counts each page's loads (the test never reloads a page itself).
    context.add_init_script("sessionStorage.loads = String(Number(sessionStorage.loads || 0) + 1)")
    try:
        assert lines.next().startswith("Watching ")
        edited, other = context.new_page(), context.new_page()
        edited.goto(url + "papers/power2022grokking.html")
        other.goto(url + "papers/zhang2017understanding.html")
        record = tmp_path / "papers" / "power2022grokking.yaml"
        # The rebuild is held (a build of the same site runs): what the page shows was shown before it.
        with output_lock(tmp_path / "site"):
            record.write_text(record.read_text(encoding="utf-8").replace("venue: ICLR 2022 Workshop",
                                                                         "venue: NeurIPS 2022 Workshop"))
            edited.wait_for_selector("a[href='../venues/neurips-workshop.html']", timeout=20_000)
            assert edited.locator(".venue-year").inner_text().startswith("NeurIPS 2022 Workshop")
            assert lines.next() == "Changed: power2022grokking.yaml\n"
            assert lines.next().startswith("Shown: papers/power2022grokking.html (venue edited; the new page "
                                           "venues/neurips-workshop.html comes with the rebuild)")
        while not lines.next().startswith("Built site/: "):
            pass
        # The other open page did not change, so it was not reloaded: an edit of its own record
        # is its second load.
        other_record = tmp_path / "papers" / "zhang2017understanding.yaml"
        other_record.write_text(other_record.read_text(encoding="utf-8").replace(
            "\nadded:", "\nnote: Edited while open.\nadded:"))
        other.wait_for_function("document.body.innerText.includes('Edited while open.')", timeout=20_000)
        assert other.evaluate("sessionStorage.loads") == "2"
        assert edited.evaluate("Number(sessionStorage.loads)") >= 2
    finally:
        context.close()
        process.terminate()
        process.wait(timeout=10)
