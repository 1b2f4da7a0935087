"""Check stage: ``Records`` -> problems beyond one field's type (each file was checked on its own).

Per record: titles with stray spaces or a trailing period, several authors in one list item, a
year before the paper's arXiv submission, an arXiv link that disagrees with the ``arxiv`` field.
Across records: unknown topics, duplicate ids, the same paper in two files (same arXiv id, DOI,
title, or a near-identical title), and a taxonomy whose parents exist and form no cycle.
Pure: records in, problems out; files are never read again (the load stage kept each field's
line). A check from scratch stays near-linear in the number of records (see
``near_duplicate_titles``); after a check that found nothing, the next one (an incremental
build's) looks only at the records that changed (``CleanCheck``).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from phenomena_catalog import arxiv_ids
from phenomena_catalog.errors import Problem
from phenomena_catalog.models import KeywordEntry, Links, Paper, PaperRecord, Topic
from phenomena_catalog.records import Records
from phenomena_catalog.same_paper import (
    NEAR_IDENTICAL,
    PaperKeys,
    ids_differ,
    match,
    normalized_title,
    titles_near_identical,
)
from phenomena_catalog.suggest import closest
from phenomena_catalog.term_clashes import slug_clashes


class PaperFacts(NamedTuple):
    """What the check stage finds in one record on its own: the same for the same file, so an
    incremental build keeps them by the file's content digest and checks only the records that changed."""

    problems: tuple[tuple[str, str, str], ...]
    """``check_paper``'s findings."""
    arxiv: str | None
    """The arXiv id it names (the ``arxiv`` field, or a link's), as duplicates are looked for."""
    doi: str | None
    """The DOI, lowercase."""
    title: str
    """The normalised title (``normalized_title``)."""


def paper_facts(paper: Paper) -> PaperFacts:
    """One record's ``PaperFacts``."""
    return PaperFacts(tuple(check_paper(paper)), paper.arxiv or arxiv_id_from_links(paper),
                      paper.doi.lower() if paper.doi else None, normalized_title(paper.title))


def cross_record_key(paper: Paper, facts: PaperFacts) -> str:
    """A digest of everything the checks across records read of one record (duplicates, names that
    share a page): a changed record with the same key can have no problem with another record."""
    key = (paper.path, paper.added, facts.arxiv, facts.doi, facts.title, paper.arxiv, paper.doi,
           tuple(paper.authors), tuple(paper.keywords), paper.venue)
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


@dataclass(frozen=True)
class CleanCheck:
    """Records a check found nothing wrong with, for the next check to look at what changed only.

    When the taxonomy and vocabulary are the same, no record was added or removed, and every
    changed record kept its ``cross_record_key``, the problems across records are the same as
    then (none), and so are those of the unchanged records: only the changed ones are checked.
    """

    context: str
    """A digest of the taxonomy and the keyword vocabulary (``_context``)."""
    papers: dict[str, tuple[str, str]]
    """Each record's content digest and ``cross_record_key``, by paper id."""


@dataclass
class CheckMemo:
    """What one check leaves for the next (an incremental build's): each record's ``PaperFacts``
    by content digest (``Records.digests``), and the near-identical titles with what they were
    found from. Used and brought up to date by ``check``; the problems are the same without it."""

    papers: dict[str, PaperFacts] = field(default_factory=dict)
    near_titles: tuple[str, tuple[tuple[str, str], ...]] = ("", ())
    """A digest of every (path, title, arXiv id, DOI), and the pairs of paths found from them."""
    clean: CleanCheck | None = None
    """The records of the last check that found nothing wrong (None: no such check yet)."""

    def kept_for(self, records: Records) -> CheckMemo:
        """This memo without the facts of files that are no longer there (forgotten here too: the
        facts are looked at by key only, so that a memo read lazily from the build cache reads
        none but those the check asked for)."""
        digests = set(records.digests.values())
        papers = self.papers
        for gone in papers.keys() - digests:
            del papers[gone]
        return CheckMemo(papers, self.near_titles, self.clean)


def check(records: Records, memo: CheckMemo | None = None) -> list[Problem]:
    """The check stage: every cross-record problem, and every problem one field's type cannot catch.

    ``memo``: what an earlier check found (see ``CheckMemo``), brought up to date here.
    """
    memo = CheckMemo() if memo is None else memo
    context = _context(records)
    changed = _changed_since_clean(records, memo, context)
    if changed is not None:
        papers = [paper for paper in records.papers if paper.id in changed]
        facts = _facts(records, memo.papers, papers)
        keys = {paper.id: cross_record_key(paper, found) for paper, found in zip(papers, facts, strict=True)}
        assert memo.clean is not None
        if all(memo.clean.papers[paper_id][1] == key for paper_id, key in keys.items()):
            problems = _problems_of_each(records, papers, facts)
            if not problems:
                found_clean = dict(memo.clean.papers)
                found_clean.update((paper_id, (records.digests[paper_id], key)) for paper_id, key in keys.items())
                memo.clean = CleanCheck(context, found_clean)
            return problems
    problems = check_topics(records.topics, records.topic_lines, records.topics_path)
    problems += check_keywords(records.keywords, records.keyword_lines, records.keywords_path)
    facts = _facts(records, memo.papers, records.papers)
    problems += _problems_of_each(records, records.papers, facts)
    problems += check_duplicates(records, facts, memo)
    problems += slug_clashes(records)
    if not problems and len(records.digests) == len(records.papers):
        last = memo.clean.papers if memo.clean is not None else {}
        clean: dict[str, tuple[str, str]] = {}
        for paper, paper_facts_ in zip(records.papers, facts, strict=True):
            digest = records.digests[paper.id]
            found = last.get(paper.id)
            clean[paper.id] = found if found is not None and found[0] == digest else (
                digest, cross_record_key(paper, paper_facts_))
        memo.clean = CleanCheck(context, clean)
    return problems


def _context(records: Records) -> str:
    """A digest of what every record is checked against: the taxonomy and the keyword vocabulary."""
    return hashlib.blake2b(repr((records.topics, records.keywords)).encode(), digest_size=16).hexdigest()


def _changed_since_clean(records: Records, memo: CheckMemo, context: str) -> set[str] | None:
    """The ids of the records changed since the last check that found nothing wrong, when only
    records changed (None: check everything)."""
    clean = memo.clean
    if clean is None or clean.context != context or len(clean.papers) != len(records.digests) \
            or len(records.digests) != len(records.papers):
        return None
    last = clean.papers
    changed = set()
    for paper_id, digest in records.digests.items():
        found = last.get(paper_id)
        if found is None:
            return None  # (an added record: as many as removed)
        if found[0] != digest:
            changed.add(paper_id)
    return changed


def _problems_of_each(records: Records, papers: Sequence[Paper], facts: Sequence[PaperFacts]) -> list[Problem]:
    """The problems each of ``papers`` has on its own (with its ``facts``): unknown topics, ``check_paper``'s."""
    topic_ids = [t.id for t in records.topics]
    known_topics = set(topic_ids)
    # A taxonomy file that could not be read is reported once, at its own line: every record's
    # topics would otherwise be "unknown" too (1,100 lines for the bundled catalog, burying it).
    taxonomy_unread = not topic_ids and any(problem.path == records.topics_path for problem in records.problems)
    problems = []
    for paper, paper_found in zip(papers, facts, strict=True):
        found = [(f"topics.{index}", "topics", unknown_topic_message(topic, topic_ids, records.topics_path))
                 for index, topic in enumerate(paper.topics) if topic not in known_topics and not taxonomy_unread]
        found += paper_found.problems
        if found:
            lines = records.lines_of(paper.id)
            problems += [Problem(paper.path, lines.get(key, lines.get(field_name)), field_name, message)
                         for key, field_name, message in found]
    return problems


def _facts(records: Records, known: dict[str, PaperFacts], papers: Iterable[Paper]) -> list[PaperFacts]:
    """The ``PaperFacts`` of each of ``papers`` (of ``records``), from ``known`` where it has them."""
    found = []
    for paper in papers:
        digest = records.digests.get(paper.id)
        facts = known.get(digest) if digest is not None else None
        if facts is None:
            facts = paper_facts(paper)
            if digest is not None:
                known[digest] = facts
        found.append(facts)
    return found


def closest_topic(topic: str, topic_ids: Sequence[str]) -> str | None:
    """The topic id a mistyped one most likely meant ("grokkng" -> "grokking"), or None."""
    return closest(topic, topic_ids)


def unknown_topic_message(topic: str, topic_ids: Sequence[str], topics_path: str) -> str:
    """What to say about a topic id that is not in the taxonomy."""
    close = closest_topic(topic, topic_ids)
    hint = f"; did you mean '{close}'?" if close else f"; add it to {topics_path} first"
    return f"unknown topic '{topic}'{hint}"


def check_paper(paper: Paper) -> list[tuple[str, str, str]]:
    """Mistakes inside one record that its field types cannot catch, as (line key, field, message).

    The line key is the dotted path whose line the problem is reported at ("authors.2").
    """
    problems = [("title", "title", message) for message in title_problems(paper.title)]
    for name in ("title", "venue", "digest", "note"):
        value = getattr(paper, name, None)
        if isinstance(value, str) and is_template_text(value):
            problems.append((name, name, "this is the template's help text, not the paper's; replace it with "
                             f"the paper's {name}, or delete the line"))
    for index, author in enumerate(paper.authors):
        message = author_problem(author)
        if message:
            problems.append((f"authors.{index}", f"authors.{index}", message))
    for name in ("digest", "note"):
        for target in _digest_link_targets(getattr(paper, name) or ""):
            problems.append((name, name,
                             f"a {target.split(':', 1)[0].lower()}: link would not be shown; links in a {name} "
                             "must start with https:// (or http://, mailto:)"))
    if paper.arxiv:
        submitted = arxiv_ids.submission_date(paper.arxiv)
        if submitted is not None and paper.year < submitted[0]:
            year, month = submitted
            problems.append(("year", "year",
                             f"{paper.year} is before the paper appeared on arXiv ({paper.arxiv} is from "
                             f"{_MONTHS[month - 1]} {year}); the year is the first publication's, so write {year}"))
        for kind, url in paper.links.items():
            linked = arxiv_ids.id_from_url(url)
            if linked is not None and linked != paper.arxiv:
                problems.append((f"links.{kind}", f"links.{kind}",
                                 f"this arXiv link is to {linked}, but arxiv says {paper.arxiv}; "
                                 "make them the same paper"))
    return problems


_MARKDOWN_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)|<([A-Za-z][A-Za-z0-9+.-]*:[^>\s]*)>")
_SAFE_SCHEME = re.compile(r"^(?:https?:|mailto:|#|/|\.)|^[^:]*$", re.IGNORECASE)


def _digest_link_targets(digest: str) -> list[str]:
    """Link targets in a digest that the site's Markdown renderer drops (javascript:, data:, ...).

    ``_MARKDOWN_LINK_TARGET.findall``, in a quarter of the time: a match starts at a "](" or a
    "<", so only where ``str.find`` finds one is the pattern tried (the regular expression engine
    tries it at every character of a 700-character digest)."""
    if "](" not in digest and "<" not in digest:
        return []
    targets: list[str] = []
    find, match = digest.find, _MARKDOWN_LINK_TARGET.match
    at = 0
    while True:
        link, angle = find("](", at), find("<", at)
        if link < 0 and angle < 0:
            return targets
        at = angle if link < 0 or 0 <= angle < link else link
        found = match(digest, at)
        if found is None:
            at += 1
            continue
        target = found[1] or found[2]
        if not _SAFE_SCHEME.match(target):
            targets.append(target)
        at = found.end()


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_SPACE_RUN = re.compile(r"\s{2,}|[\t\n\r]")


def title_problems(title: str) -> list[str]:
    """Stray spaces, line breaks or a trailing period in a title."""
    problems = []
    if title != title.strip():
        problems.append("the title starts or ends with spaces; remove them")
    if _SPACE_RUN.search(title.strip()):
        problems.append("the title has a line break or several spaces in a row; use single spaces")
    if title.rstrip().endswith(".") and not title.rstrip().endswith(".."):
        problems.append("remove the period at the end of the title (titles are written without one)")
    return problems


_AUTHOR_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*")


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _template_sentences() -> frozenset[str]:
    """Every sentence of the help text ``new`` writes above each field (the fields' descriptions)."""
    sentences = set()
    for model in (PaperRecord, Links):
        for info in model.model_fields.values():
            description = (info.description or "").replace("``", "")
            sentences.add(_words(description))
            sentences.update(_words(part) for part in re.split(r"(?<=[.;])\s+", description))
    return frozenset(s for s in sentences if len(s) >= 12)


_TEMPLATE_SENTENCES = _template_sentences()
_TEMPLATE_FIRST_WORDS = frozenset(sentence.split(" ", 1)[0] for sentence in _TEMPLATE_SENTENCES)


def is_template_text(value: str) -> bool:
    """Whether a value is the record template's help text left in place of the paper's own."""
    text = value.replace("(required)", "").casefold()
    # Its first word tells most values apart without reading the rest (a digest is 700 characters).
    first = _WORD.search(text)
    if first is None or first.group() not in _TEMPLATE_FIRST_WORDS:
        return False
    return " ".join(_WORD.findall(text)) in _TEMPLATE_SENTENCES


_NAME_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)


def author_problem(author: str) -> str | None:
    """Why one ``authors`` item is not one name written given name first, with the fix; or None.

    "Lovelace, Ada" would get an author page apart from the same person's "Ada Lovelace" papers;
    "Power, A., Burda, Y." is several authors in one item.
    """
    if author.count(",") == 1 and " and " not in author and ";" not in author:
        family, given = (part.strip() for part in author.split(","))
        if family and given and not _NAME_SUFFIX.match(given) and not re.search(r"\d", author):
            return (f"write the name given name first, as printed on the paper: '{given} {family}' "
                    "('Family, Given' gets an author page apart from the same person's other papers)")
    if " and " not in author and author.count(",") < 2 and ";" not in author:
        return None
    names = [n for n in _AUTHOR_SEPARATORS.split(author.strip()) if n]
    if all(" " in name for name in names):
        suggestion = "authors: [" + ", ".join(names) + "]"
    else:
        # "Power, A., Burda, Y.": splitting at commas would tear names apart; show the pattern.
        suggestion = "authors: [Alethea Power, Yuri Burda]"
    return f"this item looks like several authors; write one author per item, e.g. {suggestion}"


def check_topics(topics: list[Topic], lines: Sequence[int | None], path: str) -> list[Problem]:
    """Topic ids are unique, parents exist, and no topic is its own ancestor."""
    problems = []
    by_id: dict[str, Topic] = {}
    for topic, line in zip(topics, lines, strict=True):
        if topic.id in by_id:
            problems.append(Problem(path, line, "id", f"the topic id '{topic.id}' is defined twice"))
        by_id[topic.id] = topic
    for topic, line in zip(topics, lines, strict=True):
        if topic.parent is not None and topic.parent not in by_id:
            problems.append(Problem(path, line, "parent", f"unknown parent topic '{topic.parent}'"))
    for topic, line in zip(topics, lines, strict=True):
        seen, current = {topic.id}, topic.parent
        while current is not None and current in by_id:
            if current in seen:
                problems.append(Problem(path, line, "parent",
                                        f"the parents of topic '{topic.id}' form a loop"))
                break
            seen.add(current)
            current = by_id[current].parent
    return problems


def check_keywords(keywords: list[KeywordEntry], lines: Sequence[int | None], path: str) -> list[Problem]:
    """No spelling in the keyword vocabulary belongs to two canonical keywords."""
    owner: dict[str, str] = {}
    problems = []
    for entry, line in zip(keywords, lines, strict=True):
        for spelling in (entry.name, *entry.aliases):
            key = spelling.casefold()
            if key in owner and owner[key] != entry.name:
                problems.append(Problem(path, line, "aliases",
                                        f"'{spelling}' is already a spelling of '{owner[key]}'"))
            owner.setdefault(key, entry.name)
    return problems


def check_duplicates(records: Records, facts: Sequence[PaperFacts] | None = None,
                     memo: CheckMemo | None = None) -> list[Problem]:
    """The same paper (arXiv id, DOI, title, near-identical title) in two files.

    Ids cannot clash: they are the file names of one flat folder. ``facts``: each paper's
    ``PaperFacts``, when the caller has them; ``memo`` (see ``check``).

    The problem is reported on the record added later (then the later file name): that is the one
    a pull request brought in, and the one its author should look at.
    """
    if facts is None:
        facts = [paper_facts(paper) for paper in records.papers]
    problems = []
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, paper_facts_ in enumerate(facts):
        if paper_facts_.arxiv:
            groups[("arxiv", paper_facts_.arxiv)].append(number)
        if paper_facts_.doi:
            groups[("doi", paper_facts_.doi)].append(number)
        groups[("title", paper_facts_.title)].append(number)
    papers = records.papers
    pairs: list[tuple[str, Paper, Paper]] = []
    for (kind, _), numbers in sorted(item for item in groups.items() if len(item[1]) > 1):
        oldest, *others = sorted(numbers, key=lambda n: _age(papers[n]))
        # Equal titles with different arXiv ids or DOIs are different papers (same_paper.match).
        pairs += [(kind, papers[oldest], papers[other]) for other in others
                  if match(_facts_keys(facts[oldest]), _facts_keys(facts[other]))]
    for twins in _near_duplicates([(f.title, p) for f, p in zip(facts, papers, strict=True)], memo):
        older, newer = sorted(twins, key=_age)
        pairs.append(("near-title", older, newer))
    reported: set[tuple[str, str]] = set()
    for kind, first, other in pairs:
        pair = (first.path, other.path)
        if pair in reported:
            continue
        reported.add(pair)
        lines = records.lines_of(other.id)
        field_name = "title" if kind == "near-title" else kind
        if kind == "arxiv" and not other.arxiv:
            field_name = next((f"links.{k}" for k, url in other.links.items() if arxiv_ids.id_from_url(url)),
                              "links")
        problems.append(Problem(
            other.path, lines.get(field_name), field_name,
            f"the same paper is already in {first.path} ({_KIND_NAMES[kind]}); "
            "keep one record and delete the other",
        ))
    return problems


def _facts_keys(facts: PaperFacts) -> PaperKeys:
    return PaperKeys(facts.arxiv, facts.doi, facts.title)


def _keys(paper: Paper | PaperRecord) -> PaperKeys:
    arxiv = paper.arxiv or (arxiv_id_from_links(paper) if isinstance(paper, Paper) else None)
    return PaperKeys(arxiv, paper.doi, normalized_title(paper.title))


def _age(paper: Paper) -> tuple[str, str]:
    return (paper.added.isoformat(), paper.path)


def arxiv_id_from_links(paper: Paper) -> str | None:
    """The arXiv id a record's links point at, for records that leave ``arxiv`` empty."""
    for _, url in paper.links.items():
        found = arxiv_ids.id_from_url(url)
        if found:
            return found
    return None


_KIND_NAMES = {"arxiv": "same arXiv id", "doi": "same DOI", "title": "same title",
               "near-title": "near-identical title"}

_NEIGHBOURS = 8
"""How many following titles, in each sort order, a title is compared with."""


def near_duplicate_titles(papers: Iterable[Paper]) -> list[tuple[Paper, Paper]]:
    """Pairs of papers with near-identical (not equal) titles, earlier file first.

    Comparing every pair would be quadratic (50 million comparisons at 10,000 records). Instead
    the titles are sorted twice, by their text and by their reversed text, and each title is
    compared with its next ``_NEIGHBOURS`` titles in each order: a typo late in a title keeps it
    next to its twin in the first order, a typo early in it in the second. That is
    O(n log n + 2 * n * _NEIGHBOURS) comparisons, each a C++ similarity with an early cut-off.
    Two records with different arXiv ids are different papers whatever their titles say.
    """
    return _near_duplicates([(normalized_title(p.title), p) for p in papers])


def _near_duplicates(titled: list[tuple[str, Paper]], memo: CheckMemo | None = None) -> list[tuple[Paper, Paper]]:
    """``near_duplicate_titles`` of (normalised title, paper) pairs; from ``memo`` when no path,
    title, arXiv id or DOI changed since it was made (an edit seldom changes one)."""
    keyed = sorted(titled, key=lambda kp: kp[1].path)
    inputs = hashlib.blake2b("\n".join([f"{p.path}\0{t}\0{p.arxiv}\0{p.doi}" for t, p in keyed]).encode(),
                             digest_size=16).hexdigest()
    by_path = {p.path: p for _, p in keyed}
    if memo is not None and memo.near_titles[0] == inputs:
        return [(by_path[a], by_path[b]) for a, b in memo.near_titles[1]]
    import numpy as np  # (imported here: an edit's check seldom looks for near-identical titles)

    found: dict[tuple[str, str], tuple[Paper, Paper]] = {}
    for order in (sorted(keyed, key=lambda kp: kp[0]), sorted(keyed, key=lambda kp: kp[0][::-1])):
        titles = [title for title, _ in order]
        for distance in range(1, _NEIGHBOURS + 1):
            # Every title against the one ``distance`` places on, in one call (C++); the few
            # pairs near the cut-off are then judged one by one by the rule itself.
            similar = _similarities(titles[:-distance], titles[distance:])
            for i in np.flatnonzero(similar >= NEAR_IDENTICAL - _MARGIN).tolist():
                (title, paper), (other_title, other) = order[i], order[i + distance]
                if title == other_title or ids_differ(paper.arxiv, other.arxiv, paper.doi, other.doi):
                    continue
                if titles_near_identical(title, other_title):
                    first, second = sorted((paper, other), key=lambda p: p.path)
                    found[(first.path, second.path)] = (first, second)
    pairs = sorted(found)
    if memo is not None:
        memo.near_titles = (inputs, tuple(pairs))
    return [found[key] for key in pairs]


_MARGIN = 0.01
"""Pairs this far below ``NEAR_IDENTICAL`` in ``_similarities`` are judged by ``titles_near_identical``
too: the batch's scores need not round the same way as the rule's."""


def _similarities(titles: list[str], others: list[str]) -> Any:
    """Each title's Indel similarity with the other title at its place (0 where far below ``NEAR_IDENTICAL``)."""
    import numpy as np
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import cpdist

    return cpdist(titles, others, scorer=Indel.normalized_similarity, score_cutoff=NEAR_IDENTICAL - _MARGIN,
                  dtype=np.float64)


def same_paper(record: PaperRecord, papers: Iterable[Paper]) -> tuple[Paper, str] | None:
    """An existing paper that ``record`` duplicates, and why ("same arXiv id"); None if it is new.

    One pass over the catalog with the rule ``check_duplicates`` and ``import`` use
    (``same_paper.match``): an id match wins over a title match, an exact title over a near one.
    """
    keys = _keys(record)
    found: tuple[Paper, str] | None = None
    rank = {"same arXiv id": 0, "same DOI": 1, "same title": 2, "near-identical title": 3}
    for paper in papers:
        reason = match(keys, _keys(paper))
        if reason and (found is None or rank[reason] < rank[found[1]]):
            found = paper, reason
            if rank[reason] == 0:
                break
    return found
