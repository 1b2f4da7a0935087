"""The section map: which topics the headings of imported lists stand for.

Kept as data beside the taxonomy, in ``papers/_sections.yaml``, because it belongs to the catalog
(its maintainers decide that a list's "Deep Double Descent" is their ``double-descent``), not to
the importer. Headings match case-insensitively; ``[]`` means "not a topic itself, use the heading
above it"::

    Deep Double Descent: [double-descent]
    Theory-oriented explanations: []
"""

from __future__ import annotations

from pathlib import Path

from phenomena_catalog.errors import Problem, UserError, display_path
from phenomena_catalog.yaml_lines import LineDict, LineList, read_yaml_file

SECTIONS_FILE = "_sections.yaml"


def load_section_map(path: Path, topic_ids: set[str]) -> dict[str, list[str]]:
    """Read a section map; every problem (bad shape, unknown topic) at its line, as one UserError."""
    shown = display_path(path)
    data, problems = read_yaml_file(path, shown)
    if problems:
        raise UserError(problems)
    if data is None:
        return {}
    if not isinstance(data, LineDict):
        raise UserError([Problem(shown, 1, "", "the section map must be 'Heading: [topic-id, ...]' lines")])
    mapping: dict[str, list[str]] = {}
    for heading, value in data.items():
        line = data.lines[heading]
        if isinstance(value, str):
            value = [value]
        if value is None:
            value = []
        if not isinstance(value, (list, LineList)) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(shown, line, str(heading), "expected a list of topic ids, e.g. [grokking]"))
            continue
        for topic in value:
            if topic_ids and topic not in topic_ids:
                problems.append(Problem(shown, line, str(heading),
                                        f"unknown topic '{topic}'; add it to _topics.yaml first"))
        mapping[str(heading)] = list(value)
    if problems:
        raise UserError(problems)
    return mapping
