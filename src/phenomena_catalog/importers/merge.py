"""Merge stage of an import: imported entries + the existing catalog -> records to write.

Pure: nothing here reads or writes files. The rules, in the order they apply:

- **Matching.** An entry is the same paper as a record (or as an earlier entry of this run) by the
  rule ``validate`` and ``add`` use too (``same_paper.match``): a shared arXiv id or DOI, or an
  equal or near-identical title when no id says otherwise ("Part I" and "Part II" stay apart).
- **New records** take the richer value of every field over all their entries: the longest title,
  author list and digest, the earliest year (an arXiv id's year and month first), the first venue,
  every kind of link, and the union of topics, keywords and sources.
- **Existing records are never overwritten.** A record whose ``sources`` already names the list
  is left alone, so re-running an import changes nothing and hand edits to those fields stay. An
  entry from a list new to the record only fills fields the record lacks, adds link kinds it has
  not got, and adds topics, keywords and the list's name to ``sources``.
- **Topics** come from the headings above an entry through the section map (innermost mapped
  heading wins; a heading mapped to ``[]`` defers to its parent), then from headings that spell a
  topic's id or title, and from keywords that name a topic exactly when the title names it too
  (never a broad topic that has subtopics). A heading that maps to nothing becomes
  a new topic (this is how an import into an empty folder builds its taxonomy) and is reported.
- **Keywords** are folded to their canonical spelling through ``_keywords.yaml``.
- **Ids** follow ``ids.paper_id``, the rule ``add`` and ``new`` use too (``frankle2019lottery``);
  a list's surname hint ("Zhang et al. 2017") stands in for missing authors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from phenomena_catalog import arxiv_ids
from phenomena_catalog.catalog import keyword_canonicalizer
from phenomena_catalog.ids import paper_id, venue_year
from phenomena_catalog.importers.base import ImportedEntry, ParsedList, Skipped
from phenomena_catalog.models import KeywordEntry, PaperRecord, Topic
from phenomena_catalog.same_paper import PaperKeys, match, normalized_title
from phenomena_catalog.urls import slugify


@dataclass(frozen=True)
class EntryOutcome:
    """What became of one imported entry."""

    entry: ImportedEntry
    action: str
    """``created``, ``merged`` (into a record of this run or an existing one), ``unchanged`` or ``skipped``."""
    record_id: str | None = None
    reason: str = ""


@dataclass
class ImportPlan:
    """Everything an import would change, and what became of every entry."""

    records: dict[str, PaperRecord] = field(default_factory=dict)
    """Records to write (new or updated), by id."""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    new_topics: list[Topic] = field(default_factory=list)
    outcomes: list[EntryOutcome] = field(default_factory=list)
    unmapped: dict[str, str] = field(default_factory=dict)
    """Heading path ("A > B") -> what was done with it, for headings the section map lacks."""


@dataclass
class _Group:
    """One paper: an existing record and/or the entries that name it."""

    existing_id: str | None
    entries: list[ImportedEntry] = field(default_factory=list)


class _Topics:
    """Resolves headings and keywords to topic ids, creating topics for unmapped headings."""

    def __init__(self, topics: list[Topic], section_map: dict[str, list[str]], plan: ImportPlan) -> None:
        self.topics = list(topics)
        self.ids = {t.id for t in topics}
        self.by_name = {}
        for topic in topics:
            self.by_name[topic.id] = topic.id
            self.by_name[slugify(topic.title)] = topic.id
        self.section_map = {_heading_key(k): v for k, v in section_map.items()}
        self.parents = {t.parent for t in topics if t.parent}
        self.plan = plan

    def for_sections(self, sections: tuple[str, ...], list_name: str) -> list[str]:
        """Topic ids for an entry filed under ``sections`` (outermost first)."""
        if not sections:
            sections = (list_name,)
        for depth in range(len(sections), 0, -1):
            heading = sections[depth - 1]
            key = _heading_key(heading)
            if key in self.section_map:
                if self.section_map[key]:
                    # The map is the maintainers' word: unmapped sub-headings file under it.
                    self._note_unmapped(sections[depth:], f"filed under {', '.join(self.section_map[key])}")
                    return list(self.section_map[key])
                continue
            if slugify(heading) in self.by_name:
                return [self._create_path(sections, depth, self.by_name[slugify(heading)], list_name)]
        return [self._create_path(sections, 0, None, list_name)] if self._creatable(sections) else []

    def _creatable(self, sections: tuple[str, ...]) -> bool:
        return any(_heading_key(h) not in self.section_map for h in sections)

    def _create_path(self, sections: tuple[str, ...], depth: int, parent: str | None, list_name: str) -> str:
        """Topics for the headings below ``depth`` that have none yet, each under the one above."""
        for inner in range(depth + 1, len(sections) + 1):
            heading = sections[inner - 1]
            if _heading_key(heading) in self.section_map:
                continue  # mapped to [] on purpose: not a topic
            topic_id = self.by_name.get(slugify(heading))
            if topic_id is None:
                topic_id = self._new_topic(heading, parent, list_name)
                self.plan.unmapped[" > ".join(sections[:inner])] = f"new topic '{topic_id}'"
            parent = topic_id
        assert parent is not None
        return parent

    def for_keyword(self, keyword: str, title: str) -> str | None:
        """The topic a keyword names exactly ("Grokking" -> grokking), when the title names it too.

        A list's keywords mention neighbouring phenomena ("Grokking" on a paper about feature
        learning), so a keyword alone files nothing; and a broad topic (one with subtopics, such as
        "Generalization") is never added from a keyword: too generic to say what a paper is about.
        """
        topic_id = self.by_name.get(slugify(keyword))
        if topic_id is None or topic_id in self.parents:
            return None
        words = _words(title)
        names = {_words(keyword), _words(topic_id), *(_words(t.title) for t in self.topics if t.id == topic_id)}
        return topic_id if any(name in words for name in names) else None

    def _note_unmapped(self, inner: tuple[str, ...], what: str) -> None:
        for depth in range(len(inner)):
            if _heading_key(inner[depth]) not in self.section_map:
                self.plan.unmapped.setdefault(inner[depth], what)

    def _new_topic(self, heading: str, parent: str | None, list_name: str) -> str:
        base = slugify(heading)
        topic_id, n = base, 2
        while topic_id in self.ids:
            topic_id, n = f"{base}-{n}", n + 1
        topic = Topic(id=topic_id, title=heading, parent=parent,
                      description=f"Papers listed under “{heading}” in {list_name}.")
        self.topics.append(topic)
        self.ids.add(topic_id)
        self.by_name[slugify(heading)] = topic_id
        self.plan.new_topics.append(topic)
        return topic_id


def _words(text: str) -> str:
    """Lower-case words joined and framed by dashes, so one phrase is found inside another by ``in``."""
    return "-" + "-".join(re.findall(r"[^\W_]+", text.casefold())) + "-"


def _heading_key(heading: str) -> str:
    return re.sub(r"\s+", " ", heading).strip().casefold()


def plan_import(
    lists: Iterable[ParsedList],
    existing: dict[str, PaperRecord],
    topics: list[Topic],
    keywords: list[KeywordEntry],
    section_map: dict[str, list[str]],
    added: dt.date,
) -> ImportPlan:
    """Decide every record to create or update; pure, so it can be tested without files."""
    plan = ImportPlan()
    resolver = _Topics(topics, section_map, plan)
    canonical = keyword_canonicalizer(keywords)
    groups: list[_Group] = []
    index: dict[tuple[str, str], tuple[int, PaperKeys]] = {}
    titles: list[tuple[PaperKeys, int]] = []

    def remember(keys: PaperKeys, group: int) -> None:
        for key in _index_keys(keys):
            index.setdefault(key, (group, keys))
        titles.append((keys, group))

    for record_id, record in existing.items():
        groups.append(_Group(record_id))
        remember(_paper_keys(record.arxiv, record.doi, record.title), len(groups) - 1)
    list_names: dict[str, str] = {}
    for parsed in lists:
        for entry in parsed.entries:
            list_names[entry.source] = parsed.name
            keys = _paper_keys(entry.arxiv, entry.doi, entry.title)
            # The same-paper rule of validate and add (same_paper.match): ids first, then titles,
            # an equal title never overruling different arXiv ids or DOIs.
            found = next((group for key in _index_keys(keys) if key in index
                          for group, other in [index[key]] if match(keys, other)), None)
            if found is None:
                found = next((group for other, group in titles if match(keys, other)), None)
            if found is None:
                groups.append(_Group(None))
                found = len(groups) - 1
            groups[found].entries.append(entry)
            remember(keys, found)
        plan.outcomes += [EntryOutcome(_skip_entry(s), "skipped", reason=s.reason) for s in parsed.skipped]

    taken = set(existing)
    for group in groups:
        if not group.entries:
            continue
        if group.existing_id is not None:
            record = existing[group.existing_id]
            # Only lists new to the record contribute: one imported before may have been edited since.
            fresh = [e for e in group.entries if e.source not in record.sources]
            _update(group, record, fresh, _topics_of(fresh, resolver, canonical), canonical, plan)
        else:
            _create(group, _topics_of(group.entries, resolver, canonical), canonical, added, taken, plan)
    plan.outcomes.sort(key=lambda o: (o.entry.path, o.entry.line))
    return plan


def _skip_entry(skipped: Skipped) -> ImportedEntry:
    return ImportedEntry(title=skipped.text, source="", path=skipped.path, line=skipped.line)


def _paper_keys(arxiv: str | None, doi: str | None, title: str) -> PaperKeys:
    return PaperKeys(arxiv, doi.lower() if doi else None, normalized_title(title))


def _index_keys(keys: PaperKeys) -> list[tuple[str, str]]:
    found = [("arxiv", keys.arxiv)] if keys.arxiv else []
    if keys.doi:
        found.append(("doi", keys.doi))
    return [*found, ("title", keys.title)]


def _topics_of(entries: list[ImportedEntry], resolver: _Topics,
               canonical: Callable[[str], str]) -> list[str]:
    found: list[str] = []
    for entry in entries:
        found += resolver.for_sections(entry.sections, entry.source)
        for keyword in entry.keywords:
            topic = resolver.for_keyword(canonical(keyword), entry.title)
            if topic:
                found.append(topic)
    return list(dict.fromkeys(found))


def _keywords_of(entries: Iterable[ImportedEntry], canonical: Callable[[str], str],
                 start: Iterable[str] = ()) -> list[str]:
    seen: dict[str, str] = {}
    for keyword in [*start, *(canonical(k) for e in entries for k in e.keywords)]:
        seen.setdefault(keyword.casefold(), keyword)
    return list(seen.values())


def _best_year(entries: list[ImportedEntry]) -> tuple[int | None, int | None]:
    dated = [(e.year, e) for e in entries if e.year is not None]
    if not dated:
        return None, None
    # A list may date a paper before its arXiv id (seed 000 dates 2203.08124 by a December 2021
    # preprint); validation holds the year to the arXiv id's, so the importer does too.
    arxiv_years = [date[0] for e in entries if e.arxiv and (date := arxiv_ids.submission_date(e.arxiv))]
    floor = max(arxiv_years, default=None)
    plausible = [(year, e) for year, e in dated if floor is None or year >= floor] or dated
    # The earliest year is the first publication; an entry with an arXiv id knows its month too.
    year, best = min(plausible, key=lambda pair: (pair[0], pair[1].arxiv is None, pair[1].month is None))
    if floor is not None and year < floor:
        return floor, None
    return year, best.month


def _links_of(entries: Iterable[ImportedEntry], start: dict[str, str] | None = None) -> dict[str, str]:
    links = dict(start or {})
    pairs = [pair for e in entries for pair in e.links]
    # An arXiv abstract page is the best landing page; take it before any other "paper" link.
    pairs.sort(key=lambda pair: not pair[1].startswith("https://arxiv.org/abs/"))
    for kind, url in pairs:
        links.setdefault(kind, url)
    return links


def _create(group: _Group, topic_ids: list[str], canonical: Callable[[str], str], added: dt.date,
            taken: set[str], plan: ImportPlan) -> None:
    entries = group.entries
    year, month = _best_year(entries)
    first = entries[0]
    if year is None:
        for entry in entries:
            plan.outcomes.append(EntryOutcome(entry, "skipped", reason=(
                "no year (no arXiv id, venue year, date or year heading); add the paper by hand "
                "with a year, and later imports will merge into it")))
        return
    title = max((e.title for e in entries), key=len)
    authors = max((e.authors for e in entries), key=len)
    venue = next((e.venue for e in entries if e.venue and venue_year(e.venue)), None) or next(
        (e.venue for e in entries if e.venue), None)
    data = {
        "title": title, "authors": list(authors), "year": year, "month": month, "venue": venue,
        "topics": topic_ids, "keywords": _keywords_of(entries, canonical),
        "links": _links_of(entries),
        "arxiv": next((e.arxiv for e in entries if e.arxiv), None),
        "doi": next((e.doi for e in entries if e.doi), None),
        "digest": max((e.digest for e in entries if e.digest), key=len, default=None),
        "note": max((e.note for e in entries if e.note), key=len, default=None),
        "added": added, "sources": list(dict.fromkeys(e.source for e in entries)),
        "kind": next((e.kind for e in entries if e.kind != "paper"), "paper"),
    }
    try:
        record = PaperRecord.model_validate(data)
    except ValidationError as err:
        reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors(include_url=False))
        for entry in entries:
            plan.outcomes.append(EntryOutcome(entry, "skipped", reason=f"cannot make a valid record ({reason})"))
        return
    hint = next((e.author_hint for e in entries if e.author_hint), "")
    record_id = paper_id(record.title, record.authors, record.year, record.venue, author_hint=hint, taken=taken)
    taken.add(record_id)
    plan.records[record_id] = record
    plan.created.append(record_id)
    plan.outcomes.append(EntryOutcome(first, "created", record_id))
    plan.outcomes += [EntryOutcome(e, "merged", record_id) for e in entries[1:]]


def _update(group: _Group, record: PaperRecord, fresh: list[ImportedEntry], topic_ids: list[str],
            canonical: Callable[[str], str], plan: ImportPlan) -> None:
    current = record.model_dump()
    if fresh:
        year, month = _best_year(fresh)
        authors: tuple[str, ...] = max((e.authors for e in fresh), key=len)
        fills: dict[str, object] = {
            "authors": list(authors),
            "month": month if year == record.year else None,
            "venue": next((e.venue for e in fresh if e.venue), None),
            "arxiv": next((e.arxiv for e in fresh if e.arxiv), None),
            "doi": next((e.doi for e in fresh if e.doi), None),
            "digest": max((e.digest for e in fresh if e.digest), key=len, default=None),
            "note": max((e.note for e in fresh if e.note), key=len, default=None),
        }
        for name, value in fills.items():
            if value and not current[name]:
                current[name] = value
        current["links"] = _links_of(fresh, {k: v for k, v in current["links"].items() if v})
        current["topics"] = list(dict.fromkeys([*record.topics, *topic_ids]))
        current["keywords"] = _keywords_of(fresh, canonical, record.keywords)
        current["sources"] = list(dict.fromkeys([*record.sources, *(e.source for e in fresh)]))
    updated = PaperRecord.model_validate(current)
    changed = updated != record
    for entry in group.entries:
        action = "merged" if changed and entry in fresh else "unchanged"
        plan.outcomes.append(EntryOutcome(entry, action, group.existing_id))
    if changed and group.existing_id is not None:
        plan.records[group.existing_id] = updated
        plan.updated.append(group.existing_id)


__all__ = ["EntryOutcome", "ImportPlan", "plan_import"]
