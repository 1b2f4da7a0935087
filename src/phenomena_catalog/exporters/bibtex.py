"""Placeholder until the exporters branch lands: a plain @misc entry per paper."""

from phenomena_catalog.models import Paper


def bibtex_entry(paper: Paper) -> str:
    fields = {"title": "{" + paper.title + "}", "author": " and ".join(paper.authors), "year": str(paper.year)}
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
    return f"@misc{{{paper.id},\n{body}\n}}\n"
