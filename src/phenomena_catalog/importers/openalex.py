"""OpenAlex client: abstract-free metadata of published papers, found by DOI or by exact title.

Asks the works endpoint with a filter, for the root fields it needs only (``select``)::

    https://api.openalex.org/works?filter=doi:10.1073/pnas.1903070116|10.1088/1742-5468/ac3a74
        &select=id,doi,title,publication_year,publication_date,type,authorships,primary_location,locations
        &per-page=50&mailto=...&api_key=...

and reads the answer's ``results``::

    {"meta": {"count": 1, ...},
     "results": [{"id": "https://openalex.org/W2963...", "doi": "https://doi.org/10.1073/pnas.1903070116",
                  "title": "Reconciling modern machine-learning practice and ...", "publication_year": 2019,
                  "publication_date": "2019-07-24",
                  "authorships": [{"author": {"display_name": "Mikhail Belkin"}, ...}, ...],
                  "primary_location": {"source": {"display_name": "Proceedings of the National Academy
                                                  of Sciences", "type": "journal"}, ...},
                  "locations": [..., {"landing_page_url": "https://arxiv.org/abs/1812.11118", ...}]}]}

into ``OpenAlexWork`` values. OpenAlex clusters a paper's versions (arXiv preprint, journal article)
into one work, so a work names the published venue and DOI and, through its locations, the arXiv id.

Politeness: up to ``BATCH_SIZE`` DOIs per request (OpenAlex ORs up to 100 values in a filter), at
most ``1 / REQUEST_INTERVAL`` requests a second, a ``mailto`` to join the polite pool, and the free
API key from ``OPENALEX_API_KEY`` when set (without one OpenAlex allows only a small daily budget).
Failures are one-line ``UserError`` messages (``webapi.get``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from phenomena_catalog import arxiv_ids, webapi
from phenomena_catalog.errors import UserError
from phenomena_catalog.ids import venue_year
from phenomena_catalog.models import DOI

API_URL = "https://api.openalex.org/works"
TIMEOUT = 20.0
BATCH_SIZE = 50
REQUEST_INTERVAL = 0.2
"""Seconds between requests: five a second, well within OpenAlex's limit of 100."""
SELECT = "id,doi,title,publication_year,publication_date,type,authorships,primary_location,locations"
SERVICE = webapi.Service(
    "OpenAlex", busy_advice="wait and try again, or set OPENALEX_API_KEY to a free key for a larger daily budget")
ARXIV_DOI_PREFIX = "10.48550/arxiv."
"""arXiv's own DataCite DOIs name the preprint, not a published version: never a record's ``doi``."""


@dataclass(frozen=True)
class OpenAlexWork:
    """One work as OpenAlex describes it, reduced to what a record can use."""

    openalex_id: str
    title: str
    doi: str | None = None
    """Bare DOI ("10.1073/pnas.1903070116"); None for arXiv's own DOIs."""
    year: int | None = None
    published: dt.date | None = None
    authors: tuple[str, ...] = ()
    venue: str | None = None
    """The published venue: a journal's name ("Proceedings of the National Academy of Sciences"), a
    conference's name with the year; None for repositories such as arXiv."""
    arxiv: str | None = None
    """The arXiv id of a clustered preprint version, if one is listed."""


@dataclass
class Client:
    """Where and how politely to ask OpenAlex."""

    transport: webapi.Transport = webapi.urllib_transport
    mailto: str | None = None
    api_key: str | None = None
    api_url: str = API_URL
    timeout: float = TIMEOUT
    throttle: webapi.Throttle = field(default_factory=lambda: webapi.Throttle(REQUEST_INTERVAL))
    answered: int = 0
    """Requests answered so far."""

    def url(self, params: dict[str, str]) -> str:
        """The query URL with the polite-pool address and the key added."""
        params = dict(params)
        if self.mailto:
            params["mailto"] = self.mailto
        if self.api_key:
            params["api_key"] = self.api_key
        return f"{self.api_url}?{urllib.parse.urlencode(params, safe=':|,/')}"

    def _ask(self, params: dict[str, str]) -> list[OpenAlexWork]:
        self.throttle.wait()
        works = parse_works(webapi.get(self.url(params), SERVICE, self.transport, self.timeout))
        self.answered += 1
        return works

    def works_by_doi(self, dois: Sequence[str]) -> dict[str, OpenAlexWork]:
        """The works OpenAlex knows among ``dois``, by lower-cased DOI, ``BATCH_SIZE`` per request."""
        unique = list(dict.fromkeys(d.lower() for d in dois))
        found: dict[str, OpenAlexWork] = {}
        for start in range(0, len(unique), BATCH_SIZE):
            batch = unique[start:start + BATCH_SIZE]
            works = self._ask({"filter": "doi:" + "|".join(batch), "select": SELECT,
                               "per-page": str(len(batch))})
            for work in works:
                if work.doi:
                    found[work.doi.lower()] = work
        return found

    def works_by_title(self, title: str) -> list[OpenAlexWork]:
        """The few works whose title best matches ``title`` (the caller checks that it is the same)."""
        # A comma separates filters and a pipe means OR in OpenAlex's filter syntax.
        words = " ".join(_FILTER_SYNTAX.sub(" ", title).split())
        return self._ask({"filter": f"title.search:{words}", "select": SELECT, "per-page": "5"})


_FILTER_SYNTAX = re.compile(r"[,|:]")


def parse_works(body: bytes) -> list[OpenAlexWork]:
    """The works in an answer of the works endpoint; a ``UserError`` for anything else."""
    try:
        answer = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise UserError("the OpenAlex API sent something that is not JSON; try again later; "
                        f"{webapi.NOTHING_WRITTEN}") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        message = answer.get("message") or answer.get("error") if isinstance(answer, dict) else None
        raise UserError(f"the OpenAlex API refused the query: {message or 'no results in its answer'}; "
                        f"{webapi.NOTHING_WRITTEN}")
    return [work for item in answer["results"] if isinstance(item, dict) and (work := _work(item))]


def _work(item: dict[str, Any]) -> OpenAlexWork | None:
    title = " ".join(str(item.get("title") or item.get("display_name") or "").split())
    if not title:
        return None
    year = item.get("publication_year") if isinstance(item.get("publication_year"), int) else None
    return OpenAlexWork(
        openalex_id=str(item.get("id") or ""),
        title=title,
        doi=_bare_doi(item.get("doi")),
        year=year,
        published=_date(item.get("publication_date")),
        authors=tuple(name for a in item.get("authorships") or []
                      if (name := " ".join(str(((a or {}).get("author") or {}).get("display_name") or "").split()))),
        venue=_venue(item.get("primary_location"), year),
        arxiv=next((found for location in item.get("locations") or []
                    if (found := arxiv_ids.parse(str((location or {}).get("landing_page_url") or "")))), None),
    )


def _bare_doi(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    doi = re.sub(r"^https?://(?:dx\.)?doi\.org/", "", value.strip(), flags=re.IGNORECASE)
    if not DOI.match(doi) or doi.lower().startswith(ARXIV_DOI_PREFIX):
        return None
    return doi


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


SHORT_NAMES = {
    "Neural Information Processing Systems": "NeurIPS",
    "International Conference on Machine Learning": "ICML",
    "International Conference on Learning Representations": "ICLR",
}
"""OpenAlex's names of the field's main conferences -> the names the catalog's venues use ("NeurIPS 2021")."""


def _venue(location: object, year: int | None) -> str | None:
    """A journal's name, or a conference's (short) name and year; None for repositories (arXiv) and
    unknowns."""
    source = location.get("source") if isinstance(location, dict) else None
    if not isinstance(source, dict):
        return None
    name = " ".join(str(source.get("display_name") or "").split())
    kind = source.get("type")
    if not name or kind not in ("journal", "conference") or "arxiv" in name.lower():
        return None
    if kind == "conference":
        name = SHORT_NAMES.get(name, name)
        if year and venue_year(name) is None:
            return f"{name} {year}"
    return name
