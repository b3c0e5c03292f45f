"""Structural validation: pydantic checks the shape, this module says it in the user's words."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from schemaforge.findings import Finding
from schemaforge.design.source import Path, SourceMap
from schemaforge.design.syntax import DesignDoc, Shorthand

_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def suggest(word: str, choices) -> str:
    """`; did you mean 'x'?` when a choice is close to `word`, else ''."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string '{value[:40]}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "nothing (null)"


def where(path: Path) -> str:
    """A path as a user reads it: `entities.order.fields.total` -> `field 'order.total'`."""
    if len(path) >= 4 and path[0] == "entities" and path[2] == "fields":
        rest = ".".join(str(p) for p in path[4:])
        return f"field '{path[1]}.{path[3]}'" + (f" ({rest})" if rest else "")
    if len(path) >= 2 and path[0] == "entities":
        rest = ".".join(str(p) for p in path[2:])
        return f"entity '{path[1]}'" + (f" ({rest})" if rest else "")
    return "'" + ".".join(str(p) for p in path) + "'" if path else "the design"


def validate_structure(data: Any, source: SourceMap) -> tuple[DesignDoc | None, list[Finding], list[tuple[Path, bool]]]:
    """The validated document (None on errors), the findings, and the paths that failed in the
    data, each with whether it is only an unknown key (which can be left out on its own)."""
    try:
        return DesignDoc.model_validate(data), [], []
    except ValidationError as error:
        errors = error.errors()
        for e in errors:
            e["path"] = _data_path(e["loc"], data)
        failed = [(e["path"], e["type"] == "extra_forbidden") for e in errors]
        return None, [_finding(e, source) for e in _merge_literal_errors(errors)], failed


def _data_path(loc: tuple, data: Any) -> Path:
    """The part of pydantic's error location that is in the data: the keys and indexes, without
    the names pydantic gives the members of a union (`literal['a','b']`, `str`, `#tag`)."""
    path, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue  # a union member's name, not a key of the file
        path.append(part)
    missing = loc[-1] if loc and isinstance(loc[-1], str) and not loc[-1].startswith("#") else None
    if missing is not None and isinstance(node, dict) and missing not in node and "[" not in missing:
        path.append(missing)  # a missing or unknown key names itself
    return tuple(path)


def _merge_literal_errors(errors: list[dict]) -> list[dict]:
    """One finding per place: a value that fits none of a union's literal sets (`database:` takes
    a target or `polyglot`) lists every allowed value once."""
    merged: dict[Path, dict] = {}
    result = []
    for e in errors:
        if e["type"] != "literal_error":
            result.append(e)
            continue
        if e["path"] in merged:
            first = merged[e["path"]]
            first["ctx"] = {"expected": first["ctx"]["expected"] + ", " + e["ctx"]["expected"]}
            continue
        merged[e["path"]] = e = {**e, "ctx": dict(e["ctx"])}
        result.append(e)
    return result


def _finding(error: dict, source: SourceMap) -> Finding:
    path: Path = error.get("path") or tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("#")))
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        key = path[-1]
        allowed = _allowed_keys(path[:-1])
        listing = f" (allowed: {', '.join(allowed)})" if allowed and not suggest(key, allowed) else ""
        message = f"unknown key '{key}' in {where(path[:-1])}{suggest(key, allowed)}{listing}"
        return Finding(source.key(path), message, "SP101")
    if kind == "missing":
        return Finding(
            source.key(path[:-1]) if path[:-1] else source.value(()),
            f"missing required key '{path[-1]}' in {where(path[:-1])}",
            "SP102",
        )
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        if kind == "model_type" and _is_shorthand(path):
            expected = "a mapping or a string"
        hint = ""
        if path == ("version",) and isinstance(value, (int, float)):
            hint = "; write a semver string such as 1.0.0 (quote it: version: '1.0')"
        return Finding(
            source.value(path), f"{where(path)} must be {expected}, not {describe(value)}{hint}", "SP103"
        )
    if kind == "literal_error":
        options = [o.strip(" '") for o in error["ctx"]["expected"].replace(" or ", ", ").split(",")]
        return Finding(
            source.value(path),
            f"{describe(value)} is not allowed for {where(path)}; use one of {', '.join(options)}"
            f"{suggest(value, options)}",
            "SP104",
        )
    return Finding(source.value(path), f"{where(path)}: {error['msg'][0].lower()}{error['msg'][1:]}", "SP105")


def _model_at(path: Path) -> Any:
    """The annotation that validates the value at `path` (None when it cannot be told)."""
    annotation: Any = DesignDoc
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return _unwrap(annotation)


def _allowed_keys(path: Path) -> list[str]:
    model = _model_at(path)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _is_shorthand(path: Path) -> bool:
    model = _model_at(path)
    return isinstance(model, type) and issubclass(model, Shorthand)


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional; from a union keep the one model or container member."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
        structured = [
            m for m in members
            if typing.get_origin(m) in (list, dict) or (isinstance(m, type) and issubclass(m, BaseModel))
        ]
        return structured[0] if len(structured) == 1 else None
    return annotation


def _step(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is list and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if (info.alias or name) == part:
                return info.annotation
    return None
