"""phenomena-catalog: a curated catalog of research papers, kept as YAML and published as a static site."""

__version__ = "0.1.0"
