"""Digests are untrusted Markdown: nothing in one may become markup or a script-running link.

Validation already refuses javascript: and data: links in digests; the renderer must be safe on its
own too, since descriptions and imported text reach it as well.
"""

from __future__ import annotations

import pytest

from phenomena_catalog.markup import render_markdown


@pytest.mark.parametrize(("source", "expected"), [
    ("**bold** and `code`", "<p><strong>bold</strong> and <code>code</code></p>\n"),
    # A line starting with a tag is an HTML block: escaped whole, not wrapped in a paragraph.
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;\n"),
    ("the <eos> token", "<p>the &lt;eos&gt; token</p>\n"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;\n"),
    ("[x](javascript:alert(1))", "<p>x</p>\n"),
    ("[x](JaVaScRiPt:alert(1))", "<p>x</p>\n"),
    ("[x](vbscript:msgbox(1))", "<p>x</p>\n"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>x</p>\n"),
    ("![alt](javascript:alert(1))", "<p>alt</p>\n"),
    ('[x](https://ok.org "t\\"itle")', '<p><a href="https://ok.org" title="t&quot;itle">x</a></p>\n'),
    ("see https://arxiv.org/abs/2201.02177", '<p>see <a href="https://arxiv.org/abs/2201.02177">'
                                             "https://arxiv.org/abs/2201.02177</a></p>\n"),
])
def test_markdown_is_rendered_safely(source: str, expected: str) -> None:
    assert render_markdown(source) == expected
