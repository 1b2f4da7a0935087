"""What every list format hands to the merge stage, and the cleaning rules they share.

A format module (``awesome.py``, ``dokuwiki.py``, ...) turns a list's text into ``ImportedEntry``
values, one per paper it names, plus ``Skipped`` notes for everything it read but could not or
should not import. It never touches ``papers/``; ``merge.py`` decides what becomes a record.

Cleaning examples::

    >>> normalize_link("https://arxiv.org/pdf/2207.06569v2.pdf")
    NormalizedLink(url='https://arxiv.org/abs/2207.06569', arxiv='2207.06569', doi=None, kind='paper')
    >>> clean_title("  Dropout Reduces  Underfitting. ")
    'Dropout Reduces Underfitting'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from phenomena_catalog import arxiv_ids


@dataclass(frozen=True)
class ImportedEntry:
    """One paper as one list describes it, before merging; every field optional but the title."""

    title: str
    source: str
    """The list's name (its title, e.g. "Awesome Deep Phenomena"), recorded in ``sources``."""
    path: str
    """The list file, as shown in messages."""
    line: int
    """1-based line where the entry starts."""
    sections: tuple[str, ...] = ()
    """Headings above the entry, outermost first ("Lottery Ticket Hypothesis")."""
    authors: tuple[str, ...] = ()
    author_hint: str = ""
    """A surname when the list names no full authors ("Zhang et al 2017"); used only for the id."""
    year: int | None = None
    """The earliest year this entry gives (arXiv id, date, section or venue)."""
    month: int | None = None
    venue: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    """(kind, url) pairs; kinds are the fields of ``models.Links``."""
    arxiv: str | None = None
    doi: str | None = None
    keywords: tuple[str, ...] = ()
    digest: str | None = None
    note: str | None = None
    """A remark after the entry that is no summary ("Google Research", "Best paper at NeurIPS 2021")."""
    kind: str = "paper"
    """What the entry is (``models.Kind``): a blog post or a recorded talk is kept as a record too."""

    @property
    def where(self) -> str:
        """``file:line`` of the entry, for reports."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Skipped:
    """Something in a list that is not imported, and why (a blog post, an entry without a title)."""

    path: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.text}"


@dataclass
class ParsedList:
    """Everything one format read from one file."""

    name: str
    """The list's name, from its first heading (or the file name)."""
    entries: list[ImportedEntry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    headings: list[tuple[str, ...]] = field(default_factory=list)
    """Every section path seen, in order, so a new catalog's taxonomy can be built from it."""
    warnings: list[Skipped] = field(default_factory=list)
    """Fields dropped or moved by the sanity checks (``sanity.check_entries``), each at its line."""

    @property
    def read(self) -> int:
        """Entries read: every paper-like item, imported or skipped."""
        return len(self.entries) + len(self.skipped)


class SectionStack:
    """The headings above the current line, outermost first, as a list's heading levels nest them.

        >>> sections = SectionStack()
        >>> sections.enter(2, "Grokking"), sections.enter(3, "Theory"), sections.enter(2, "Emergence")
        (('Grokking',), ('Grokking', 'Theory'), ('Emergence',))
    """

    def __init__(self) -> None:
        self._open: list[tuple[int, str]] = []

    @property
    def path(self) -> tuple[str, ...]:
        """The open headings' titles, outermost first."""
        return tuple(title for _, title in self._open)

    @property
    def innermost(self) -> str | None:
        """The title of the deepest open heading, if any."""
        return self._open[-1][1] if self._open else None

    def enter(self, level: int, title: str) -> tuple[str, ...]:
        """Open a heading, closing those at its level or deeper; returns the new path."""
        self.close(level)
        self._open.append((level, title))
        return self.path

    def close(self, level: int) -> None:
        """Close the open headings at ``level`` or deeper (a year heading ends them without a title).

        A section that holds no papers (a table of contents, "Contributing") ends at the next
        heading of any level: lists often nest their real sections under "## Table of Contents".
        """
        while self._open and self._open[-1][0] >= level:
            self._open.pop()
        for index, (_, title) in enumerate(self._open):
            if non_paper_section((title,)):
                del self._open[index:]
                break


def file_stem(path: str) -> str:
    """A list's name when it has no top-level heading: its file name without the extension."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


class ListFormat(Protocol):
    """The interface of a format module; register a module in ``importers.FORMATS``.

    ``detect`` scores how much a text looks like this format (0 = not at all, 1 = certainly);
    ``parse`` reads it. A file that is not in this format at all raises ``UserError`` naming the
    file and line; single unreadable entries go to ``ParsedList.skipped`` instead. Leave each
    entry's ``source`` empty: ``importers.read_list`` fills it with the list's name.
    """

    NAME: str
    DESCRIPTION: str

    def detect(self, text: str) -> float: ...

    def parse(self, text: str, path: str) -> ParsedList: ...


# ---------------------------------------------------------------- cleaning helpers

_SPACES = re.compile(r"\s+")
_DOI_IN_URL = re.compile(r"(?:doi\.org/|/doi/(?:abs/|pdf/|full/|epdf/)?)(10\.\d{4,9}/[^?#\s]+)")
_BIORXIV = re.compile(r"(?:bio|med)rxiv\.org/content/(10\.1101/(?:\d{4}\.\d\d\.\d\d\.)?\d+)")
_NATURE = re.compile(r"nature\.com/articles/(s\d{5}-\d{3}-\d{5}-\w)")
_TRACKING = re.compile(r"^(utm_\w+|ref|refsrc|af|cxt|cn|src)$")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

NON_PAPER_HOSTS = {
    "youtube.com": "a video, not a paper",
    "youtu.be": "a video, not a paper",
    "vimeo.com": "a video, not a paper",
    "twitter.com": "a tweet, not a paper",
    "x.com": "a tweet, not a paper",
    "lilianweng.github.io": "a blog post, not a paper",
    "neelnanda.io": "a blog post, not a paper",
    "medium.com": "a blog post, not a paper",
    "towardsdatascience.com": "a blog post, not a paper",
    "substack.com": "a blog post, not a paper",
    "lesswrong.com": "a blog post, not a paper",
    "alignmentforum.org": "a blog post, not a paper",
    "github.com": "a code repository, not a paper",
    "gitlab.com": "a code repository, not a paper",
    "huggingface.co": "a model or data set page, not a paper",
}
"""Hosts whose pages are not papers; entries linking only there are skipped with this reason."""


RESOURCE_KINDS = {"a video, not a paper": ("talk", "video"), "a blog post, not a paper": ("blog-post", "blog")}
"""Non-paper links that still make a record: the reason above -> (record kind, link field).
Tweets are not kept."""
_READING_LIST = re.compile(r"\b(?:reading list|list of|annotated list)\b", re.IGNORECASE)
_DATED_URL = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/")


def resource_kind(url: str, title: str) -> tuple[str, str] | None:
    """(record kind, link field) for a blog post or talk worth a record; None for papers and tweets.

        >>> resource_kind("https://www.youtube.com/watch?v=x", "A talk")
        ('talk', 'video')
        >>> resource_kind("https://www.neelnanda.io/favourite-papers", "An Annotated List of Papers")
        ('reading-list', 'blog')
    """
    found = RESOURCE_KINDS.get(non_paper_reason(url) or "")
    if found and found[0] == "blog-post" and _READING_LIST.search(title):
        return "reading-list", found[1]
    return found


def url_date(url: str) -> tuple[int | None, int | None]:
    """The (year, month) a blog's URL carries (``/2019/03/14/post.html``), if any."""
    match = _DATED_URL.search(url)
    return (int(match.group(1)), int(match.group(2))) if match else (None, None)


class NormalizedLink(NamedTuple):
    """A cleaned link and what it tells about the paper."""

    url: str
    arxiv: str | None
    doi: str | None
    kind: str
    """``paper`` for a landing page, ``pdf`` for a direct PDF."""


def clean_text(text: str) -> str:
    """Collapse runs of whitespace and strip the ends."""
    return _SPACES.sub(" ", text).strip()


def clean_title(text: str) -> str:
    """A title without surrounding markup, doubled spaces or a trailing period."""
    text = clean_text(text.replace("**", ""))
    text = text.strip(" *_")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    return text


def normalize_link(url: str) -> NormalizedLink:
    """One canonical URL: arXiv links become ``https://arxiv.org/abs/ID``; tracking parameters go."""
    url = url.strip().rstrip(".,;")
    url = re.sub(r"(arxiv\.org/(?:abs|pdf))/+", r"\1/", url, flags=re.IGNORECASE)  # ".../abs//2309.15025"
    if url.lower().startswith("arxiv:"):
        url = arxiv_ids.abs_url(arxiv_ids.parse(url) or url[6:].strip())  # [[arxiv]](arXiv:2404.03646)
    elif not re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE) and re.match(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+/", url):
        url = "https://" + url  # a link written without its scheme ("arxiv.org/abs/...")
    arxiv = arxiv_ids.id_from_url(url)
    if arxiv:
        return NormalizedLink(arxiv_ids.abs_url(arxiv), arxiv, None, "paper")
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    fragment = "" if "=" in parts.fragment or not parts.fragment else parts.fragment
    host = parts.netloc.lower()
    path = parts.path
    url = urlunsplit((parts.scheme, parts.netloc, path, urlencode(query, safe="/:"), fragment))
    doi = None
    for pattern in (_DOI_IN_URL, _BIORXIV):
        found = pattern.search(url)
        if found:
            doi = found.group(1).rstrip("/.")
            break
    nature = _NATURE.search(url)
    if nature and doi is None:
        doi = f"10.1038/{nature.group(1)}"
    is_pdf = (path.lower().endswith(".pdf") or "/pdf/" in path.lower()
              or (host.endswith("openreview.net") and path == "/pdf"))
    kind = "pdf" if is_pdf else "paper"
    return NormalizedLink(url, None, doi, kind)


def non_paper_reason(url: str) -> str | None:
    """Why a link is not a paper (a video, a blog post), or None when it may well be one."""
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    for known, reason in NON_PAPER_HOSTS.items():
        if host == known or host.endswith("." + known):
            return reason
    return None


def find_date(text: str) -> tuple[int | None, int | None]:
    """The first ``Mon. [DD[.]] YYYY`` date or bare year in free text, as (year, month)."""
    match = re.search(r"\b([A-Z][a-z]{2,8})\.?\s+(?:\d{1,2}\.?,?\s+)?((?:19|20)\d\d)\b", text)
    if match and match.group(1)[:3].lower() in _MONTHS:
        return int(match.group(2)), _MONTHS[match.group(1)[:3].lower()]
    match = re.search(r"(?<![\w/.-])((?:19|20)\d\d)(?![\w/-])", text)
    return (int(match.group(1)), None) if match else (None, None)


def split_authors(text: str) -> tuple[str, ...]:
    """Names from an authors line: commas or semicolons between names, "and" before the last."""
    text = clean_text(text)
    text = re.sub(r"^(?:authors?(?: list)?\s*:?\s+)", "", text, flags=re.IGNORECASE)
    text = re.sub(r"[\s,]*(?:et al\.?|\.\.\.)\s*$", "", text).rstrip(" .")
    separator = ";" if ";" in text else ","
    names = []
    for part in text.split(separator):
        for name in re.split(r"\s+and\s+|\s*&\s*", part.strip()):
            name = name.strip(" .")
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))


def combine_year(arxiv: str | None, *others: int | None) -> tuple[int | None, int | None]:
    """The entry's year and month: the arXiv id's if there is one, else the earliest other year."""
    if arxiv:
        dated = arxiv_ids.submission_date(arxiv)
        if dated:
            return dated
    years = [y for y in others if y is not None]
    return (min(years), None) if years else (None, None)


def link_pairs(found: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """(kind, url) pairs without repeats, first one of each kind kept."""
    seen: dict[str, str] = {}
    for kind, url in found:
        seen.setdefault(kind, url)
    return tuple(seen.items())


_VENUE_NAMES = {
    "iclr": "ICLR", "nips": "NeurIPS", "neurips": "NeurIPS", "icml": "ICML", "colt": "COLT",
    "jmlr": "JMLR", "tmlr": "TMLR", "aistats": "AISTATS", "aistat": "AISTATS", "uai": "UAI",
    "cvpr": "CVPR", "iccv": "ICCV", "eccv": "ECCV", "aaai": "AAAI", "ijcai": "IJCAI",
    "acl": "ACL", "emnlp": "EMNLP", "naacl": "NAACL", "mlsys": "MLSys", "pnas": "PNAS",
    "eacl": "EACL", "tacl": "TACL", "coling": "COLING", "tpami": "TPAMI", "tnnls": "TNNLS", "kdd": "KDD",
    "www": "WWW", "sigir": "SIGIR", "wacv": "WACV", "bmvc": "BMVC", "interspeech": "Interspeech",
}
"""Conference and journal short names as lists write them in tags, with their usual spelling."""
_VENUE_TAG = re.compile(r"^(?P<name>[a-z]+)[ -]?(?P<year>(?:19|20)\d\d)(?P<rest>.*)$")


def venue_from_tag(tag: str) -> tuple[str | None, int | None]:
    """A venue and year from a tag like ``iclr2021`` (``nipst2021`` tolerated as a typo).

    ``iclr2022 submit`` names only a year: a submission is not a publication.
    """
    match = _VENUE_TAG.match(clean_text(tag).lower())
    if not match:
        return None, None
    # One stray letter is a typo seen in real lists ("nipst2021"), not another venue.
    name = match["name"] if match["name"] in _VENUE_NAMES else match["name"][:-1]
    if name not in _VENUE_NAMES:
        return None, None
    year = int(match["year"])
    if match["rest"].strip(" ."):
        return None, year
    return f"{_VENUE_NAMES[name]} {year}", year


_NON_PAPER_SECTION = re.compile(
    r"^(?:table of contents|contents|toc|index|contribut\w*|how to contribute\??|related (?:resources?|repos?|"
    r"repositories|lists?|awesome lists?|projects?)|other (?:awesome )?lists?|licen[cs]e|citation|cite|"
    r"how to cite|citing|acknowledge?ments?|star history|stargazers|updates?|news|changelog|contact|"
    r"maintainers?|contributors?|about|introduction|keywords? convention|icon description|"
    r"agent-assisted updates|sponsors?|(?:useful |other |additional |more )?resources|list of researchers|"
    r"researchers|people)\W*$",
    re.IGNORECASE,
)


def non_paper_section(sections: tuple[str, ...]) -> str | None:
    """The heading above an item that names a section of a list holding no papers, if any.

        >>> non_paper_section(("Related Resources",)), non_paper_section(("Grokking", "Theory"))
        ('Related Resources', None)

    Contributing notes, tables of contents, licences, related lists and badges are part of most
    awesome lists; they are never topics and their links are never papers.
    """
    for title in sections:
        if _NON_PAPER_SECTION.match(clean_text(title)):
            return title
    return None


_YEAR_GROUP = re.compile(
    r"^(?:(?P<topic>.*?)\s*[:：\-–]\s*)?(?:(?:19|20)\d\d\s*(?:-|–|to)\s*)?(?P<year>(?:19|20)\d\d)"
    r"(?P<before>\s*(?:and|&|or)\s*(?:before|earlier|older|prior))?(?:\s*(?:venues?|papers?))?\s*$",
    re.IGNORECASE,
)


def year_group(title: str) -> tuple[str | None, int | None] | None:
    """A heading that groups papers by year: (its topic or None, the year or None); None if it is a topic.

        >>> year_group("Grokking: 2022"), year_group("2023"), year_group("Survey: 2019 and Before")
        (('Grokking', 2022), (None, 2023), ('Survey', None))
        >>> year_group("2022 Venues"), year_group("Scaling Laws") is None
        ((None, 2022), True)

    "2019 and Before" names no one year: its papers take theirs from an arXiv id or venue.
    """
    match = _YEAR_GROUP.match(clean_text(title))
    if match is None:
        return None
    topic = match["topic"].strip() if match["topic"] and match["topic"].strip() else None
    return topic, None if match["before"] else int(match["year"])


def venue_in_text(text: str) -> tuple[str | None, int | None]:
    """A venue written out in free text ("TMLR 2022", "NeurIPS 2021 spotlight" -> "NeurIPS 2021")."""
    for match in re.finditer(r"\b([A-Za-z]{3,8})\s?((?:19|20)\d\d)\b", text):
        venue, year = venue_from_tag(match.group(1) + match.group(2))
        if venue:
            return venue, year
    return None, None
