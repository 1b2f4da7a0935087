"""The one record-id rule (``ids.paper_id``) shared by add, new and every import format."""

from __future__ import annotations

import pytest

from phenomena_catalog.ids import family_name, paper_id, title_words, venue_year

GROKKING = "Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets"


@pytest.mark.parametrize(("title", "authors", "year", "venue", "expected"), [
    (GROKKING, ["Alethea Power", "Yuri Burda"], 2022, None, "power2022grokking"),
    # The venue's year wins over a preprint's: the id names the paper as it was published.
    ("The Lottery Ticket Hypothesis", ["Jonathan Frankle"], 2018, "ICLR 2019", "frankle2019lottery"),
    ("The Lottery Ticket Hypothesis", ["Jonathan Frankle"], 2018, "arXiv preprint", "frankle2018lottery"),
    ("Opening the Black Box of Deep Neural Networks", ["Ravid Shwartz-Ziv"], 2017, None, "shwartz-ziv2017opening"),
    ("Über Netze", ["Stéphane d'Ascoli"], 2020, None, "dascoli2020uber"),
    ("Don't Decay the Learning Rate", ["Samuel L. Smith"], 2018, None, "smith2018dont"),
    ("Towards Understanding Grokking", ["Ziming Liu"], 2022, None, "liu2022understanding"),
    ("The Lottery Ticket Hypothesis", ["Frankle, Jonathan"], 2019, None, "frankle2019lottery"),
    ("A Dream", ["Martin Luther King Jr."], 1963, None, "king1963dream"),
    ("On the Role of Noise", [], 2020, None, "role2020noise"),
    ("On the", [], 2020, None, "on2020the"),
    ("!!!", ["Ada Lovelace"], 1843, None, "lovelace1843paper"),
    # Names in any script are transliterated (anyascii), not dropped: Ł is L, 李飞飞 is LiFeiFei.
    ("Deep Learning", ["李飞飞"], 2015, None, "lifeifei2015deep"),
    ("Bayes", ["Grzegorz Głuch"], 2023, None, "gluch2023bayes"),
])
def test_paper_id(title: str, authors: list[str], year: int, venue: str | None, expected: str) -> None:
    assert paper_id(title, authors, year, venue) == expected


def test_author_hint_stands_in_only_for_missing_authors() -> None:
    assert paper_id("On the Role of Noise", [], 2020, author_hint="Shwartz-Ziv") == "shwartz-ziv2020role"
    assert paper_id("On the Role of Noise", ["Yann LeCun"], 2020, author_hint="Zhang") == "lecun2020role"


def test_taken_ids_get_a_number() -> None:
    taken = {"power2022grokking", "power2022grokking-2"}
    assert paper_id(GROKKING, ["Alethea Power"], 2022, taken=taken) == "power2022grokking-3"


def test_parts() -> None:
    assert family_name("Lénaïc Chizat") == "chizat"
    assert family_name("") == ""
    assert title_words("Deep Double Descent: Where Bigger Models — and More Data — Hurt") == [
        "deep", "double", "descent", "where", "bigger", "models", "and", "more", "data", "hurt"]
    assert (venue_year("NeurIPS 2021 spotlight"), venue_year("Nature"), venue_year(None)) == (2021, None, None)
