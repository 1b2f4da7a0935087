"""BibTeX import: a researcher's .bib -> records, LaTeX turned into proper Unicode."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from phenomena_catalog.cli import main
from phenomena_catalog.importers import FORMATS, bibtex, detect_format

BIB = Path(__file__).parent / "fixtures" / "bibtex" / "researcher.bib"

TOPICS = """\
- id: generalization
  title: Generalization
- id: optimal-transport
  title: Optimal transport
"""


@pytest.fixture
def parsed():
    return bibtex.parse(BIB.read_text(encoding="utf-8"), "refs.bib")


def by_line(parsed, line):
    return next(e for e in parsed.entries if e.line == line)


@pytest.mark.parametrize(("latex", "text"), [
    ('G{\\"o}del', "Gödel"),
    ("{BERT}", "BERT"),
    ("Erd\\H{o}s", "Erdős"),
    ("L{\\'e}na{\\\"\\i}c", "Lénaïc"),
    ("\\v{S}kori\\'{c}", "Škorić"),
    ("{\\O}stergaard, Stra{\\ss}e, {\\AA}ngstr\\\"om", "Østergaard, Straße, Ångström"),
    ("{\\em Deep} \\textit{Nets} \\& more", "Deep Nets & more"),
    ("bias--variance --- and 50\\%", "bias–variance — and 50%"),
    ("Sparse $\\ell_1$ recovery", "Sparse ℓ_1 recovery"),
    ("over~two\n   lines", "over two lines"),
])
def test_latex_becomes_unicode(latex, text):
    assert bibtex.latex_to_text(latex) == text


def test_names_keep_their_parts_and_braced_corporate_authors(parsed):
    assert bibtex.person_names(
        'G{\\"o}del, Kurt and van der Maaten, Laurens and King, Jr., Martin L. and {Google Brain Team} '
        "and Cl\\'ement Hongler and others"
    ) == ("Kurt Gödel", "Laurens van der Maaten", "Martin L. King Jr.", "Google Brain Team", "Clément Hongler")


def test_entries_of_a_researchers_bibliography(parsed):
    assert parsed.name == "refs"
    assert [e.line for e in parsed.entries] == [5, 14, 25, 35, 42, 50, 60]
    chizat = by_line(parsed, 14)
    assert chizat.title == ("On the Global Convergence of Gradient Descent for Over-parameterized Models using "
                            "Optimal Transport")
    assert chizat.authors == ("Lénaïc Chizat", "Francis Bach")
    assert chizat.venue == "Advances in Neural Information Processing Systems 2018"  # @string resolved, year added
    assert (chizat.arxiv, chizat.year, chizat.month) == ("1805.09545", 2018, 5)
    assert chizat.links == (("paper", "https://arxiv.org/abs/1805.09545"),)
    assert chizat.keywords == ("mean-field", "Optimal transport")

    bert = by_line(parsed, 25)
    assert bert.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert (bert.year, bert.month, bert.doi, bert.venue) == (
        2019, 6, "10.18653/v1/N19-1423", "Proceedings of NAACL-HLT 2019")

    grokking = by_line(parsed, 35)  # "arXiv preprint arXiv:ID" is an arXiv id, not a venue; the period goes
    assert (grokking.title[-8:], grokking.arxiv, grokking.venue) == ("Datasets", "2201.02177", None)

    ntk = by_line(parsed, 42)  # DBLP's CoRR form: journal = CoRR, volume = abs/ID
    assert (ntk.arxiv, ntk.venue, ntk.authors[-1]) == ("1806.07572", None, "Clément Hongler")

    pnas = by_line(parsed, 50)  # a DOI written as a URL is cleaned
    assert (pnas.doi, pnas.month) == ("10.1073/pnas.1903070116", 8)
    assert pnas.title == "Reconciling modern machine-learning practice and the classical bias–variance trade-off"

    godel = by_line(parsed, 60)
    assert godel.title == "Sparse ℓ_1 Recovery à la Gödel: a Über-Study"
    assert godel.authors == ("Kurt Gödel", "Pál Erdős", "Laurens van der Maaten", "Martin L. King Jr.",
                             "Google Brain Team")
    assert godel.links == (("pdf", "https://example.org/papers/sparse-uber-study.pdf"),)


def test_the_year_is_the_first_publication(parsed):
    zhang = by_line(parsed, 5)  # ICLR 2017, but on arXiv since November 2016
    assert (zhang.year, zhang.month, zhang.venue) == (
        2016, 11, "International Conference on Learning Representations 2017")


def test_what_is_skipped_and_why(parsed):
    assert sorted((s.line, s.reason) for s in parsed.skipped) == [
        (68, "a proceedings volume, not a paper"),
        (73, "not valid BibTeX (check its braces and quotes)"),
        (78, "no title"),
        (83, "the key 'zhang2017understanding' is used by an earlier entry too"),
    ]


def test_bibtex_is_detected_and_registered():
    assert FORMATS["bibtex"] is bibtex
    assert detect_format(BIB.read_text(encoding="utf-8"), "refs.bib")[0] is bibtex
    assert bibtex.detect("# Awesome list\n- [Paper](https://arxiv.org/abs/2201.02177)\n") == 0.0


@pytest.fixture
def catalog(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_topics.yaml").write_text(TOPICS, encoding="utf-8")
    (tmp_path / "refs.bib").write_text(BIB.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "map.yaml").write_text("refs: [generalization]\n", encoding="utf-8")
    return papers


def test_import_a_bib_file_end_to_end(catalog, capsys):
    (catalog / "zhang2017understanding.yaml").write_text(
        "title: Understanding deep learning requires rethinking generalization\n"
        "year: 2017\ntopics: [generalization]\nadded: 2026-01-01\n", encoding="utf-8")
    code = main(["import", "refs.bib", "--topics-map", "map.yaml", "--added", "2026-11-23"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[:6] == [
        'refs.bib (bibtex, "refs"): 11 entries read: 6 new records, 1 merged, 0 unchanged, 4 skipped',
        ("  skipped line 68: a proceedings volume, not a paper: 5th International Conference on Learning "
         "Representations, ICLR 2017"),
        "  skipped line 73: not valid BibTeX (check its braces and quotes): @article{broken2021,",
        "  skipped line 78: no title: @misc{notitle2020}",
        ("  skipped line 83: the key 'zhang2017understanding' is used by an earlier entry too: "
         "@misc{zhang2017understanding,"),
        "Records: 6 created, 1 updated, 0 already there unchanged; written to papers/ "
        + out.splitlines()[5].split("papers/ ")[1],
    ]
    assert sorted(p.name for p in catalog.glob("[!_]*.yaml")) == [
        "belkin2019reconciling.yaml", "chizat2018global.yaml", "devlin2019bert.yaml", "godel2024sparse.yaml",
        "jacot2018neural.yaml", "power2022grokking.yaml", "zhang2017understanding.yaml",
    ]
    chizat = yaml.safe_load((catalog / "chizat2018global.yaml").read_text(encoding="utf-8"))
    assert chizat["authors"] == ["Lénaïc Chizat", "Francis Bach"]
    assert chizat["topics"] == ["generalization", "optimal-transport"]  # the keyword names a topic
    zhang = yaml.safe_load((catalog / "zhang2017understanding.yaml").read_text(encoding="utf-8"))
    assert (zhang["arxiv"], zhang["sources"]) == ("1611.03530", ["refs"])  # merged, not duplicated
    assert main(["validate"]) == 0
    # Importing the same file again changes nothing.
    capsys.readouterr()
    assert main(["import", "refs.bib", "--topics-map", "map.yaml", "--added", "2026-11-23"]) == 0
    assert "0 new records" in capsys.readouterr().out


def test_a_file_with_no_entries(catalog, capsys):
    (catalog.parent / "empty.bib").write_text("% nothing here yet\n@comment{jabref-meta: databaseType:bibtex;}\n")
    assert main(["import", "empty.bib", "--format", "bibtex"]) == 1
    assert capsys.readouterr().err == (
        "empty.bib: no entries found when reading it as a 'bibtex' list\n1 problem found.\n")
