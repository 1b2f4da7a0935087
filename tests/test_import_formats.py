"""Each list format on small inline samples: every variant the seed lists show, and their failures."""

from __future__ import annotations

import textwrap

import pytest

from phenomena_catalog.importers import FORMATS, awesome, dokuwiki, markdown_links, venue_lines
from phenomena_catalog.importers.base import normalize_link, split_authors, venue_from_tag

NESTED = textwrap.dedent("""\
    # My Awesome List

    ## Grokking
    <details>
    <summary>Grokking: 2022</summary>

    - Omnigrok: Grokking Beyond Algorithmic Data. [[paper]](https://arxiv.org/abs/2210.01117v2) [[code]](https://github.com/KindXiaoming/Omnigrok)
      - Ziming Liu, Eric J. Michaud, Max Tegmark. *ICLR 2023*  
      - Key Word: Grokking; Neural Scaling Law.
      - <details><summary>Digest</summary> We aim to understand grokking. </details>

    - A paper without a link.
      - Ada Lovelace.
      - Key Word: Analysis.
      - <details><summary>Digest</summary> The digest never closes.
        It goes on here.

    </details>
    """)  # noqa: W291 (two trailing spaces: a Markdown line break, as real lists write it)

FLATTENED = textwrap.dedent("""\
    # Awesome Deep Phenomena

    ## Neural Collapse

    ### Neural Collapse: 2021

    - On the Role of Neural Collapse in Transfer Learning. [[paper](https://arxiv.org/pdf/2112.15121.pdf)]
    - Tomer Galanti, András György, Marcus Hutter. *ICLR 2022*
    - Key Word: Neural Collapse.
    - Digest We study the ability of foundation models to learn representations.

    - Perturbation Analysis of Neural Collapse. [[paper]](https://arxiv.org/abs/2210.16658)
    - Tom Tirer, Haoxiang Huang, Jonathan Niles-Weed.
    """)


def test_awesome_nested_collapsible_form() -> None:
    parsed = awesome.parse(NESTED, "list.md")
    assert parsed.name == "My Awesome List"
    first, second = parsed.entries
    assert first.title == "Omnigrok: Grokking Beyond Algorithmic Data"
    assert first.authors == ("Ziming Liu", "Eric J. Michaud", "Max Tegmark")
    assert first.venue == "ICLR 2023"
    assert (first.year, first.month, first.arxiv) == (2022, 10, "2210.01117")
    assert first.links == (("paper", "https://arxiv.org/abs/2210.01117"),
                           ("code", "https://github.com/KindXiaoming/Omnigrok"))
    assert first.keywords == ("Grokking", "Neural Scaling Law")
    assert first.digest == "We aim to understand grokking."
    assert first.sections == ("Grokking",)
    assert first.line == 7
    # No link, and a digest that never closes its <details>: both still read.
    assert second.title == "A paper without a link"
    assert second.links == ()
    assert second.year == 2022  # from the year group
    assert second.authors == ("Ada Lovelace",)
    assert second.digest == "The digest never closes. It goes on here."


def test_awesome_flattened_form_and_heading_years() -> None:
    parsed = awesome.parse(FLATTENED, "list.md")
    first, second = parsed.entries
    assert first.title == "On the Role of Neural Collapse in Transfer Learning"
    assert first.links == (("paper", "https://arxiv.org/abs/2112.15121"),)
    assert first.venue == "ICLR 2022"
    assert first.year == 2021  # the arXiv id's year: first publication
    assert first.digest == "We study the ability of foundation models to learn representations."
    assert second.authors == ("Tom Tirer", "Haoxiang Huang", "Jonathan Niles-Weed")
    assert second.venue is None
    assert parsed.headings == [("Neural Collapse",)]


def test_awesome_year_from_heading_when_no_arxiv_id() -> None:
    text = "# L\n\n## Topic\n\n### Topic: 2019\n\n- A Title. [[paper]](https://openreview.net/forum?id=abc)\n- A B.\n"
    (entry,) = awesome.parse(text, "l.md").entries
    assert entry.year == 2019
    assert entry.sections == ("Topic",)


def test_awesome_entry_without_title_is_reported() -> None:
    text = "# L\n\n## Topic\n\n- [[paper]](https://arxiv.org/abs/2101.00001)\n- A B.\n\n-\n"
    parsed = awesome.parse(text, "l.md")
    assert parsed.entries == []
    assert [(s.line, s.reason) for s in parsed.skipped] == [(5, "no title before the links"),
                                                           (8, "an empty list item")]


def test_markdown_links_tags_dates_notes() -> None:
    text = textwrap.dedent("""\
        # Deep learning explained

        - [Theory](#theory)

        ## Theory

        ### Inductive Bias

        - [The Deep Bootstrap Framework](https://arxiv.org/pdf/2010.08127.pdf), Feb. 2021. `iclr2021`
        - [On the Implicit Biases](https://arxiv.org/pdf/2110.04274.pdf), 2021, Yisong Yue's group.
          - *"This paper finds that networks generalise fairly well, gradient
        descent can further improve generalisation."*
        - [A Loss Curvature Perspective](https://openreview.net/forum?id=OcKMT-36vUs), `iclr2022 submit`
        - [Towards a Framework](https://example.org/paper), Nov. 9 2021. `nipst2021` `non-vacuous bound`
        - [An Annotated List of My Favourite Papers](https://www.neelnanda.io/favourite-papers), Oct. 18 2022.
        """)
    parsed = markdown_links.parse(text, "list.md")
    bootstrap, biases, curvature, framework, favourites = parsed.entries
    assert (bootstrap.title, bootstrap.venue, bootstrap.year, bootstrap.month) == (
        "The Deep Bootstrap Framework", "ICLR 2021", 2020, 10)
    assert bootstrap.sections == ("Theory", "Inductive Bias")
    assert biases.digest == ("This paper finds that networks generalise fairly well, gradient descent can "
                             "further improve generalisation.")
    assert biases.note == "Yisong Yue's group"  # a remark about the authors is no summary
    assert (curvature.venue, curvature.year) == (None, 2022)  # a submission is not a venue
    assert (framework.venue, framework.year, framework.month) == ("NeurIPS 2021", 2021, 11)
    assert framework.keywords == ("non-vacuous bound",)
    # A reading list on a blog is kept as a record of its kind, not skipped.
    assert (favourites.kind, favourites.title, favourites.year, favourites.month) == (
        "reading-list", "An Annotated List of My Favourite Papers", 2022, 10)
    assert favourites.links == (("blog", "https://www.neelnanda.io/favourite-papers"),)
    assert (bootstrap.kind, framework.kind) == ("paper", "paper")
    assert parsed.skipped == []


def test_venue_lines_variants() -> None:
    text = textwrap.dedent("""\
        # dynamics list

        # 1. Learning Dynamics of GD and SGD

        - Gradient descent only converges to minimizers. In *COLT 2016*. [[pdf](http://proceedings.mlr.press/v49/lee16.pdf)]
        - Escaping saddle points. In *NeurIPS 2017*/ [[pdf](https://arxiv.org/pdf/1703.00887.pdf)]
        - SGD with Large Step Sizes Learns Sparse Features. In *ICML 2023*. [pdf](https://openreview.net/pdf?id=DnTuz0ziwN)]
        - Dynamics of SGD with Stochastic Polyak Stepsizes. [[pdf](https://openreview.net/pdf?id=lUyAaz-iA4u)]
        """)
    parsed = venue_lines.parse(text, "l.md")
    lee, saddle, steps, polyak = parsed.entries
    assert (lee.title, lee.venue, lee.year) == ("Gradient descent only converges to minimizers", "COLT 2016", 2016)
    assert lee.links == (("pdf", "http://proceedings.mlr.press/v49/lee16.pdf"),)
    assert lee.sections == ("Learning Dynamics of GD and SGD",)
    assert (saddle.venue, saddle.arxiv, saddle.year) == ("NeurIPS 2017", "1703.00887", 2017)
    assert steps.links == (("pdf", "https://openreview.net/pdf?id=DnTuz0ziwN"),)
    assert (polyak.venue, polyak.year) == (None, None)


def test_dokuwiki_stream() -> None:
    text = ("====== Generalization ====== Intro text. ===== Key Papers ===== * **[[https://arxiv.org/pdf/"
            "1611.03530.pdf|Zhang et al 2017 - Understanding deep learning requires rethinking generalization]]** "
            "[[https://github.com/pluskid/fitting-random-labels|Code]] * [[https://arxiv.org/abs/1803.03635|"
            "Frankle & Carbin 2019 - The Lottery Ticket Hypothesis]] After training, only a subset matters "
            "(from [[https://arxiv.org/pdf/2006.07522.pdf|Raj 2020]]) * **Theory Papers** * [[https://www."
            "youtube.com/watch?v=x|2019 - A talk (video)]]\n===== Related ===== * [[ml:Regularization]]")
    parsed = dokuwiki.parse(text, "page.txt")
    assert parsed.name == "Generalization"
    zhang, frankle, talk = parsed.entries
    assert zhang.title == "Understanding deep learning requires rethinking generalization"
    assert (zhang.author_hint, zhang.year, zhang.arxiv) == ("Zhang", 2016, "1611.03530")
    assert zhang.links == (("paper", "https://arxiv.org/abs/1611.03530"),
                           ("code", "https://github.com/pluskid/fitting-random-labels"))
    assert zhang.sections == ("Key Papers",)
    assert frankle.author_hint == "Frankle"
    assert frankle.digest == "After training, only a subset matters (from Raj 2020)"
    assert (talk.kind, talk.title, talk.year, talk.links) == (
        "talk", "A talk", 2019, (("video", "https://www.youtube.com/watch?v=x"),))
    assert [(s.line, s.reason) for s in parsed.skipped] == [(2, "a link to another wiki page, not a paper")]
    assert ("Key Papers", "Theory Papers") in parsed.headings


@pytest.mark.parametrize(("sample", "expected"), [
    (NESTED, "awesome"),
    (FLATTENED, "awesome"),
    ("# L\n\n## A\n\n- [A paper](https://arxiv.org/abs/2101.00001), Jan. 2021.\n", "markdown-links"),
    ("# L\n\n# 1. A\n\n- A paper. In *ICML 2020*. [[pdf](https://x.org/a.pdf)]\n", "venue-lines"),
    ("===== A ===== * [[https://arxiv.org/abs/2101.00001|Ng 2021 - A paper]]", "dokuwiki"),
])
def test_detection_picks_the_right_format(sample: str, expected: str) -> None:
    scores = {name: module.detect(sample) for name, module in FORMATS.items()}
    assert max(scores, key=lambda name: scores[name]) == expected


def test_cleaning_helpers() -> None:
    assert normalize_link("https://arxiv.org/abs/2201.02177v2").url == "https://arxiv.org/abs/2201.02177"
    assert normalize_link("https://arxiv.org/pdf/2201.02177.pdf").arxiv == "2201.02177"
    assert normalize_link("https://arxiv.org/abs/1711.00489#").url == "https://arxiv.org/abs/1711.00489"
    nature = normalize_link("https://www.nature.com/articles/s41586-024-07566-y?utm_source=Twitter#Echobox=1")
    assert nature.url == "https://www.nature.com/articles/s41586-024-07566-y"
    assert nature.doi == "10.1038/s41586-024-07566-y"
    assert normalize_link("https://www.biorxiv.org/content/10.1101/2022.10.12.511910v1").doi == (
        "10.1101/2022.10.12.511910")
    assert split_authors("Author List Ada Lovelace, Alan Turing  ") == ("Ada Lovelace", "Alan Turing")
    assert split_authors("A. One; B. Two; C. Three.") == ("A. One", "B. Two", "C. Three")
    assert venue_from_tag("nips2021") == ("NeurIPS 2021", 2021)
    assert venue_from_tag("sgd") == (None, None)
