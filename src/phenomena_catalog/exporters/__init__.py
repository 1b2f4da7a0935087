"""Exporters: the catalog written out in other formats (BibTeX, JSON, an awesome-list README)."""
