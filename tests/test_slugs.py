"""Slugs: transliterated, length-capped, and a clash of two different names is an error (issue 9)."""

from __future__ import annotations

from phenomena_catalog.urls import MAX_SLUG, slugify

RECORD = """\
title: {title}
authors: ["{author}"]
year: 2022
topics: [grokking]
keywords: ["{keyword}"]
added: {added}
"""


def test_names_in_any_script_are_transliterated() -> None:
    assert slugify("Анастасия Александровна Петрова") == "anastasiya-aleksandrovna-petrova"
    # Cut to 12 code points before, these two shared one page without a word.
    assert slugify("Анастасия Александровна Смирнова") == "anastasiya-aleksandrovna-smirnova"
    assert slugify("Lénaïc Chizat") == slugify("Lenaic Chizat") == "lenaic-chizat"


def test_a_long_name_is_capped_and_stays_unique() -> None:
    paragraph = "We focus on the specific privacy risk of attribute inference attack " * 5
    first, second = slugify(paragraph), slugify(paragraph + "!")
    assert len(first) <= MAX_SLUG and len(second) <= MAX_SLUG
    assert first != second


def test_two_different_names_with_one_slug_are_an_error(write_catalog, run_cli) -> None:
    write_catalog({
        "a": RECORD.format(title="A", author="王伟", keyword="Grokking", added="2026-11-23"),
        "b": RECORD.format(title="B", author="汪伟", keyword="grokking", added="2026-11-24"),
    })
    code, _, err = run_cli("validate")
    assert code == 1
    # "Grokking" and "grokking" are one keyword; the two names are two people with one page.
    assert err == ("papers/b.yaml:2: authors.0: '汪伟' and '王伟' (in papers/a.yaml) are different names with one "
                   "page, authors/wangwei.html; if they are the same, spell them the same way; if not, write this "
                   "one as printed on the paper, in Latin letters\n1 problem found.\n")


def test_spellings_of_one_name_share_a_page_without_complaint(write_catalog, run_cli) -> None:
    write_catalog({
        "a": RECORD.format(title="A", author="Stanisław Jastrzębski", keyword="Neural Collapse", added="2026-11-23"),
        "b": RECORD.format(title="B", author="Stanislaw Jastrzebski", keyword="neural-collapse", added="2026-11-24"),
    })
    assert run_cli("validate")[0] == 0
