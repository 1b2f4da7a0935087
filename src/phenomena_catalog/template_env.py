"""The Jinja environment pages are rendered in, and compiling its templates (``render`` renders with it).

The environment autoescapes everything and fails on any undefined name (``StrictUndefined``); its
templates compile ``{{ ... }}`` to plain-text escaping (``escape_output``). This module imports only
Jinja, markupsafe and the markdown filter, not the pipeline: a build from scratch compiles the site's
templates in a process of its own while it imports the rest
(``compiled_templates``, ``pipeline.compile_beside_imports``).
"""

from __future__ import annotations

import contextlib
import inspect
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.utils
from markupsafe import Markup

from phenomena_catalog.markup import escaped_text as _escaped_text
from phenomena_catalog.markup import render_markdown
from phenomena_catalog.theme import template_loader


def escape_output(value: object) -> str:
    """What ``{{ value }}`` writes in a template: markupsafe's escaping (``escape``), as plain text.

    Jinja's own output wraps each value in a ``Markup`` object only to join them into the page's
    text at once; making those objects was a quarter of the time a page took to render.
    """
    if type(value) is not str:
        if type(value) is Markup:
            return value  # HTML already
        if type(value) is int:
            return str(value)  # digits and a sign: nothing to escape
        if hasattr(value, "__html__"):
            return str(value.__html__())
        value = str(value)
    return _escaped_text(value)


class _OutputCodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles ``{{ ... }}`` in autoescaped templates to ``escape_output`` and ``a.b`` to Python's
    ``getattr`` (Jinja's documented ``code_generator_class`` hook); everything else compiles as usual."""

    def visit_Template(self, node: jinja2.nodes.Template, frame: jinja2.compiler.Frame | None = None) -> None:
        # (module globals of the compiled template: one lookup a value, not an attribute of ``environment``)
        self.writeline("from phenomena_catalog.template_env import escape_output as _escape_output, _escaped_text")
        super().visit_Template(node, frame)

    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: jinja2.compiler.Frame) -> None:
        """``a.b`` as Python's ``getattr(a, "b", missing)``, falling back to ``environment.getattr``
        (item lookup, then undefined) only when there is no such attribute: the same value, without
        a Python call for each of the 50-100 attributes a page reads."""
        if self.environment.is_async or self.environment.sandboxed:
            super().visit_Getattr(node, frame)
            return
        self.write("(_ga if (_ga := getattr((_go := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr(_go, {node.attr!r}))")

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                          finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile:
            if finalize.src is None:
                # A str (most values) is escaped by markupsafe's C function directly; anything else
                # goes through ``escape_output`` (which gives a str the very same text).
                self.write("(_escaped_text(_eo) if type(_eo := ")
                return
            self.write("environment.escape_output(")
            self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame,
                           finalize: Any) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is None:
            self.write(") is str else _escape_output(_eo))")
            return
        super()._output_child_post(node, frame, finalize)

    def visit_Output(self, node: jinja2.nodes.Output, frame: jinja2.compiler.Frame) -> None:
        """A run of text and ``{{ ... }}`` between two tags as one ``yield`` of the pieces joined,
        rather than one ``yield`` a piece: a paper's page passed about 150 pieces up through two or
        three generators (the page's, the one it extends, its blocks'), each a resumption, and a
        list entry about 30. The pieces are evaluated in the same order; only the output of a
        render that fails halfway could differ, and that is never written."""
        if frame.buffer is not None or not frame.eval_ctx.autoescape or frame.eval_ctx.volatile:
            super().visit_Output(node, frame)  # (macros and {% set %} blocks: one list.extend already)
            return
        if frame.require_output_check:  # (as Jinja: nothing outside blocks once a template extends)
            if self.has_known_extends:
                return
            self.writeline("if parent_template is None:")
            self.indent()
        finalize = self._make_finalize()
        body: list[list[str] | jinja2.nodes.Expr] = []
        for child in node.nodes:  # (Jinja's constant folding: text and constants joined at compile time)
            try:
                if not (finalize.const or isinstance(child, jinja2.nodes.TemplateData)):
                    raise jinja2.nodes.Impossible()
                const = self._output_child_to_const(child, frame, finalize)
            except Exception:  # (Impossible, or an error easier to report at render time)
                body.append(child)
                continue
            if body and isinstance(body[-1], list):
                body[-1].append(const)
            else:
                body.append([const])
        joined = len(body) > 1
        if joined:
            self.writeline("yield ''.join((")
        for item in body:
            if isinstance(item, list):
                if joined:
                    self.write(self._output_const_repr(item))
                else:
                    self.writeline("yield " + self._output_const_repr(item))
            else:
                # (on a line of its own: an error in it is reported at its template line)
                if joined:
                    self.newline(item)
                else:
                    self.writeline("yield ", item)
                self._output_child_pre(item, frame, finalize)
                self.visit(item, frame)
                self._output_child_post(item, frame, finalize)
            if joined:
                self.write(", ")
        if joined:
            self.write("))")
        if frame.require_output_check:
            self.outdent()


def _output_hook_fits() -> bool:
    """Whether this Jinja compiles ``{{ ... }}`` through ``_output_child_pre(node, frame, finalize)``
    and the other (private) methods ``_OutputCodeGenerator`` uses, as Jinja 3.1 does. Another Jinja
    gets its stock code generator: slower output, never broken templates."""
    method = getattr(jinja2.compiler.CodeGenerator, "_output_child_pre", None)
    helpers = ("_make_finalize", "_output_child_to_const", "_output_const_repr", "_output_child_post")
    return (method is not None and list(inspect.signature(method).parameters) == ["self", "node", "frame", "finalize"]
            and all(hasattr(jinja2.compiler.CodeGenerator, name) for name in helpers))


class _Context(jinja2.runtime.Context):
    """Jinja's template context (the ``context_class`` hook), with a quicker ``call``."""

    @jinja2.utils.internalcode
    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``Context.call``, which runs every call in a template (``{{ items(papers) }}``), asks each
        callable whether it takes the context or the environment (``pass_context``...) through
        attribute lookups that fail: 1.5 us a call, a quarter of a list page's time. A function
        without that mark (kept in its ``__dict__``), a built-in and a macro take neither: they are
        called here, as Jinja would call them; anything else goes through Jinja's ``call``."""
        kind = type(__obj)
        if (kind is types.FunctionType and "jinja_pass_arg" not in __obj.__dict__) \
                or kind is types.BuiltinFunctionType or kind is jinja2.runtime.Macro:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


class _Environment(jinja2.Environment):
    code_generator_class = _OutputCodeGenerator if _output_hook_fits() else jinja2.compiler.CodeGenerator
    escape_output = staticmethod(escape_output)
    context_class = _Context


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled by this process, kept for its later builds (``serve`` builds again on
    every edit): a template whose file and source are unchanged is not lexed, parsed and compiled
    again, which took 60 ms of every build. Jinja checks each source's checksum before reusing."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # left empty, so compiled afresh, if the source changed

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def of(self, env: jinja2.Environment, templates: Sequence[jinja2.Template]) -> dict[str, bytes]:
        """The compiled code of ``templates`` (of ``env``), by cache key."""
        keys = (self.get_cache_key(template.name or "", template.filename) for template in templates)
        return {key: self._code[key] for key in keys if key in self._code}


_COMPILED = _CompiledTemplates()


def thousands(count: int) -> str:
    """A count as the build's summary and the report write it: "2,356" (the ``thousands`` filter)."""
    return f"{count:,}"


def page_templates(env: jinja2.Environment) -> list[str]:
    """The names of the templates the renderer loads (``.html``), which ``compiled_templates``
    compiles beforehand: one list for both, or one would compile what the other never loads."""
    return env.list_templates(filter_func=lambda name: name.endswith(".html"))


def compiled_templates(templates_dir: Path | None) -> dict[str, bytes]:
    """Every page template of the site compiled, as Jinja bytecode by cache key: made in another
    process (``Executor.start``), then handed to the build's (``reuse_compiled``), whose renderer
    then loads each template instead of compiling it (60 ms). A template that does not compile is
    left out: the renderer reports it.

    Each is compiled as Jinja's loader would (``BaseLoader.load``) but not run: a compiled template
    may import what it renders with (``render``, and with it the whole pipeline), which this process
    need not. So it imports only Jinja and what ``template_environment`` uses."""
    env = template_environment(templates_dir)
    assert env.loader is not None
    code: dict[str, bytes] = {}
    for name in page_templates(env):
        with contextlib.suppress(jinja2.TemplateError):
            source, filename, _ = env.loader.get_source(env, name)
            bucket = _COMPILED.get_bucket(env, name, filename, source)
            if bucket.code is None:
                bucket.code = env.compile(source, name, filename)
                _COMPILED.set_bucket(bucket)
            code[bucket.key] = _COMPILED._code[bucket.key]
    return code


def reuse_compiled(code: Mapping[str, bytes]) -> None:
    """Start from templates another process compiled (``Renderer.compiled``: the build cache keeps
    them), so a build does not lex, parse and compile every template again (0.1 s of a one-record
    edit at 10,000 papers). Jinja still compares each one's source checksum before using it."""
    for key, value in code.items():
        _COMPILED._code.setdefault(key, value)


def template_environment(templates_dir: Path | None) -> jinja2.Environment:
    """The Jinja environment: autoescaped, strict about undefined names, templates compiled once.

    Templates come from the catalog's ``templates_dir`` where it has them, else from the default theme.
    """
    env = _Environment(
        loader=template_loader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=_COMPILED,
    )
    env.filters["markdown"] = render_markdown
    env.filters["thousands"] = thousands
    return env
