"""Reading a built site the way a reader's browser would: parsed pages and their links."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def page(site: Path, url: str) -> BeautifulSoup:
    """The parsed HTML of one page of the site."""
    return BeautifulSoup((site / url).read_text(encoding="utf-8"), "html.parser")


def html_pages(site: Path) -> list[Path]:
    """Every HTML file of the site."""
    return sorted(site.rglob("*.html"))


def relatively_linked_pages(site: Path) -> list[Path]:
    """Every HTML file whose links are relative: all but 404.html, which a host serves in place of
    any missing address, so its links start at the site's address (or the host's root)."""
    return [p for p in html_pages(site) if p.relative_to(site).as_posix() != "404.html"]


def internal_targets(site: Path, html_file: Path) -> list[tuple[str, Path]]:
    """(href, resolved file) for every link, stylesheet and script on a page that stays on the site."""
    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    targets = []
    for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
        for element in soup.find_all(tag):
            ref = element.get(attr)
            if ref is None:
                continue
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "#")):
                continue
            targets.append((ref, (html_file.parent / unquote(parts.path)).resolve()))
    return targets
