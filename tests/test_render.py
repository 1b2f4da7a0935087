"""The render stage's Jinja environment and its caches of repeated fragments."""

from __future__ import annotations

import pytest
from jinja2 import Environment, StrictUndefined, UndefinedError
from markupsafe import Markup

from phenomena_catalog.render import template_environment

from conftest import HOSTILE

OUTPUTS = ("{{ value }}|{{ value ~ '&' }}|{{ [value] | join(',') }}|{% set held %}{{ value }}{% endset %}{{ held }}"
           "|{% autoescape false %}{{ value }}{% endautoescape %}")


class _Html:
    def __html__(self) -> str:
        return "<em>safe</em>"

    def __str__(self) -> str:
        return "<em>unsafe</em>"


@pytest.mark.parametrize("value", [HOSTILE, "plain", "'\"&<>", 2021, None, 1.5, Markup("<b>&amp;</b>"), _Html()])
def test_output_is_escaped_as_stock_jinja_escapes_it(value: object) -> None:
    # The environment writes {{ ... }} through its own escaping function (for speed): same text as Jinja's.
    stock = Environment(autoescape=True, undefined=StrictUndefined)
    ours = template_environment(None)
    assert ours.from_string(OUTPUTS).render(value=value) == stock.from_string(OUTPUTS).render(value=value)


def test_an_undefined_name_still_fails() -> None:
    with pytest.raises(UndefinedError):
        template_environment(None).from_string("{{ missing }}").render()
