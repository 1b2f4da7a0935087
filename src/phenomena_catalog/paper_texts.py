"""Each paper's piece of the site's whole-catalog data files, kept from one build to the next.

``papers.json``, ``papers.csl.json`` and every topic's ``.bib`` hold one piece of text per paper: its
JSON object, its CSL-JSON item, its BibTeX entry. Made afresh, they took 0.7 s of CPU time at 10,000
papers, in every build; a ``PaperTexts`` remembers each piece by the digest of the record it was
made from (``Records.digests``: the file's bytes and name), so a rebuild after one edit makes the
edited paper's pieces only and joins the others as they were. A CSL item also holds the paper's
canonical keywords (the vocabulary's spelling), so it is remembered with them and made again when
they differ. The joined text is byte for byte a build from scratch's (``compact_catalog_json``,
``compact_csl_json``).

The build cache keeps one ``PaperTexts`` beside the plan stage's ``TextMemos``; ``serve`` keeps it in
memory. Data files are rendered in forked workers too, whose memory is lost when they exit, so a
worker hands back what it made (``made``) and the build adds it to this process's memo (``add``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from phenomena_catalog.exporters.csl import csl_item_json
from phenomena_catalog.exporters.json import paper_json
from phenomena_catalog.models import Paper

Text = bytes | memoryview
"""A piece of text as this memo holds it: its UTF-8 bytes (a part of the cache's file, when read from it)."""
Made = tuple[dict[str, str], dict[str, str], dict[str, tuple[tuple[str, ...], str]]]
"""Pieces made by one process: JSON objects, BibTeX entries, (keywords, CSL items), by record digest."""


class PaperTexts:
    """Each paper's JSON object, BibTeX entry and CSL-JSON item, by the digest of its record."""

    def __init__(self, remember: bool = True) -> None:
        self._remember = remember
        """False for a build without a cache: every piece is made and none kept."""
        self._json: dict[str, Text] = {}
        self._bibtex: dict[str, Text] = {}
        self._csl: dict[str, tuple[tuple[str, ...], Text]] = {}
        self._digests: Mapping[str, str] = {}
        self._made: Made = ({}, {}, {})
        self._process = os.getpid()

    def use(self, digests: Mapping[str, str]) -> None:
        """Start a build of the records whose digests (by paper id) are ``digests``: a paper not
        among them (or of another digest) is made afresh and not remembered."""
        self._digests = digests if self._remember else {}
        self._made = ({}, {}, {})
        self._process = os.getpid()
        """The process that keeps the pieces: it need not list what it made (``made`` is for forked workers)."""

    def json(self, paper: Paper) -> str:
        """The paper's object in ``papers.json`` (``paper_json``)."""
        return self._piece(self._json, self._made[0], paper, paper_json)

    def bibtex(self, paper: Paper, make: Callable[[Paper], str]) -> str:
        """The paper's BibTeX entry: ``make(paper)`` (``plan.bibtex_of``, which the paper's page shares)."""
        return self._piece(self._bibtex, self._made[1], paper, make)

    def _piece(self, memo: dict[str, Text], made: dict[str, str], paper: Paper, make: Callable[[Paper], str]) -> str:
        """``make(paper)``, remembered in ``memo`` (and ``made``) by the paper's record digest."""
        digest = self._digests.get(paper.id)
        found = memo.get(digest) if digest is not None else None
        if found is None:
            made_here = make(paper)
            if digest is not None:
                memo[digest] = made_here.encode()  # (as the cache keeps it: see ``__getstate__``)
                if os.getpid() != self._process:
                    made[digest] = made_here
            return made_here
        return _text(found)

    def csl(self, paper: Paper, keywords: Sequence[str]) -> str:
        """The paper's item in ``papers.csl.json`` with its canonical ``keywords`` (``csl_item_json``)."""
        digest = self._digests.get(paper.id)
        found = self._csl.get(digest) if digest is not None else None
        if found is None or found[0] != tuple(keywords):
            item = csl_item_json(paper, keywords)
            if digest is not None:
                self._csl[digest] = (tuple(keywords), item.encode())
                if os.getpid() != self._process:
                    self._made[2][digest] = (tuple(keywords), item)
            return item
        return _text(found[1])

    def made(self) -> Made:
        """The pieces this process made since ``use`` (a forked worker returns them)."""
        return self._made

    def add(self, made: Made) -> None:
        """Remember pieces another process made for this build."""
        self._json.update({digest: piece.encode() for digest, piece in made[0].items()})
        self._bibtex.update({digest: piece.encode() for digest, piece in made[1].items()})
        self._csl.update({digest: (keywords, item.encode()) for digest, (keywords, item) in made[2].items()})

    def prune(self) -> None:
        """Forget the pieces of records this build did not have (call it once a build is done)."""
        kept = set(self._digests.values())
        for memo in (self._json, self._bibtex, self._csl):
            for digest in memo.keys() - kept:
                del memo[digest]

    def __len__(self) -> int:
        return len(self._json.keys() | self._bibtex.keys() | self._csl.keys())

    def __getstate__(self) -> dict[str, Any]:
        # What this build made and its records' digests belong to this build only. Each piece is
        # held as its UTF-8 bytes, which the build cache keeps after its pickle and reads back as a
        # part of its file, undecoded until a build asks for that piece (``_text``): an edit whose
        # data files are spliced asks for its own papers' pieces only (decoding every piece of
        # 10,000 papers took 0.03 s of reading the cache).
        return {"json": self._json, "bibtex": self._bibtex, "csl": self._csl}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self._json, self._bibtex, self._csl = state["json"], state["bibtex"], state["csl"]


def _text(piece: Text) -> str:
    return str(piece, "utf-8")
