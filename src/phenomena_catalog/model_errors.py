"""Pydantic's validation errors in the words of someone who has never seen pydantic.

One ``Problem`` per error, located at the line of the key or list item it concerns (the parsed
data comes from ``yaml_lines``, which remembers lines).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from phenomena_catalog.errors import Problem
from phenomena_catalog.models import ID_PATTERN
from phenomena_catalog.suggest import closest
from phenomena_catalog.urls import slugify
from phenomena_catalog.yaml_lines import LineDict, LineList


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 60 else "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a block of fields"
    if value is None:
        return "nothing"
    return type(value).__name__


def _friendly_message(error: ErrorDetails, model: type[BaseModel], loc_field: str) -> str:
    """Say what is wrong in the words of someone who has never seen pydantic."""
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        known = _known_fields(model, error["loc"][:-1])
        close = closest(str(error["loc"][-1]), known, cutoff=0.6)
        if close:
            return f"unknown field; did you mean '{close}'?"
        return "unknown field; the fields allowed here are: " + ", ".join(known)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {_type_name(value)}"
    if kind == "string_type":
        if loc_field in ("arxiv", "doi") and isinstance(value, (int, float)):
            text = getattr(value, "text", value)
            return f'write it in quotes, {loc_field}: "{text}", or YAML reads it as a number'
        return f"expected text, got {_type_name(value)}"
    if kind == "list_type":
        if loc_field == "authors" and isinstance(value, str):
            return "write one author per item, e.g. authors: [Ada Lovelace, Alan Turing]"
        return f"expected a list (one '- item' per line, or [a, b]), got {_type_name(value)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a block of fields, got {_type_name(value)}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{value!r} is out of range ({_range_text(model, error['loc'])})"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == ID_PATTERN:
        suggestion = slugify(str(value))
        hint = f"; did you mean '{suggestion}'?" if suggestion != value else ""
        return f"{value!r} is not a valid id: use lowercase letters, digits and dashes{hint}"
    if kind == "too_short" and isinstance(value, list):
        return "this list must not be empty"
    if kind == "string_too_short":
        return "must not be empty"
    if kind.startswith("date"):
        return f"expected a date written YYYY-MM-DD, got {_type_name(value)}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def _range_text(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    info = model.model_fields.get(str(loc[0])) if len(loc) == 1 else None
    if info is None:
        return "see the record format"
    bounds = {type(m).__name__: m for m in info.metadata}
    low, high = bounds.get("Ge"), bounds.get("Le")
    return f"{getattr(low, 'ge', '?')} to {getattr(high, 'le', '?')}"


def _known_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    for part in loc:
        info = model.model_fields.get(str(part))
        annotation = getattr(info, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return []
    return [name for name in model.model_fields if name not in ("id", "path")]


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest key or item along ``loc`` that exists in the parsed YAML."""
    line = getattr(data, "line", None)
    for part in loc:
        if isinstance(data, LineDict) and part in data:  # noqa: SIM114 (one branch per container type reads better)
            line = data.lines[part]
            data = data[part]
        elif isinstance(data, LineList) and isinstance(part, int) and 0 <= part < len(data):
            line = data.lines[part]
            data = data[part]
        else:
            break
    return line


def validation_problems(err: ValidationError, model: type[BaseModel], data: Any, path: str) -> list[Problem]:
    """One plain-language problem per pydantic error, each at the line it concerns."""
    problems = []
    for error in err.errors(include_url=False):
        # Drop pydantic's union/type tags (e.g. 'function-after[...]') that are not field names.
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        field_name = ".".join(str(p) for p in loc)
        message = _friendly_message(error, model, str(loc[0]) if loc else "")
        problems.append(Problem(path, _line_of(data, loc), field_name, message))
    return problems

