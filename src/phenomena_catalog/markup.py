"""Markdown -> safe HTML for digests and descriptions.

Record text is untrusted. markdown-it-py runs with raw HTML disabled (``<script>`` in a digest is
shown as text) and with its link validation, which refuses ``javascript:``, ``vbscript:``,
``file:`` and ``data:`` URLs, so nothing in a record can run script in a reader's browser.

    >>> render_markdown("**Grokking** <script>x</script>")
    '<p><strong>Grokking</strong> &lt;script&gt;x&lt;/script&gt;</p>\\n'
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # One parser for the whole build: creating one costs more than rendering a digest.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> Markup:
    """Render Markdown to HTML with raw HTML escaped and unsafe links dropped."""
    return Markup(_parser().render(text))


def render_inline(text: str) -> Markup:
    """Render one line of Markdown without the surrounding paragraph."""
    return Markup(_parser().renderInline(text))
