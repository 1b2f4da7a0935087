"""Links into the catalog's source repository on GitHub: "edit this record" and "suggest a paper".

Both open GitHub's web editor, which forks the repository for a contributor without write access
and ends in a pull request, so nobody needs git on their machine::

    >>> edit_url("https://github.com/org/catalog", "main", "papers/power2022grokking.yaml")
    'https://github.com/org/catalog/edit/main/papers/power2022grokking.yaml'
    >>> suggest_url("https://github.com/org/catalog", "main", topic="grokking").split("&")[0]
    'https://github.com/org/catalog/new/main/papers?filename=firstauthorYEARword.yaml'

The settings come from ``catalog.yaml`` (``SiteConfig.repository`` and ``SiteConfig.branch``); with
no repository configured every function returns None and the site shows no such link.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

RECORDS_FOLDER = "papers"
"""Where records live in the repository."""

PLACEHOLDER_FILENAME = "firstauthorYEARword.yaml"
"""The suggested file's name. Its capitals are not allowed in an id, so validation fails until the
contributor renames it (``power2022grokking.yaml``) instead of publishing a meaningless id."""

_TEMPLATE = """\
# A new paper for the catalog: fill in the blanks, rename the file (lastname2024firstword.yaml:
# first author's last name, year, first word of the title) and propose the change.
# The record format and an example are in CONTRIBUTING.md. Lines starting with # are ignored.
title: ""
authors: []  # one name per item: [First Author, Second Author]
year:  # year of first publication, e.g. 2022
venue:  # e.g. NeurIPS 2021; leave empty for a preprint
topics: [{topics}]  # topic ids from papers/_topics.yaml
keywords: []  # a few words a reader might look for, e.g. [Keyword, Another Keyword]
links:
  paper:  # e.g. https://arxiv.org/abs/2201.02177
  code:  # the official code, if any
arxiv:  # e.g. "2201.02177" (in quotes, without version)
digest: |
  One or two sentences on what the paper finds.
added:  # today's date, YYYY-MM-DD
"""


def _base(repository: str) -> str:
    """The repository's web address without a trailing slash or ``.git``."""
    return repository.rstrip("/").removesuffix(".git")


def _path(path: str) -> str:
    return quote(path.strip("/"), safe="/")


def suggestion_template(topic: str | None = None) -> str:
    """The commented, blank record a "suggest a paper" link opens with (its topic filled in if given)."""
    return _TEMPLATE.format(topics=topic or "")


def view_url(repository: str | None, branch: str, path: str) -> str | None:
    """The page showing one file of the repository (``.../blob/BRANCH/PATH``)."""
    if not repository:
        return None
    return f"{_base(repository)}/blob/{quote(branch, safe='')}/{_path(path)}"


def edit_url(repository: str | None, branch: str, paper_path: str) -> str | None:
    """GitHub's editor for one record (``.../edit/BRANCH/papers/ID.yaml``).

    ``paper_path`` is the record's path inside the repository, e.g. ``papers/power2022grokking.yaml``.
    """
    if not repository:
        return None
    return f"{_base(repository)}/edit/{quote(branch, safe='')}/{_path(paper_path)}"


def suggest_url(
    repository: str | None,
    branch: str,
    topic: str | None = None,
    folder: str = RECORDS_FOLDER,
    filename: str = PLACEHOLDER_FILENAME,
) -> str | None:
    """GitHub's new-file editor in the records folder, prefilled with a record template.

    ``.../new/BRANCH/papers?filename=firstauthorYEARword.yaml&value=<the template>``; ``topic``
    prefills the record's topics (for a topic page's link).
    """
    if not repository:
        return None
    query = urlencode({"filename": filename, "value": suggestion_template(topic)}, quote_via=quote)
    return f"{_base(repository)}/new/{quote(branch, safe='')}/{_path(folder)}?{query}"
