"""Validate stage: checks that need the whole catalog (each file was already checked on its own).

Unknown topics, duplicate ids, the same paper in two files (same arXiv id, DOI or title), and a
taxonomy whose parents exist and form no cycle. Pure: records in, problems out.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from phenomena_catalog.errors import Problem
from phenomena_catalog.models import KeywordEntry, Paper, Topic
from phenomena_catalog.records import LoadedRecords

_NOT_WORD = re.compile(r"[\W_]+")


def normalized_title(title: str) -> str:
    """A title reduced to lowercase letters and digits, so case, accents and punctuation do not count."""
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode() or title
    return _NOT_WORD.sub(" ", folded.lower()).strip()


def check_catalog(records: LoadedRecords, topics: list[Topic], topic_lines: Sequence[int | None],
                  topics_path: str) -> list[Problem]:
    """Every cross-record problem among the papers and against the taxonomy."""
    problems = check_topics(topics, topic_lines, topics_path)
    topic_ids = [t.id for t in topics]
    known = set(topic_ids)
    for paper in records.papers:
        line = records.lines.get(paper.id, {}).get("topics")
        for topic in paper.topics:
            if topic not in known:
                close = difflib.get_close_matches(topic, topic_ids, n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else f"; add it to {topics_path} first"
                problems.append(Problem(paper.path, line, "topics", f"unknown topic '{topic}'{hint}"))
    problems += check_duplicates(records)
    return problems


def check_topics(topics: list[Topic], lines: Sequence[int | None], path: str) -> list[Problem]:
    """Topic ids are unique, parents exist, and no topic is its own ancestor."""
    problems = []
    by_id: dict[str, Topic] = {}
    for topic, line in zip(topics, lines):
        if topic.id in by_id:
            problems.append(Problem(path, line, "id", f"the topic id '{topic.id}' is defined twice"))
        by_id[topic.id] = topic
    for topic, line in zip(topics, lines):
        if topic.parent is not None and topic.parent not in by_id:
            problems.append(Problem(path, line, "parent", f"unknown parent topic '{topic.parent}'"))
    for topic, line in zip(topics, lines):
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
    for entry, line in zip(keywords, lines):
        for spelling in (entry.name, *entry.aliases):
            key = spelling.casefold()
            if key in owner and owner[key] != entry.name:
                problems.append(Problem(path, line, "aliases",
                                        f"'{spelling}' is already a spelling of '{owner[key]}'"))
            owner.setdefault(key, entry.name)
    return problems


def check_duplicates(records: LoadedRecords) -> list[Problem]:
    """The same id or the same paper (arXiv id, DOI, title) in two files."""
    problems = []
    groups: dict[tuple[str, str], list[Paper]] = defaultdict(list)
    for paper in records.papers:
        groups[("id", paper.id)].append(paper)
        if paper.arxiv:
            groups[("arxiv", paper.arxiv)].append(paper)
        if paper.doi:
            groups[("doi", paper.doi.lower())].append(paper)
        groups[("title", normalized_title(paper.title))].append(paper)
    reported: set[tuple[str, str]] = set()
    for (kind, _), papers in sorted(groups.items()):
        if len(papers) < 2:
            continue
        first = papers[0]
        for other in papers[1:]:
            pair = (first.path, other.path)
            if pair in reported:
                continue
            reported.add(pair)
            if kind == "id":
                message = f"another record has the same file name: {first.path}"
            else:
                message = f"the same paper is already in {first.path} (same {_KIND_NAMES[kind]})"
            line = records.lines.get(other.id, {}).get(kind if kind != "id" else "title")
            problems.append(Problem(other.path, line, "" if kind == "id" else kind, message))
    return problems


_KIND_NAMES = {"arxiv": "arXiv id", "doi": "DOI", "title": "title"}
