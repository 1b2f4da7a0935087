"""arXiv identifiers: recognise them in what people paste, link to them, read their submission month.

The one module for arXiv ids: commands, importers, validation and exporters all use it.

Two schemes exist: ``YYMM.NNNNN`` since April 2007 (four digits until December 2014) and
``archive[.SUBJECT]/YYMMNNN`` before. Versions (``v2``) are dropped: a record names the paper.

    >>> parse("arXiv:2201.02177v2"), parse("https://arxiv.org/pdf/hep-th/9901001v1.pdf")
    ('2201.02177', 'hep-th/9901001')
    >>> find_in_text("arXiv preprint arXiv:1812.11118"), abs_url("2201.02177")
    ('1812.11118', 'https://arxiv.org/abs/2201.02177')
    >>> submission_date("2201.02177"), submission_date("math.GT/0309136")
    ((2022, 1), (2003, 9))
"""

from __future__ import annotations

import re

_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v\d+)?"
_BARE = re.compile(rf"^(?:arxiv:\s*)?{_ID}$", re.IGNORECASE)
_URL = re.compile(
    rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/{_ID}(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
# In free text an id needs a marker ("arXiv:", "arXiv ", ".../abs/"): bare digits may be anything.
_IN_TEXT = re.compile(rf"(?:arxiv[:\s]*|abs/){_ID}", re.IGNORECASE)


def _canonical(found: str) -> str:
    # Archive names are lowercase, subject classes uppercase ("math.GT"), whatever was typed.
    if "/" in found:
        archive, number = found.split("/")
        name, _, subject = archive.partition(".")
        return f"{name.lower()}.{subject.upper()}/{number}" if subject else f"{name.lower()}/{number}"
    return found


def parse(text: str) -> str | None:
    """The versionless arXiv id in an id, ``arXiv:`` id, or abs/pdf URL; None if there is none."""
    text = text.strip()
    match = _BARE.match(text) or _URL.match(text)
    if match is None or submission_date(match["id"]) is None or number_problem(match["id"]):
        return None
    return _canonical(match["id"])


def number_problem(arxiv_id: str) -> str | None:
    """Why a new-style id has the wrong number of digits after the dot, or None.

        >>> number_problem("2310.1724")
        'arXiv ids from 2015 on have five digits after the dot, this one has four'
        >>> number_problem("1412.12345"), number_problem("2310.17244"), number_problem("1412.6980")
        ('arXiv ids before 2015 have four digits after the dot, this one has five', None, None)

    The scheme changed in January 2015 (``1501.00001``); an id with a digit lost in copying still
    looks like an id, and links to another paper or to none.
    """
    if "/" in arxiv_id or "." not in arxiv_id:
        return None
    yymm, number = arxiv_id.split(".", 1)
    number = re.sub(r"v\d+$", "", number)
    if not (yymm.isdigit() and number.isdigit()):
        return None
    words = {3: "three", 4: "four", 5: "five", 6: "six"}
    count = words.get(len(number), str(len(number)))
    if int(yymm) >= 1501 and len(number) != 5:
        return f"arXiv ids from 2015 on have five digits after the dot, this one has {count}"
    if int(yymm) < 1501 and len(number) != 4:
        return f"arXiv ids before 2015 have four digits after the dot, this one has {count}"
    return None


def id_from_url(url: str) -> str | None:
    """The versionless arXiv id of an arxiv.org abs/pdf link; None for any other link."""
    match = _URL.match(url.strip())
    return _canonical(match["id"]) if match else None


def find_in_text(text: str) -> str | None:
    """The first arXiv id marked as one in free text ("arXiv preprint arXiv:2201.02177"), or None."""
    for match in _IN_TEXT.finditer(text):
        if submission_date(match["id"]) is not None:
            return _canonical(match["id"])
    return None


def abs_url(arxiv_id: str) -> str:
    """The canonical link to a paper's arXiv abstract page."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    """The link to a paper's latest PDF on arXiv."""
    return f"https://arxiv.org/pdf/{arxiv_id}"


def submission_date(arxiv_id: str) -> tuple[int, int] | None:
    """The (year, month) an arXiv id was assigned, from its YYMM digits; None if they make no date."""
    digits = arxiv_id.split("/")[-1][:4]
    if not digits.isdigit():
        return None
    yy, month = int(digits[:2]), int(digits[2:4])
    if not 1 <= month <= 12:
        return None
    if "/" in arxiv_id:
        # Old-style ids ran from August 1991 to March 2007.
        return (1900 + yy if yy >= 91 else 2000 + yy), month
    return 2000 + yy, month
