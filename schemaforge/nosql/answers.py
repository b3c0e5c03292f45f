"""What every NoSQL reader does the same way, whatever the store: the key texts of a request's
parameters (one set per combination of its lists), and what the application still does after
reading (`then`: a check of rows read by their key, a sort the store's order does not give, the
limit). A row here is {field: text or None}, texts in nosql/values.py's forms."""

from __future__ import annotations

import itertools
from typing import Any

from schemaforge.design.types import LogicalType, parse_type
from schemaforge.nosql.values import SCORED_KINDS, score_of, text_of

Row = dict[str, Any]


def logical_type(text: str) -> LogicalType:
    return parse_type(text, {})


def parameter_types(request: dict) -> dict[str, LogicalType]:
    return {p["name"]: logical_type(p["type"]) for p in request["parameters"]}


def key_values(request: dict, parameters: dict[str, Any], types: dict[str, LogicalType]) -> list[dict[str, str]]:
    """The texts of the parameters a key is made of: one dict per combination of the listed
    parameters' values (a single one when the request has no list)."""
    single = {p["name"]: text_of(types[p["name"]], parameters[p["name"]])
              for p in request["parameters"] if p["kind"] == "value" and "note" not in p}
    listed = [p["name"] for p in request["parameters"] if p["kind"] == "list"]
    choices = [[text_of(types[name], v) for v in parameters[name]] for name in listed]
    return [single | dict(zip(listed, combination)) for combination in itertools.product(*choices)]


def fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"{{{name}}}", value)
    return template


def checked_fields(request: dict) -> list[str]:
    """Fields the application reads besides those returned, to check the rows."""
    check = request["then"].get("check", {})
    return [*check.get("equal", {}), *check.get("present", []), *check.get("absent", []), *check.get("match", {})]


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.decode() if isinstance(value, bytes) else str(value)


def passes(row: Row, check: dict, parameters: dict[str, Any], types: dict[str, LogicalType]) -> bool:
    if any(_text(row[f]) != text for f, text in check["equal"].items()):
        return False
    if any(row[f] is None for f in check["present"]) or any(row[f] is not None for f in check["absent"]):
        return False
    for field, name in check["match"].items():
        values = parameters[name] if isinstance(parameters[name], (list, tuple)) else [parameters[name]]
        if _text(row[field]) not in {text_of(types[name], v) for v in values}:
            return False
    return True


def sort_value(value, typ: LogicalType):
    """A field's text as a value to sort by; NULL after every value (the design's order)."""
    text = _text(value)
    if text is None:
        return (1, 0)
    return (0, score_of(typ, text) if typ.kind in SCORED_KINDS else text.encode())


def finish(rows: list[Row], request: dict, parameters: dict[str, Any], types: dict[str, LogicalType]) -> list[Row]:
    """What the application does after reading: `then`'s check, sort and limit; then the fields
    the pattern returns."""
    then = request["then"]
    if "check" in then:
        rows = [row for row in rows if passes(row, then["check"], parameters, types)]
    if "sort" in then:
        for item in reversed(then["sort"]):  # stable sorts, the last key first
            typ = logical_type(item["type"])
            rows.sort(key=lambda row: sort_value(row[item["field"]], typ), reverse=item["desc"])
        rows = rows[: then["limit"]] if then.get("limit") is not None else rows
    return [{f: row[f] for f in request["fields"]} for row in rows]
