"""The record format: what a paper record, a topic and a keyword may say.

This module is the format's documentation. Every field has a docstring; unknown fields are errors,
so a typo such as ``autors:`` never passes silently. A record file holds a ``PaperRecord``; the
loader adds the id (the file name) and the file's path to make a ``Paper``.

A record, ``papers/power2022grokking.yaml``::

    title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    authors: [Alethea Power, Yuri Burda, Harri Edwards, Igor Babuschkin, Vedant Misra]
    year: 2022
    month: 1
    venue: ICLR 2022 MATH-AI Workshop
    topics: [grokking]
    keywords: [grokking, algorithmic datasets]
    links:
      paper: https://arxiv.org/abs/2201.02177
    arxiv: "2201.02177"
    digest: |
      Networks trained on small algorithmic datasets generalize long after they overfit.
    added: 2026-11-23
"""

from __future__ import annotations

import ast
import copyreg
import datetime as dt
import functools
import inspect
import itertools
import pickle
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from phenomena_catalog import arxiv_ids

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
"""Record and topic ids: lowercase letters, digits and dashes, starting with a letter or digit."""

ARXIV_NEW = re.compile(r"^\d{4}\.\d{4,5}$")
ARXIV_OLD = re.compile(r"^[a-z][a-z-]*(\.[A-Z]{2})?/\d{7}$")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")

Text = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1), AfterValidator(sys.intern)]
"""A text that many records repeat (an author, keyword, venue or source list): held once in memory
however many records name it (``sys.intern``: at 50,000 records, ~20 MB less)."""
TopicId = Annotated[str, StringConstraints(pattern=ID_PATTERN), AfterValidator(sys.intern)]
"""A topic id in a record's ``topics:`` (held once in memory, as a ``Name``)."""


_HTTP_URL = re.compile(r"^https?://(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d+)?(?:[/?#][^\s\"<>\\`]*)?$")


def _check_http_url(value: str) -> str:
    if _HTTP_URL.match(value):
        return value
    if not value.startswith(("http://", "https://")):
        raise ValueError("a link must start with http:// or https://")
    if any(c.isspace() or c in "\"<>\\`" for c in value):
        raise ValueError("a link must not contain spaces, double quotes or angle brackets; encode them (%20)")
    raise ValueError(f"{value!r} has no valid host name")


def _check_arxiv(value: str) -> str:
    wrong_length = arxiv_ids.number_problem(value) if ARXIV_NEW.match(value) else None
    if wrong_length:
        raise ValueError(f"{value!r}: {wrong_length}; copy the id again from the paper's arXiv page")
    if not (ARXIV_NEW.match(value) or ARXIV_OLD.match(value)):
        raise ValueError(
            f"{value!r} is not an arXiv id; write it like \"2201.02177\" or \"hep-th/9901001\", "
            "without a version or URL"
        )
    return value


_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def _check_doi(value: str) -> str:
    if DOI.match(value):
        return value
    # Say exactly what to write when the DOI is recognisable inside what was pasted.
    bare = _DOI_PREFIX.sub("", value.strip())
    if bare != value and DOI.match(bare):
        raise ValueError(f'write the DOI without the prefix: doi: "{bare}"')
    found = re.search(r"10\.\d{4,9}/\S+", value)
    if found:
        raise ValueError(f'{value!r} is not a DOI; did you mean doi: "{found.group().rstrip(".,;")}"?')
    raise ValueError(
        f"{value!r} is not a DOI; a DOI starts with \"10.\", a registrant number and a slash, "
        "like \"10.1145/3446776\" (leave the field out if the paper has none)"
    )


# The checks above are Python; WithJsonSchema tells editors (through ``schema``) the same rules.
HttpUrl = Annotated[str, AfterValidator(_check_http_url), WithJsonSchema(
    {"type": "string", "format": "uri", "pattern": r"^https?://[^\s/]+\.[^\s]*$"})]
ArxivId = Annotated[str, AfterValidator(_check_arxiv), WithJsonSchema(
    {"type": "string", "pattern": f"{ARXIV_NEW.pattern}|{ARXIV_OLD.pattern}",
     "examples": ["2201.02177", "hep-th/9901001"]})]
Doi = Annotated[str, AfterValidator(_check_doi), WithJsonSchema(
    {"type": "string", "pattern": DOI.pattern, "examples": ["10.1145/3446776"]})]


Kind = Literal["paper", "book", "thesis", "blog-post", "talk", "reading-list"]
"""What a record is. Most are papers; the catalog also keeps the other resources its lists curate."""

KINDS: tuple[str, ...] = get_args(Kind)
"""Every kind, in the order the site lists them."""

KIND_NAMES = {
    "paper": "Paper", "book": "Book", "thesis": "Thesis", "blog-post": "Blog post", "talk": "Talk",
    "reading-list": "Reading list",
}
"""How the site names each kind (the badge on a non-paper's page and list entries)."""


class StrictModel(BaseModel):
    """Base for every record model: unknown fields are errors, values are immutable. Each field's
    docstring is its description (``described``); a model's validator is made when it first
    validates (``defer_build``), so a command makes those of the models it uses only."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def described(*models: type[BaseModel]) -> None:
    """Give each field of ``models`` that has no description the docstring under it, in its class
    or in the base class that declares it, as pydantic's ``use_attribute_docstrings`` does (the same
    text: ``inspect.cleandoc`` of a string right after the annotated name). Each module's source is
    read and parsed once; pydantic reads it again for every class, found by walking the call stack
    (about 10 ms of the start-up of every command that loads a record). Call it before a model
    first validates or writes its JSON Schema (``defer_build``)."""
    for model in models:
        for name, info in model.model_fields.items():
            if info.description is None:
                info.description = next((found for base in model.__mro__
                                         if (found := _docstrings(base.__module__).get((base.__qualname__, name)))),
                                        None)


@functools.cache
def _docstrings(module: str) -> dict[tuple[str, str], str]:
    """The docstring under each annotated name of each class of ``module``, by class and name
    (none when its source cannot be read, as pydantic then finds none either)."""
    file = getattr(sys.modules.get(module), "__file__", None)
    if not module.startswith("phenomena_catalog") or file is None:
        return {}
    try:
        tree = ast.parse(Path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError, SyntaxError):  # (an installation without sources: .pyc files only)
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for statement, following in itertools.pairwise(node.body):
                if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                        and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                        and isinstance(following.value.value, str)):
                    found[node.name, statement.target.id] = inspect.cleandoc(following.value.value)
    return found


class Links(StrictModel):
    """Where to read the paper and its companions. Each is an http(s) URL."""

    paper: HttpUrl | None = None
    """The paper's landing page (an arXiv abs page, a proceedings page, OpenReview)."""
    pdf: HttpUrl | None = None
    """A direct link to the PDF."""
    code: HttpUrl | None = None
    """The official code repository."""
    project: HttpUrl | None = None
    """A project or demo page."""
    video: HttpUrl | None = None
    """A recorded talk."""
    slides: HttpUrl | None = None
    """Slides of a talk."""
    blog: HttpUrl | None = None
    """A blog post explaining the paper."""
    data: HttpUrl | None = None
    """A dataset released with the paper."""

    def items(self) -> list[tuple[str, str]]:
        """The links that are set, as (kind, url) in field order."""
        return [(k, v) for k, v in self.__dict__.items() if v is not None]


class PaperRecord(StrictModel):
    """One paper, as written in ``papers/<id>.yaml``."""

    title: Text
    """The paper's title, as printed on the paper."""
    kind: Kind = "paper"
    """What the record is: paper (the default, left out), book, thesis, blog-post, talk or reading-list."""
    authors: list[Name] = Field(default_factory=list)
    """Authors in the paper's order, one name per item ("Alethea Power"). May be empty when unknown."""
    year: int = Field(ge=1900, le=2100)
    """Year of first publication (the arXiv version counts)."""
    month: int | None = Field(default=None, ge=1, le=12)
    """Month of first publication, 1-12."""
    venue: Name | None = None
    """Where it was published, with the year ("NeurIPS 2021", "ICLR 2022 Workshop"); omit for preprints."""
    topics: list[TopicId] = Field(min_length=1)
    """Topic ids from the taxonomy (``papers/_topics.yaml``); at least one."""
    keywords: list[Name] = Field(default_factory=list)
    """Free keywords; spelling variants are merged through ``papers/_keywords.yaml``."""
    links: Links = Field(default_factory=Links)
    """Links to the paper, its PDF, code and companions."""
    arxiv: ArxivId | None = None
    """The arXiv identifier without version ("2201.02177")."""
    doi: Doi | None = None
    """The DOI without URL prefix ("10.1145/3446776")."""
    digest: str | None = None
    """A short summary in Markdown. Raw HTML is shown as text, never as markup."""
    note: str | None = None
    """A curator's remark that is not a summary ("Best paper at NeurIPS 2021"), in Markdown."""
    added: dt.date
    """The day the paper was added to the catalog (YYYY-MM-DD)."""
    sources: list[Name] = Field(default_factory=list)
    """Lists this record was imported from; kept by the importer, not needed for new papers."""


class Paper(PaperRecord):
    """A loaded record: its content plus where it came from.

    A paper read from the build cache is made whole when first read (``kept_paper``): until then
    it holds its id, path and the few fields that lists of every paper read (``KEPT_FIELDS``), and
    the rest as the bytes of its pickle. Most papers are never read in a rebuild after an edit
    (their pages are not planned), and unpickling 10,000 whole papers took 0.07 s of every rebuild.
    A missing field is read through ``__getattr__``; everything that reads ``__dict__`` directly
    (pydantic's comparison, ``repr``, dumps, copies, pickling) makes the paper whole first.
    """

    id: Slug
    """The file name without ``.yaml``; unique across the catalog."""
    path: str
    """The record's file, as shown in messages (``papers/power2022grokking.yaml``)."""

    if not TYPE_CHECKING:  # (as pydantic's own: type checkers then flag unknown attributes)

        def __getattr__(self, name: str) -> Any:
            if _whole(self):
                return getattr(self, name)
            return super().__getattr__(name)

    def __eq__(self, other: object) -> bool:
        _whole(self)
        if isinstance(other, Paper):
            _whole(other)
        return super().__eq__(other)

    def __hash__(self) -> int:
        _whole(self)
        return super().__hash__()

    def __repr_args__(self) -> Any:
        _whole(self)
        return super().__repr_args__()

    def __iter__(self) -> Any:
        _whole(self)
        return super().__iter__()

    def __getstate__(self) -> dict[Any, Any]:
        _whole(self)
        return super().__getstate__()

    def __copy__(self) -> Paper:
        _whole(self)
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Paper:
        _whole(self)
        return super().__deepcopy__(memo)

    def model_copy(self, *args: Any, **kwargs: Any) -> Paper:
        _whole(self)
        return super().model_copy(*args, **kwargs)

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        _whole(self)
        return super().model_dump(*args, **kwargs)

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        _whole(self)
        return super().model_dump_json(*args, **kwargs)


KEPT_FIELDS = ("id", "path", "year", "added", "kind")
"""The fields a paper read from the build cache holds before it is made whole: its id and path,
and those every paper's is read for when a rebuild plans a list, a feed or a timeline."""

_PICKLED = "\0pickled"
"""Where a paper not yet made whole keeps the bytes of its pickle: a key of its ``__dict__`` that
no field has (whatever reads ``__dict__`` makes the paper whole first)."""
_set = object.__setattr__
_set_fields = BaseModel.__dict__["__dict__"].__set__
"""Sets an object's ``__dict__`` (a function in C: reading 10,000 papers calls no Python code)."""


def _whole(paper: Paper) -> bool:
    """Make ``paper`` whole if it was read from the build cache and is not yet (see ``Paper``);
    whether it was not."""
    fields = paper.__dict__
    kept = fields.get(_PICKLED)
    if kept is None:
        return False
    made, fields_set = pickle.loads(kept)
    fields.clear()  # (then filled in the fields' order, which repr and dumps follow)
    fields.update(made)
    _set(paper, "__pydantic_fields_set__", fields_set)
    _set(paper, "__pydantic_extra__", None)  # (``Paper`` allows no extra fields and has no private attributes)
    _set(paper, "__pydantic_private__", None)
    return True


def kept_paper(paper: Paper) -> tuple[Any, ...]:
    """How the build cache keeps ``paper`` (pickle's ``__reduce__``): read back, a paper made whole
    when first read (see ``Paper``), made by the unpickler alone (``copyreg.__newobj__`` is
    pickle's NEWOBJ; the state is set by ``_set_fields``)."""
    fields = paper.__dict__
    whole = fields.get(_PICKLED)
    if whole is None:
        # (its fields, not the paper: pydantic's __getstate__ and __setstate__ cost a quarter more)
        whole = pickle.dumps((paper.__dict__, paper.__pydantic_fields_set__), protocol=pickle.HIGHEST_PROTOCOL)
    # (out of band: the cache reads it back as a part of its file, untouched until the paper is read)
    kept = {name: fields[name] for name in KEPT_FIELDS}
    kept[_PICKLED] = pickle.PickleBuffer(whole)
    return copyreg.__newobj__, (Paper,), kept, None, None, _set_fields  # type: ignore[attr-defined]


def _kept_setter(setter: Any) -> tuple[Any, ...]:
    """How the build cache keeps ``_set_fields`` (pickle cannot name it): as a call of ``_fields_setter``."""
    if setter is not _set_fields:
        raise pickle.PicklingError(f"cannot pickle {setter!r}")
    return _fields_setter, ()


def _fields_setter() -> Any:
    return _set_fields


KEPT_AS: dict[type, Any] = {Paper: kept_paper, type(_set_fields): _kept_setter}
"""How the build cache's tables keep papers (``cache_store.keep_as``)."""


class Topic(StrictModel):
    """One topic of the taxonomy, as written in ``papers/_topics.yaml``."""

    id: Slug
    """Stable id used by records' ``topics:`` lists and in the topic page's URL."""
    title: Text
    """Display name ("Double descent")."""
    description: str = ""
    """A short description in Markdown, shown on the home and topic pages."""
    parent: Slug | None = None
    """Id of the broader topic this one belongs to, if any."""


class KeywordEntry(StrictModel):
    """A canonical keyword and the spellings that mean the same, from ``papers/_keywords.yaml``."""

    name: Text
    """The canonical spelling shown on the site ("Neural Scaling Laws")."""
    aliases: list[Text] = Field(default_factory=list)
    """Other spellings that are folded into ``name`` ("Neural Scaling Law")."""


described(Links, PaperRecord, Paper, Topic, KeywordEntry)
