"""What the fuzz tests draw: the example designs, mutated along their own structure, and the
injection forms of issue 12 placed wherever a design holds text."""

from __future__ import annotations

import copy
import re

import yaml
from hypothesis import strategies as st

from conftest import DESIGNS, EXAMPLES

EXAMPLES_DATA = {name: yaml.safe_load((DESIGNS / f"{name}.yaml").read_text()) for name in EXAMPLES}
HOSTILE = ['x"; DROP TABLE y; --', "Robert'); DROP TABLE students;--", "a b", "ORDER", "order", "user", "🙂", "é"]
LOCATION = re.compile(r"^designs/fz\.yaml:(\d+):(\d+): ")

values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20), st.sampled_from(HOSTILE), st.text(min_size=2000, max_size=3000),
    st.just(""), st.just([]), st.just({}), st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.sampled_from(["type", "ref", "pk", "zzz", "check", "fields"]), st.text(max_size=10), max_size=3),
    st.sampled_from(["hugeint", "enum()", "decimal(99,1)", "string(0)", "array(array(int))", "customer", "order.id"]),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _paths(child, prefix + (i,))


def _parent(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


def mutate(data, draw) -> None:
    paths = [p for p in _paths(data) if p]
    path = draw(st.sampled_from(paths))
    parent = _parent(data, path)
    action = draw(st.sampled_from(["set", "delete", "add_key", "rename_key"]))
    if action == "set":
        parent[path[-1]] = draw(values)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict) and action == "add_key":
        parent[draw(st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=12)))] = draw(values)
    elif isinstance(parent, dict) and action == "rename_key":
        parent[draw(st.sampled_from(HOSTILE + ["zz", "fields", "ref", "x" * 70]))] = parent.pop(path[-1])



CANARY = "canary_fz"
# Text that would run as SQL if any renderer wrote it unquoted: in a string literal, a quoted
# identifier, a comment, a dollar-quoted body, or as a client's line break.
INJECTIONS = [
    f"x'); CREATE TABLE {CANARY} (id int); --",
    f'x"; CREATE TABLE {CANARY} (id int); --',
    f"x`; CREATE TABLE {CANARY} (id int); --",
    f"x]; CREATE TABLE {CANARY} (id int); --",
    f"*/ CREATE TABLE {CANARY} (id int); /*",
    f"x\nCREATE TABLE {CANARY} (id int);\n--",
    f"x\\'); CREATE TABLE {CANARY} (id int); --",
    f"$$; CREATE TABLE {CANARY} (id int); --",
    f"x\0'); CREATE TABLE {CANARY} (id int); --",
]
# The same payload as design SQL, in every literal form of point 1, for checks.
INJECTED_LITERALS = [
    f"E'x\\'); CREATE TABLE {CANARY} (id int); --'",
    f"$$x'); CREATE TABLE {CANARY} (id int); --$$",
    f"$q$x'); CREATE TABLE {CANARY} (id int); --$q$",
    f"N'x''); CREATE TABLE {CANARY} (id int); --'",
    f"U&'x\\0027); CREATE TABLE {CANARY} (id int); --'",
    f"'x''); CREATE TABLE {CANARY} (id int); --'",
    "B'0101'",  # bit and hex strings: located errors (SP506), never another type's value
    "X'1F'",
]


def _text_places(node, prefix=()):
    """Paths of every string value, and of every mapping key (a name), in `node`."""
    if isinstance(node, dict):
        for key, child in node.items():
            yield prefix + (key,), "key"
            yield from _text_places(child, prefix + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _text_places(child, prefix + (i,))
    elif isinstance(node, str):
        yield prefix, "value"


# Where a design holds free text that must reach the outputs as data: the payload's best chance.
FREE_TEXT = ("description", "default", "check", "generated", "where", "assert", "regex", "between")


def inject(data, draw) -> None:
    """Put an injection payload where the design holds text: in free text (a description, a
    default, a check) most often, else in any value or name."""
    places = [p for p in _text_places(data) if p[0]]
    free = [p for p in places if p[1] == "value" and (p[0][-1] in FREE_TEXT or (len(p[0]) > 1 and p[0][-2] == "checks"))]
    if free and draw(st.floats(0, 1)) < 0.7:
        places = free
    path, kind = draw(st.sampled_from(places))
    parent = _parent(data, path)
    if kind == "key":
        parent[draw(st.sampled_from(INJECTIONS))] = parent.pop(path[-1])
    elif path[-1] == "check":  # a field's check, over `value`
        parent[path[-1]] = f"value <> {draw(st.sampled_from(INJECTED_LITERALS))}"
    elif len(path) > 1 and path[-2] == "checks":  # an entity's check, over its columns
        parent[path[-1]] = f"({parent[path[-1]]}) OR {draw(st.sampled_from(INJECTED_LITERALS))} = ''"
    else:
        parent[path[-1]] = draw(st.sampled_from(["", parent[path[-1]]])) + draw(st.sampled_from(INJECTIONS))


def design_text(draw, mutations: tuple[int, int] = (1, 3), injected: float = 0.25, break_yaml: bool = True,
                seed_rows: int | None = None) -> str:
    """An example design, mutated and injected, as YAML text (sometimes broken YAML); with
    `seed_rows`, no entity seeds more rows than that (a whole build stays quick)."""
    name = draw(st.sampled_from(EXAMPLES))
    design_data = copy.deepcopy(EXAMPLES_DATA[name])
    design_data["design"] = "fz"
    if seed_rows is not None:
        rows = design_data["seed"]["rows"]
        design_data["seed"]["rows"] = {entity: min(count, seed_rows) for entity, count in rows.items()}
    for _ in range(draw(st.integers(*mutations))):
        (inject if draw(st.floats(0, 1)) < injected else mutate)(design_data, draw)
    text = yaml.safe_dump(design_data, sort_keys=False, allow_unicode=True)
    if break_yaml and draw(st.booleans()) and text:
        at = draw(st.integers(0, len(text) - 1))
        text = text[:at] + draw(st.sampled_from(["{", "]", ":", "\t", "'", "&a", "*b", "- "])) + text[at:]
    return text
