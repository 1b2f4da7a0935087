"""The Atom exporter's own rules, below the feeds a built site holds (``test_paperpage``)."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st

from phenomena_catalog.exporters.atom import relative_to

PARTS = st.sampled_from(["papers", "topics", "a", "b.html", "index.html", "x.atom", ".", "..", ""])
PATHS = st.lists(PARTS, max_size=4).map("/".join)


@given(folder=PATHS.filter(lambda folder: not folder.startswith("/")), urls=st.lists(PATHS, min_size=1, max_size=6))
def test_links_relative_to_a_feeds_folder_are_what_relpath_makes_them(folder: str, urls: list[str]) -> None:
    # A feed's links are relative to its folder: worked out a url's folder at a time, the same text.
    relative = relative_to(folder)
    for url in urls:
        if url.startswith("/") or not url:  # (site-relative urls only, as relpath takes them)
            continue
        assert relative(url) == posixpath.relpath(url, folder or ".")
