"""Citation metadata on a paper's page: Highwire ``citation_*`` tags, schema.org JSON-LD, OpenGraph.

Reference managers (Zotero's embedded-metadata translator) and Google Scholar read the Highwire
tags; search engines read the JSON-LD; chat apps and social sites read OpenGraph / Twitter cards.
The tag functions return plain data (names and values), which the template escapes like any text;
``scholarly_article_json`` returns JSON text, and ``json_ld_script`` makes it JSON that no record
text can break out of::

    >>> json_ld_script('{"name": "</script><b>"}')
    Markup('{"name": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}')
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable, Iterable

from markupsafe import Markup

from phenomena_catalog import arxiv_ids
from phenomena_catalog.exporters.bibtex import entry_type
from phenomena_catalog.models import Paper
from phenomena_catalog.presentation import doi_url

MetaTags = list[tuple[str, str]]
"""(name or property, content) pairs, in the order they are written."""


def pdf_link(paper: Paper) -> str | None:
    """The paper's PDF: its ``pdf`` link, else arXiv's."""
    return paper.links.pdf or (arxiv_ids.pdf_url(paper.arxiv) if paper.arxiv else None)


def landing_link(paper: Paper) -> str | None:
    """Where the paper itself is read: its ``paper`` link, else its arXiv abstract, else its DOI."""
    if paper.links.paper:
        return paper.links.paper
    if paper.arxiv:
        return arxiv_ids.abs_url(paper.arxiv)
    return doi_url(paper.doi) if paper.doi else None


def publication_date(paper: Paper, separator: str = "/") -> str:
    """Year, or year and month ("2022/01"; ISO 8601 "2022-01" with ``separator="-"``)."""
    return f"{paper.year}{separator}{paper.month:02d}" if paper.month else str(paper.year)


def highwire_tags(paper: Paper, keywords: list[str]) -> MetaTags:
    """The ``citation_*`` meta tags Google Scholar and Zotero read, one ``citation_author`` per author.

    The venue is a ``citation_conference_title`` or a ``citation_journal_title`` by the same rule
    that picks the BibTeX entry type; a preprint server or an unknown kind of venue names neither.
    """
    tags: MetaTags = [("citation_title", paper.title)]
    tags += [("citation_author", author) for author in paper.authors]
    tags.append(("citation_publication_date", publication_date(paper)))
    kind = entry_type(paper.venue)
    if paper.venue and kind == "inproceedings":
        tags.append(("citation_conference_title", paper.venue))
    elif paper.venue and kind == "article":
        tags.append(("citation_journal_title", paper.venue))
    if paper.arxiv:
        tags.append(("citation_arxiv_id", paper.arxiv))
    if paper.doi:
        tags.append(("citation_doi", paper.doi))
    pdf = pdf_link(paper)
    if pdf:
        tags.append(("citation_pdf_url", pdf))
    landing = landing_link(paper)
    if landing:
        tags.append(("citation_abstract_html_url", landing))
    if keywords:
        tags.append(("citation_keywords", "; ".join(keywords)))
    return tags


_STRING: Callable[[str], str] = json.encoder.encode_basestring
"""A JSON string as ``json.dumps(text, ensure_ascii=False)`` writes it (markupsafe-free, in C)."""


def _array(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def scholarly_article_json(paper: Paper, description: str, keywords: list[str], page_address: str | None) -> str:
    """The paper as a schema.org ``ScholarlyArticle`` (JSON-LD), as ``json.dumps(..., ensure_ascii=False)``
    writes an object of these keys in this order. Written piece by piece (a paper's page at a time:
    a dict made, then encoded, took three times as long)."""
    title = _STRING(paper.title)
    authors = _array([f'{{"@type": "Person", "name": {_STRING(author)}}}' for author in paper.authors])
    parts = ['{"@context": "https://schema.org", "@type": "ScholarlyArticle", "headline": ', title,
             ', "name": ', title, ', "author": ', authors, ', "datePublished": ', _STRING(publication_date(paper, "-"))]
    if description:
        parts += [', "description": ', _STRING(description)]
    if keywords:
        parts += [', "keywords": ', _array(map(_STRING, keywords))]
    if paper.venue:
        if entry_type(paper.venue) == "article":
            parts += [', "isPartOf": {"@type": "Periodical", "name": ', _STRING(paper.venue), "}"]
        else:
            parts += [', "publication": {"@type": "PublicationEvent", "name": ', _STRING(paper.venue), "}"]
    same_as = [link for link in (landing_link(paper),
                                 arxiv_ids.abs_url(paper.arxiv) if paper.arxiv else None,
                                 doi_url(paper.doi) if paper.doi else None) if link]
    if same_as:
        parts += [', "sameAs": ', _array(map(_STRING, dict.fromkeys(same_as)))]
    identifiers = []
    if paper.doi:
        identifiers.append(f'{{"@type": "PropertyValue", "propertyID": "DOI", "value": {_STRING(paper.doi)}}}')
    if paper.arxiv:
        identifiers.append(f'{{"@type": "PropertyValue", "propertyID": "arXiv", "value": {_STRING(paper.arxiv)}}}')
    if identifiers:
        parts += [', "identifier": ', _array(identifiers)]
    pdf = pdf_link(paper)
    if pdf:
        parts += [', "encoding": {"@type": "MediaObject", "contentUrl": ', _STRING(pdf),
                  ', "encodingFormat": "application/pdf"}']
    if page_address:
        address = _STRING(page_address)
        parts += [', "url": ', address, ', "mainEntityOfPage": ', address]
    parts.append("}")
    return "".join(parts)


def json_ld_script(text: str) -> Markup:
    """JSON text for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` are written as
    ``\\u`` escapes, so no text inside can end the script or open a comment, and JSON parsers read
    the same strings back."""
    if "<" in text or ">" in text or "&" in text:
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if "\u2028" in text or "\u2029" in text:
        # U+2028/2029 are legal in JSON but end a line in older JavaScript parsers.
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
