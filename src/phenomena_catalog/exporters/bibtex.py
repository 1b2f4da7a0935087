"""BibTeX export: one entry per paper, ready to paste into a bibliography.

A record (``papers/power2022grokking.yaml``)::

    title: "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"
    authors: [Alethea Power, Yuri Burda]
    year: 2022
    month: 1
    venue: ICLR 2022 Workshop
    arxiv: "2201.02177"
    links: {paper: https://arxiv.org/abs/2201.02177}

becomes::

    @inproceedings{power2022grokking,
      author = {Alethea Power and Yuri Burda},
      title = {Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets},
      booktitle = {ICLR 2022 Workshop},
      year = {2022},
      month = jan,
      eprint = {2201.02177},
      archivePrefix = {arXiv},
      url = {https://arxiv.org/abs/2201.02177}
    }

The entry type follows the venue: a conference or workshop gives ``@inproceedings`` (``booktitle``),
a journal ``@article`` (``journal``), a preprint or anything else ``@misc`` (``howpublished``).
Words whose capitals a bibliography style must not lower (acronyms such as ``SGD``, mixed case such
as ``LoRA``, ``GPT-2``, names such as ``Bayesian``) are wrapped in braces. LaTeX's special characters
are escaped and Greek letters become math; other Unicode is kept as UTF-8, which pdfLaTeX,
biblatex/biber and bibtex8 read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from phenomena_catalog import arxiv_ids
from phenomena_catalog.models import Paper

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
"""BibTeX's predefined month macros, written unquoted so every style prints the month its own way."""

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# pdfLaTeX, which conference templates use, reads accented Latin letters as UTF-8 but stops at a
# Greek letter ("Unicode character ε not set up"), so Greek letters in titles become math.
_GREEK_NAMES = (
    "alpha", "beta", "gamma", "delta", "varepsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
)
_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ", ("\\" + name for name in _GREEK_NAMES), strict=True))
_LATEX_SPECIALS.update({letter: "{$" + command + "$}" for letter, command in _GREEK.items()})
_SPECIAL = re.compile("[" + re.escape("".join(_LATEX_SPECIALS)) + "]")

# Venues that are journals although their names could read as a conference ("Proceedings of ...").
_JOURNAL_FIRST = re.compile(
    r"\b(pnas|proceedings of the (national academy|ieee|royal society))\b", re.IGNORECASE
)
_CONFERENCE = re.compile(
    r"\b(neurips|nips|icml|iclr|colt|aistats|uai|cvpr|iccv|eccv|wacv|bmvc|aaai|ijcai|acl|emnlp|"
    r"naacl|eacl|coling|kdd|sigir|www|icassp|interspeech|corl|icra|iros|mlsys|stoc|focs|soda|itcs|"
    r"alt|collas|conference|conf|workshops?|symposium|proceedings|meeting)\b",
    re.IGNORECASE,
)
_JOURNAL = re.compile(
    r"\b(journal|transactions|trans|letters|review|reviews|nature|science|jmlr|tmlr|tpami|"
    r"annals|bulletin|quarterly|neural computation|neural networks|neuron|elife|entropy|"
    r"distill|communications)\b",
    re.IGNORECASE,
)
_PREPRINT = re.compile(r"\b(arxiv|biorxiv|medrxiv|preprint|ssrn)\b", re.IGNORECASE)

_PROPER_WORDS = frozenset(
    [
        "Adam",
        "Banach",
        "Bayes",
        "Bayesian",
        "Boltzmann",
        "Carlo",
        "Chervonenkis",
        "English",
        "Euclidean",
        "Fisher",
        "Fourier",
        "Gauss",
        "Gaussian",
        "Hebbian",
        "Hessian",
        "Hilbert",
        "Hopfield",
        "Ising",
        "Jacobian",
        "Kolmogorov",
        "Langevin",
        "Laplace",
        "Laplacian",
        "Lipschitz",
        "Lyapunov",
        "Markov",
        "Monte",
        "Nesterov",
        "Newton",
        "Rademacher",
        "Riemannian",
        "Shannon",
        "Sobolev",
        "Turing",
        "Vapnik",
        "Wasserstein",
    ]
)
"""Capitalized words that are names, not title case: a style must keep them capitalized."""

_LETTER_RUN = re.compile(r"[^\W\d_]+")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped ("R&D 100%" -> "R\\&D 100\\%"); Unicode kept."""
    return _SPECIAL.sub(lambda m: _LATEX_SPECIALS[m.group()], " ".join(text.split()))


def _keeps_capitals(word: str) -> bool:
    """Whether a bibliography style lowering the title's case would garble ``word``."""
    if word.islower() or not any(c.isupper() for c in word):
        return False  # most words of most titles: nothing a style could lower
    runs = _LETTER_RUN.findall(word)
    if any(any(c.isupper() for c in run[1:]) for run in runs):
        return True  # SGD, LoRA, ResNet, ImageNet
    if any(c.isdigit() for c in word) and any(c.isupper() for c in word):
        return True  # GPT-2, L2, 3D
    return any(run in _PROPER_WORDS for run in runs)


def protect_title(title: str) -> str:
    """The title escaped for LaTeX, with braces around every word whose capitals must stay."""
    return " ".join(map(_title_word, title.split()))


# Titles, authors, venues and keywords share their words and names across papers (a few thousand
# distinct ones for 10,000 papers): each is escaped once per process, not once per entry.
_ONCE = functools.lru_cache(maxsize=1 << 16)


@_ONCE
def _title_word(word: str) -> str:
    escaped = latex_escape(word)
    return "{" + escaped + "}" if _keeps_capitals(word) else escaped


@_ONCE
def _author(name: str) -> str:
    # An "and" inside one name (a group such as "Partnership and Trust") would split it in two.
    escaped = latex_escape(name)
    return "{" + escaped + "}" if _AND.search(name) else escaped


@_ONCE
def _escaped_once(text: str) -> str:
    return latex_escape(text)


@_ONCE
def _keyword(keyword: str) -> str:
    # biblatex separates keywords with commas, so a comma inside one keyword becomes a space.
    return latex_escape(keyword.replace(",", " "))


def _verbatim(value: str) -> str:
    # url and doi are verbatim fields: escaping would change them, but their braces must balance.
    return value.replace("{", "%7B").replace("}", "%7D")


def bibtex_key(paper: Paper) -> str:
    """The citation key: the record's id ("power2022grokking"), unique and stable across exports."""
    return paper.id


@_ONCE
def entry_type(venue: str | None) -> str:
    """``inproceedings``, ``article`` or ``misc``, judged from the venue's name."""
    if not venue or _PREPRINT.search(venue):
        return "misc"
    if _JOURNAL_FIRST.search(venue):
        return "article"
    if _CONFERENCE.search(venue):
        return "inproceedings"
    if _JOURNAL.search(venue):
        return "article"
    return "misc"


def bibtex_entry(paper: Paper) -> str:
    """One BibTeX entry for ``paper``, ending in a newline."""
    kind = entry_type(paper.venue)
    fields: list[tuple[str, str]] = []
    if paper.authors:
        fields.append(("author", "{" + " and ".join(_author(a) for a in paper.authors) + "}"))
    fields.append(("title", "{" + protect_title(paper.title) + "}"))
    if paper.venue:
        venue_field = {"inproceedings": "booktitle", "article": "journal"}.get(kind, "howpublished")
        fields.append((venue_field, "{" + _escaped_once(paper.venue) + "}"))
    fields.append(("year", "{" + str(paper.year) + "}"))
    if paper.month:
        fields.append(("month", MONTHS[paper.month - 1]))
    if paper.arxiv:
        fields.append(("eprint", "{" + paper.arxiv + "}"))
        fields.append(("archivePrefix", "{arXiv}"))
    if paper.doi:
        fields.append(("doi", "{" + _verbatim(paper.doi) + "}"))
    url = paper.links.paper or (arxiv_ids.abs_url(paper.arxiv) if paper.arxiv else None)
    if url:
        fields.append(("url", "{" + _verbatim(url) + "}"))
    if paper.keywords:
        fields.append(("keywords", "{" + ", ".join(map(_keyword, paper.keywords)) + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{bibtex_key(paper)},\n{body}\n}}\n"


def bibtex_file(papers: Iterable[Paper]) -> str:
    """A whole ``.bib`` file: the entries in the order given, separated by blank lines."""
    return "\n".join(bibtex_entry(paper) for paper in papers)
