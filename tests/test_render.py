"""The render stage's Jinja environment and its caches of repeated fragments."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import Environment, StrictUndefined, UndefinedError
from markupsafe import Markup, escape

from phenomena_catalog import markup, render, template_env
from phenomena_catalog.template_env import template_environment

from conftest import HOSTILE, TEMPLATES, build_copy, copy_fixture_catalog, site_files

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


@pytest.mark.parametrize("value", [HOSTILE, "plain", "'\"&<>", "&amp; already", "", "é ✓ \u2028"])
def test_the_python_escaping_kept_for_markupsafe_without_its_c_speedups_escapes_the_same(value: str) -> None:
    assert markup.replaced(value) == markup.escaped_text(value) == str(escape(value))


_LAYOUT = {
    "base.html": "<title>{% block title %}{% endblock %}</title>\n{{ lead }} <b>{{ lead ~ '<' }}</b>\n"
                 "{% block body %}{% endblock %}|{% include 'part.html' %}",
    "part.html": "{% for x in items %}<i>{{ x }}</i>{{ ',' if not loop.last }}{% endfor %}",
    "page.html": "{% extends 'base.html' %}{% from 'macros.html' import pair %}outside{{ lead }}\n"
                 "{% block title %}{{ lead }} &amp; {{ 1 + 2 }}{% endblock %}\n"
                 "{% block body %}<p>{{ pair(lead, items[0]) }}</p>\n{% set n %}{{ lead }}!{% endset %}{{ n }}"
                 "{% if items %} {{ items | length }} {{ items[1] }}{% else %}none{% endif %}{% endblock %}",
    "macros.html": "{% macro pair(a, b) %}<q>{{ a }}</q>{{ b }}{% endmacro %}",
}


def test_runs_of_text_and_values_are_written_as_stock_jinja_writes_them() -> None:
    # Each run of text and {{ ... }} between two tags is one yield of its pieces joined (for speed).
    stock = Environment(loader=jinja2.DictLoader(_LAYOUT), autoescape=True, undefined=StrictUndefined,
                        trim_blocks=True, lstrip_blocks=True)
    ours = template_environment(None)
    ours.loader = jinja2.DictLoader(_LAYOUT)
    for values in ({"lead": HOSTILE, "items": ["<a>", Markup("<b>"), 3]}, {"lead": "", "items": ["", 0]}):
        assert ours.get_template("page.html").render(values) == stock.get_template("page.html").render(values)
    assert "yield ''.join((" in ours.compile(_LAYOUT["base.html"], raw=True)


def test_a_mistake_inside_a_run_of_text_and_values_is_reported_at_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ one }}\n  {{ two }},\n{{ nope }}</p>\n", encoding="utf-8")
    env = template_environment(tmp_path)
    with pytest.raises(UndefinedError) as raised:
        env.get_template("page.html").render(one=1, two=2)
    problem = render.template_problem(raised.value, "page.html", tmp_path).problems[0]
    assert (Path(problem.path).name, problem.line) == ("page.html", 3)


def test_an_undefined_name_still_fails() -> None:
    with pytest.raises(UndefinedError):
        template_environment(None).from_string("{{ missing }}").render()


@pytest.mark.parametrize(("template", "old", "new", "marker"), [
    ("_header.html", "Skip to content", "Skip to the content", "<body>"),
    ("_footer.html", "Source and contributions", "Source and pull requests", "<body>"),
    ("_related_item.html", "related-meta", "related-meta byline", 'class="related-list"'),
    ("_paper_item.html", "paper-meta", "paper-meta byline", 'class="paper-item"'),
])
def test_a_catalogs_own_fragment_template_shows_and_rerenders_the_pages_using_it(
        tmp_path: Path, template: str, old: str, new: str, marker: str) -> None:
    # Header, footer and entries are rendered once and reused across pages; a catalog still overrides
    # their templates like any other, and an incremental build re-renders the pages that use them.
    source = copy_fixture_catalog(tmp_path / "catalog")
    shutil.copytree(TEMPLATES, source / "templates")
    build_copy(source, source / "site")
    fragment = source / "templates" / template
    fragment.write_text(fragment.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    result = build_copy(source, source / "site")

    site = site_files(source / "site")
    showing = {name for name, content in site.items() if new.encode() in content}
    assert showing == {name for name, content in site.items() if marker.encode() in content}
    assert result.incremental and len(showing) <= result.rendered
    if marker != "<body>":
        assert result.rendered < result.pages
    build_copy(source, tmp_path / "reference", use_cache=False)
    assert site == site_files(tmp_path / "reference")


def test_a_template_edited_between_two_builds_of_one_process_is_compiled_afresh(tmp_path: Path) -> None:
    # Compiled templates are kept for the process's next build (serve); an edit must still show.
    templates = tmp_path / "templates"
    templates.mkdir()
    page = templates / "page.html"
    page.write_text("first {{ value }}", encoding="utf-8")
    assert template_environment(templates).get_template("page.html").render(value=1) == "first 1"
    page.write_text("second {{ value }}", encoding="utf-8")
    assert template_environment(templates).get_template("page.html").render(value=2) == "second 2"


def test_the_installed_jinja_compiles_output_through_escape_output() -> None:
    # The fast path rests on a private method of Jinja's code generator; on a Jinja where it no
    # longer fits, templates compile as stock Jinja's. This says when that happens.
    env = template_environment(None)
    assert "else _escape_output(_eo))" in env.compile("{{ value }}", raw=True)


class _Attributes:
    title = "<t>"
    count = 3
    none = None

    @property
    def failing(self) -> str:
        raise AttributeError("computed, and failed")

    def __getitem__(self, key: str) -> str:
        return f"item {key}"


ATTRIBUTES = ("{{ a.title }}|{{ a.count }}|{{ a.none }}|{{ a.failing }}|{{ a.other }}|{{ d.key }}|{{ d.items }}"
              "|{{ n.inner.title | length }}|{% if a.none %}x{% else %}y{% endif %}|{{ a.title.upper() }}"
              "|{{ s.upper }}|{% for k in n.list %}{{ k.title }}{% endfor %}")


def test_attributes_are_read_as_stock_jinja_reads_them() -> None:
    # ``a.b`` compiles to Python's getattr with Jinja's lookup as the fallback (for speed): an
    # attribute first, then an item, then undefined, and a property that fails falls back too.
    stock = Environment(autoescape=True, undefined=StrictUndefined)
    ours = template_environment(None)
    nested = {"inner": _Attributes(), "list": [_Attributes(), _Attributes()]}
    values = {"a": _Attributes(), "d": {"key": "<v>", "items": 1}, "n": nested, "s": "text"}
    assert ours.from_string(ATTRIBUTES).render(values) == stock.from_string(ATTRIBUTES).render(values)
    for source in ("{{ d.nope }}", "{{ d.nope.deeper }}", "{{ missing.title }}"):
        with pytest.raises(UndefinedError):
            ours.from_string(source).render(values)
        with pytest.raises(UndefinedError):
            stock.from_string(source).render(values)


def test_calls_in_templates_pass_the_context_or_environment_to_callables_that_ask_for_them() -> None:
    # The renderer's context calls plain functions, built-ins and macros directly (template_env._Context);
    # callables marked with pass_context / pass_environment, and callable objects, still get theirs.
    @jinja2.pass_context
    def greeting(context: Any, name: str) -> str:
        return f"{context['salutation']} {name}"

    @jinja2.pass_environment
    def undefined_kind(environment: jinja2.Environment) -> str:
        return environment.undefined.__name__

    class Shout:
        @jinja2.pass_context
        def __call__(self, context: Any, text: str) -> str:
            return f"{text.upper()}{context['mark']}"

    def stops() -> str:
        raise StopIteration

    env = template_environment(None)
    source = ('{% macro pair(a, b="2") %}{{ a }}-{{ b }}{{ caller() if caller is defined }}{% endmacro %}'
              '{{ greeting("Ada") }}|{{ plain(3) }}|{{ "x,y".split(",") | join(" ") }}|{{ undefined_kind() }}|'
              '{{ shout("hi") }}|{{ pair(1) }}|{% call pair(b=3, a=4) %}!{% endcall %}|{{ stops() is defined }}')
    rendered = env.from_string(source).render(
        greeting=greeting, plain=lambda n: n * 2, undefined_kind=undefined_kind, shout=Shout(), stops=stops,
        salutation="Hello", mark="?")
    assert rendered == "Hello Ada|6|x y|StrictUndefined|HI?|1-2|4-3!|False"


def test_templates_compiled_in_another_process_are_loaded_not_compiled_again_unless_edited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A build from scratch compiles the templates beside related papers, in another process, and
    # hands their bytecode to the renderer's process (template_env.compiled_templates / reuse_compiled).
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    code = template_env.compiled_templates(templates)
    assert {"paper.html", "base.html", "_paper_item.html"} <= {
        name for name in template_environment(templates).list_templates() if name.endswith(".html")}
    monkeypatch.setattr(template_env, "_COMPILED", template_env._CompiledTemplates())
    template_env.reuse_compiled(code)
    compiled: list[str] = []
    compile_source = Environment.compile

    def counted(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counted)
    (templates / "term.html").write_text((templates / "term.html").read_text(encoding="utf-8") + "{# edited #}",
                                         encoding="utf-8")
    env = template_environment(templates)
    for name in ("paper.html", "base.html", "term.html"):
        env.get_template(name)
    assert compiled == ["term.html"]
