"""The bundled catalog's BibTeX compiles the way a conference paper uses it: pdfLaTeX, BibTeX and
natbib's plainnat, with the url and hyperref packages that NeurIPS and ICML templates load."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from phenomena_catalog.exporters.bibtex import latex_escape

ROOT = Path(__file__).resolve().parent.parent

PAPER = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage[numbers]{natbib}
\usepackage{url}
\usepackage{hyperref}
\begin{document}
Everything in the catalog~\cite{*}.
\bibliographystyle{plainnat}
\bibliography{catalog}
\end{document}
"""


def _latex_tools() -> None:
    if shutil.which("pdflatex") and shutil.which("bibtex"):
        return
    message = "pdflatex and bibtex are not installed (Debian: texlive-latex-base, texlive-latex-recommended)"
    if os.environ.get("CI"):
        pytest.fail(message + "; scripts/test installs them when run as root")
    pytest.skip(message)


def _run(tmp_path: Path, *command: str) -> str:
    # TeX's logs are not UTF-8 (a Latin-1 byte per accented letter).
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, encoding="utf-8", errors="replace",
                          stdin=subprocess.DEVNULL, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}"
    return done.stdout


def test_greek_letters_become_math_for_pdflatex() -> None:
    assert latex_escape("ε-perturbation and μP") == r"{$\varepsilon$}-perturbation and {$\mu$}P"


def test_the_bundled_catalog_compiles_with_pdflatex_bibtex_and_plainnat(tmp_path: Path) -> None:
    _latex_tools()
    exported = subprocess.run([sys.executable, "-m", "phenomena_catalog", "export", "bibtex"], cwd=ROOT,
                              capture_output=True, text=True, check=True)
    entries = len(re.findall(r"^@\w+\{", exported.stdout, re.MULTILINE))
    assert entries > 800
    (tmp_path / "catalog.bib").write_text(exported.stdout, encoding="utf-8")
    (tmp_path / "paper.tex").write_text(PAPER, encoding="utf-8")
    latex = ("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex")
    _run(tmp_path, *latex)
    bibtex_log = _run(tmp_path, "bibtex", "paper")
    assert "error message" not in bibtex_log
    _run(tmp_path, *latex)
    log = _run(tmp_path, *latex)
    assert not re.findall(r"^! .*", log, re.MULTILINE)
    assert "undefined" not in log.replace("\n", "")
    bbl = (tmp_path / "paper.bbl").read_text(encoding="utf-8")
    assert bbl.count(r"\bibitem") == entries
    assert (tmp_path / "paper.pdf").stat().st_size > 0
