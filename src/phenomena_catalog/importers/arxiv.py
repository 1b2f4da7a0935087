"""arXiv importer: one paper's metadata from the arXiv API, as a record to review.

Asks ``https://export.arxiv.org/api/query?id_list=2201.02177`` and reads the Atom entry::

    <entry>
      <id>http://arxiv.org/abs/2201.02177v1</id>
      <published>2022-01-06T18:43:37Z</published>
      <title>Grokking: Generalization Beyond Overfitting on Small Algorithmic
      Datasets</title>
      <summary>  In this paper we propose to study generalization ...</summary>
      <author><name>Alethea Power</name></author> ...
      <arxiv:doi>...</arxiv:doi> <arxiv:journal_ref>...</arxiv:journal_ref>
    </entry>

into an ``ArxivPaper`` (whitespace normalised, versionless id, canonical abs link), which
``record_from_arxiv`` turns into a ``PaperRecord``::

    title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    authors: [Alethea Power, Yuri Burda, Harri Edwards, Igor Babuschkin, Vedant Misra]
    year: 2022
    month: 1
    links: {paper: https://arxiv.org/abs/2201.02177, pdf: https://arxiv.org/pdf/2201.02177,
            code: https://github.com/openai/grok}
    arxiv: "2201.02177"
    digest: In this paper we propose to study generalization of neural networks ...

The HTTP call goes through a ``Transport`` (``urllib_transport`` by default) so tests can replay
recorded answers. Every failure (offline, timeout, HTTP error, throttling, an error entry, no such
paper) is a ``UserError`` with one line saying what happened and that nothing was written.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from phenomena_catalog import arxiv_ids, webapi
from phenomena_catalog.errors import UserError
from phenomena_catalog.models import DOI, Links, PaperRecord

API_URL = "https://export.arxiv.org/api/query"
TIMEOUT = 20.0
"""Seconds to wait for the API; it usually answers in under two."""

Transport = webapi.Transport
urllib_transport = webapi.urllib_transport
SERVICE = webapi.Service("arXiv")

_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom",
       "opensearch": "http://a9.com/-/spec/opensearch/1.1/"}
_NOTHING_WRITTEN = webapi.NOTHING_WRITTEN
_CODE_URL = re.compile(r"https?://(?:www\.)?(?:github\.com|gitlab\.com)/[\w.-]+/[\w.-]+")


@dataclass(frozen=True)
class ArxivPaper:
    """One paper as the arXiv API describes it, whitespace normalised."""

    arxiv_id: str
    """Versionless id ("2201.02177")."""
    title: str
    authors: tuple[str, ...]
    published: dt.date
    """The day version 1 was submitted."""
    abstract: str
    """Paragraphs separated by a blank line, whitespace normalised within each."""
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None

    @property
    def abs_url(self) -> str:
        """The canonical, versionless abstract page."""
        return arxiv_ids.abs_url(self.arxiv_id)

    @property
    def pdf_url(self) -> str:
        """The PDF of the latest version."""
        return arxiv_ids.pdf_url(self.arxiv_id)


def query_url(arxiv_id: str, api_url: str = API_URL) -> str:
    """The API query that returns exactly this paper."""
    return f"{api_url}?{urllib.parse.urlencode({'id_list': arxiv_id, 'max_results': 1})}"


def fetch(arxiv_id: str, transport: Transport = urllib_transport, timeout: float = TIMEOUT,
          api_url: str = API_URL) -> ArxivPaper:
    """Ask the arXiv API for one paper; any failure is a one-line ``UserError``."""
    return parse_feed(webapi.get(query_url(arxiv_id, api_url), SERVICE, transport, timeout), arxiv_id)


BATCH_SIZE = 50
"""Ids per query: arXiv's ``id_list`` takes many, and short answers keep a slow response cheap."""
REQUEST_INTERVAL = 3.0
"""Seconds between requests, as arXiv's terms of use ask (one request every three seconds)."""


def fetch_many(arxiv_ids: Sequence[str], transport: Transport = urllib_transport, timeout: float = TIMEOUT,
               api_url: str = API_URL, throttle: webapi.Throttle | None = None) -> dict[str, ArxivPaper]:
    """The papers arXiv knows among ``arxiv_ids``, by id, asked ``BATCH_SIZE`` at a time, politely paced.

    Ids arXiv does not know are left out; a failed request is a one-line ``UserError``.
    """
    throttle = throttle or webapi.Throttle(REQUEST_INTERVAL)
    unique = list(dict.fromkeys(arxiv_ids))
    found: dict[str, ArxivPaper] = {}
    for start in range(0, len(unique), BATCH_SIZE):
        batch = unique[start:start + BATCH_SIZE]
        query = urllib.parse.urlencode({"id_list": ",".join(batch), "max_results": len(batch)})
        throttle.wait()
        body = webapi.get(f"{api_url}?{query}", SERVICE, transport, timeout)
        for paper in parse_entries(body):
            found[paper.arxiv_id] = paper
    return found


def parse_feed(body: bytes, arxiv_id: str) -> ArxivPaper:
    """The paper in an API answer for ``arxiv_id``; a ``UserError`` for errors and empty answers."""
    feed = _feed(body)
    entries = feed.findall("atom:entry", _NS)
    if not entries:
        raise UserError(f"arXiv has no paper {arxiv_id}; check the id; {_NOTHING_WRITTEN}")
    entry = entries[0]
    entry_id = _text(entry, "atom:id")
    if "/api/errors" in entry_id:
        # arXiv reports a bad query as HTTP 200 with one entry titled "Error".
        raise UserError(f"arXiv refused the id {arxiv_id}: {_text(entry, 'atom:summary')}; "
                        f"{_NOTHING_WRITTEN}")
    paper = _paper(entry, arxiv_id)
    if paper is None:
        # Ids that were never assigned come back as an entry without title or dates.
        raise UserError(f"arXiv has no paper {arxiv_id}; check the id; {_NOTHING_WRITTEN}")
    return paper


def parse_entries(body: bytes) -> list[ArxivPaper]:
    """Every paper in an answer to a query of several ids; a ``UserError`` for an error answer."""
    feed = _feed(body)
    papers = []
    for entry in feed.findall("atom:entry", _NS):
        if "/api/errors" in _text(entry, "atom:id"):
            raise UserError(f"arXiv refused the query: {_text(entry, 'atom:summary')}; {_NOTHING_WRITTEN}")
        paper = _paper(entry, "")
        if paper is not None and paper.arxiv_id:
            papers.append(paper)
    return papers


def _feed(body: bytes) -> ET.Element:
    if body.strip().lower().startswith(b"rate exceeded"):
        raise UserError(f"the arXiv API is throttling requests (\"Rate exceeded\"); wait a minute "
                        f"and try again; {_NOTHING_WRITTEN}")
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        raise UserError(f"the arXiv API sent something that is not an Atom feed; try again later; "
                        f"{_NOTHING_WRITTEN}") from None


def _paper(entry: ET.Element, asked: str) -> ArxivPaper | None:
    """One entry as a paper; None for an id arXiv never assigned (no title, no date)."""
    title = _text(entry, "atom:title")
    published = _text(entry, "atom:published")
    if not title or not published:
        return None
    found_id = arxiv_ids.id_from_url(_text(entry, "atom:id")) or asked
    doi = _text(entry, "arxiv:doi") or None
    return ArxivPaper(
        arxiv_id=found_id,
        title=title,
        authors=tuple(name for a in entry.findall("atom:author", _NS) if (name := _text(a, "atom:name"))),
        published=dt.date.fromisoformat(published[:10]),
        abstract=_paragraphs(entry.find("atom:summary", _NS)),
        # arXiv lists the DOI of the published version as the authors typed it; keep it only if valid.
        doi=doi.split()[0] if doi and DOI.match(doi.split()[0]) else None,
        journal_ref=_text(entry, "arxiv:journal_ref") or None,
        comment=_text(entry, "arxiv:comment") or None,
    )


def _text(element: ET.Element, path: str) -> str:
    """The element's text with every run of whitespace (arXiv wraps lines) made one space."""
    found = element.find(path, _NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _paragraphs(summary: ET.Element | None) -> str:
    """An abstract's paragraphs, each on one line, separated by a blank line.

    arXiv hard-wraps abstracts and marks a new paragraph by indenting its first line.
    """
    text = (summary.text or "").strip() if summary is not None else ""
    return "\n\n".join(" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text) if p.strip())


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]+(?=\S)")


def record_from_arxiv(paper: ArxivPaper, topics: Sequence[str], added: dt.date) -> PaperRecord:
    """A record for ``paper`` filed under ``topics``; the abstract becomes the digest to edit."""
    code = _CODE_URL.search(f"{paper.comment or ''} {paper.abstract}")
    links = Links(paper=paper.abs_url, pdf=paper.pdf_url,
                  code=code.group().rstrip(".") if code else None)
    return PaperRecord(
        title=paper.title,
        authors=list(paper.authors),
        year=paper.published.year,
        month=paper.published.month,
        venue=paper.journal_ref,
        topics=list(topics),
        links=links,
        arxiv=paper.arxiv_id,
        doi=paper.doi,
        digest="\n\n".join(textwrap.fill(p, width=96) for p in paper.abstract.split("\n\n")) + "\n"
        if paper.abstract else None,
        added=added,
    )
