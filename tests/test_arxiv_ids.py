"""``arxiv_ids``: the one module that reads arXiv ids from text and links and dates them."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from phenomena_catalog import arxiv_ids
from phenomena_catalog.importers import base


@pytest.mark.parametrize(("text", "expected"), [
    ("arXiv preprint arXiv:1812.11118", "1812.11118"),
    ("CoRR abs/2201.02177v3", "2201.02177"),
    ("arXiv math.gt/0309136", "math.GT/0309136"),
    ("arXiv:1399.00001 then arXiv:2201.02177", "2201.02177"),  # month 99 is no id: the next one is
    ("volume 2201.02177", None),  # bare digits without a marker are not taken for an id
    ("", None),
])
def test_find_in_text(text: str, expected: str | None) -> None:
    assert arxiv_ids.find_in_text(text) == expected


def test_links_and_dates() -> None:
    assert arxiv_ids.abs_url("hep-th/9711200") == "https://arxiv.org/abs/hep-th/9711200"
    assert arxiv_ids.pdf_url("2201.02177") == "https://arxiv.org/pdf/2201.02177"
    assert arxiv_ids.id_from_url("HTTPS://arXiv.org/pdf/2201.02177v2.pdf") == "2201.02177"
    assert arxiv_ids.submission_date("hep-th/9711200") == (1997, 11)
    assert arxiv_ids.submission_date("2213.00001") is None


def test_importers_read_arxiv_links_through_it() -> None:
    link = base.normalize_link("http://export.arxiv.org/abs/Math.GT/0309136v1")
    assert (link.url, link.arxiv) == ("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136")
    assert base.combine_year("hep-th/9711200", 1999) == (1997, 11)


@pytest.mark.parametrize("module", [arxiv_ids, base])
def test_docstring_examples(module: ModuleType) -> None:
    assert doctest.testmod(module).failed == 0
