"""Read a design's YAML while remembering where every key and value stands.

PyYAML's constructors throw positions away, so we compose the node tree ourselves and build the
plain Python data from it, recording a line and column for every path. We read YAML 1.2 scalars
(only `true`/`false` are booleans, no sexagesimal numbers, no implicit timestamps): a key named
`on` or an enum value `yes` stays a string, which is what a schema author means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from schemaforge.findings import Finding as Problem, Location

Path = tuple[str | int, ...]

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_MAX_DEPTH = 64
# Values a design may expand to: aliases that repeat each other ("a billion laughs") would make
# a few lines into billions of values; the largest real designs have tens of thousands.
_MAX_VALUES = 200_000
_INT_DIGITS = 40  # far past any number a design means (int64 has 19 digits)
# Tab, newline and CR are text; a lone surrogate (YAML's "\ud800") cannot be written to any file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class _RememberedTags:
    """PyYAML finds a plain scalar's tag by trying its regexes in Python, for every scalar; a
    design repeats a few hundred values (`string`, `true`, `id`) thousands of times. Without
    path resolvers (we add none) the tag depends on the value alone."""

    def __init__(self, stream):
        super().__init__(stream)
        self._tags: dict[str, str] = {}

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tag = self._tags.get(value)
        if tag is None:
            tag = self._tags[value] = super().resolve(kind, value, implicit)
        return tag


class _Yaml12Loader(_RememberedTags, yaml.SafeLoader):
    """SafeLoader whose implicit scalar types follow the YAML 1.2 core schema."""


# libyaml's parser, where PyYAML has it: ten times the speed on a design of hundreds of tables.
# Its marks carry no buffer; _FileText finds a mark's offset from its line and column instead.
_Yaml12CLoader = type("_Yaml12CLoader", (_RememberedTags, yaml.CSafeLoader), {}) if yaml.__with_libyaml__ else None


for _loader in filter(None, (_Yaml12Loader, _Yaml12CLoader)):
    _loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _TIMESTAMP)]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    _loader.add_implicit_resolver(
        _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789"))
    _loader.add_implicit_resolver(
        _FLOAT,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )


def _compose(text: str) -> yaml.Node | None:
    """The YAML's node tree, from libyaml; from the pure-Python reader where the text has a
    control character or a lone surrogate, or libyaml finds an error, so that the problem is
    named and located as that reader does."""
    if _Yaml12CLoader is None or _CONTROL.search(text):
        return yaml.compose(text, Loader=_Yaml12Loader)
    try:
        return yaml.compose(text, Loader=_Yaml12CLoader)
    except yaml.YAMLError:  # said, and located, in the pure-Python reader's words
        return yaml.compose(text, Loader=_Yaml12Loader)


class _FileText:
    """The design's text, read back where a mark points (block scalars, rejoined flow values).
    Offsets come from a mark's line and column (characters on both readers), because libyaml's
    marks hold no buffer and count their index in bytes."""

    def __init__(self, text: str):
        self.text = text
        self._line_starts: list[int] | None = None

    def offset(self, mark: yaml.Mark) -> int:
        if self._line_starts is None:  # only designs with block scalars or split flow values
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        starts = self._line_starts
        return starts[mark.line] + mark.column if mark.line < len(starts) else len(self.text)


@dataclass(frozen=True)
class ScalarText:
    """How a scalar was written, so an offset inside it maps back to the file."""

    line: int  # 1-based line of the scalar's first character (or of `|` for a block)
    column: int  # 1-based
    style: str | None  # None plain, "'" or '"' quoted, "|" or ">" block
    indent: int  # block scalars: column (1-based) where content lines start


@dataclass
class SourceMap:
    """Where each path of the design stands in its file."""

    file: str
    keys: dict[Path, Location] = field(default_factory=dict)
    values: dict[Path, Location] = field(default_factory=dict)
    scalars: dict[Path, ScalarText] = field(default_factory=dict)
    # Info findings about how the file is written (SP006: a flow value split at its commas).
    notes: list[Problem] = field(default_factory=list)

    def key(self, path: Path) -> Location:
        """The key that names `path`, or the nearest enclosing place that exists."""
        return self._nearest(path, prefer_key=True)

    def value(self, path: Path) -> Location:
        """The value at `path`, or the nearest enclosing place that exists."""
        return self._nearest(path, prefer_key=False)

    def _nearest(self, path: Path, prefer_key: bool) -> Location:
        probe = tuple(path)
        while probe:
            first, second = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            if probe in first:
                return first[probe]
            if probe in second:
                return second[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def inside(self, path: Path, line: int, column: int) -> Location:
        """The file location of (line, column), both 1-based, within the scalar at `path`."""
        text = self.scalars.get(tuple(path))
        if text is None:
            return self.value(path)
        if text.style in ("|", ">"):
            return Location(self.file, text.line + line, text.indent + column - 1)
        if line == 1:
            quote = 1 if text.style in ("'", '"') else 0
            return Location(self.file, text.line, text.column + quote + column - 1)
        return Location(self.file, text.line + line - 1, column)


class SourceError(Exception):
    """The file is not YAML we can read; carries located problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse `text` into plain data plus a SourceMap; raise SourceError with located problems."""
    source = SourceMap(file)
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        what = error.problem or str(error)
        raise SourceError([Problem(where, f"YAML syntax error: {what}", "SP001")]) from None
    except yaml.YAMLError as error:  # e.g. a stream of several documents
        raise SourceError([Problem(Location(file, 1, 1), f"YAML error: {error}", "SP001")]) from None
    if root is None:
        raise SourceError([Problem(Location(file, 1, 1), "the design file is empty", "SP002")])
    builder = _Builder(source, _FileText(text))
    data = builder.build(root, ())
    source.notes += imported_notes(text, file)
    if builder.problems:
        raise SourceError(builder.problems)
    return data, source


# What `schemaforge import` could not hold, said where it came from: `# IM101 trigger ...`.
IMPORT_NOTE = re.compile(r"^(\s*)# (IM\d{3}) (.+)$")


def imported_notes(text: str, file: str) -> list[Problem]:
    """A warning per IM comment that `schemaforge import` wrote, at its line, until it is removed."""
    return [Problem(Location(file, number, len(match.group(1)) + 1), match.group(3), match.group(2), "warning",
                    fix="hold it another way (a rule, the application), then delete the comment")
            for number, line in enumerate(text.splitlines(), 1) if (match := IMPORT_NOTE.match(line))]


def _location(source: SourceMap, node: yaml.Node) -> Location:
    return Location(source.file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns composed YAML nodes into dicts, lists and scalars, filling the SourceMap."""

    def __init__(self, source: SourceMap, text: _FileText):
        self.source = source
        self.text = text
        self.problems: list[Problem] = []
        self._active: set[int] = set()
        self._values = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        self._values += 1
        if self._values > _MAX_VALUES:
            if self._values == _MAX_VALUES + 1:
                self.problems.append(Problem(
                    _location(self.source, node), f"the YAML expands to more than {_MAX_VALUES:,} values "
                    "(aliases that repeat each other?); write the design out", "SP003"))
            return None
        self.source.values[path] = _location(self.source, node)
        if len(path) > _MAX_DEPTH or id(node) in self._active:
            self.problems.append(
                Problem(_location(self.source, node), "the YAML nests too deeply (or refers to itself)", "SP003")
            )
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(child, path + (i,)) for i, child in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        mark = node.start_mark
        indent = mark.column + 1
        style = node.style or None  # libyaml says '' for a plain scalar, the pure-Python reader None
        if style in ("|", ">"):
            indent = _block_indent(self.text.text, self.text.offset(mark))
        self.source.scalars[path] = ScalarText(mark.line + 1, mark.column + 1, style, indent)
        text = node.value
        if node.tag == _NULL:
            return None
        if node.tag == _BOOL:
            return text.lower() == "true"
        if node.tag == _INT:
            if len(text.lstrip("+-")) > _INT_DIGITS:
                self.problems.append(Problem(_location(self.source, node), f"a number of {len(text)} digits; "
                                             "no design value needs more than 19", "SP004"))
                return None
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        if node.tag == _FLOAT:
            lowered = text.lower().lstrip("+")
            if lowered in (".inf", "-.inf", ".nan"):
                return float(lowered.replace(".", ""))
            return float(text)
        if node.tag != _STR:
            self.problems.append(
                Problem(_location(self.source, node), f"unsupported YAML tag {node.tag!r}", "SP004")
            )
        if (control := _CONTROL.search(text)) is not None:
            # A NUL or other control character ends lines or literals in some targets' clients.
            self.problems.append(Problem(
                _location(self.source, node), f"the value holds the control character U+{ord(control.group()):04X}; "
                "remove it (write text, not control codes)", "SP007"))
        return text

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        result: dict[str, Any] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in _rejoin_parentheses(node, self.source, self.text):
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value_node))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(_location(self.source, key_node), "a key must be a plain name, not a list or mapping", "SP004")
                )
                continue
            key = key_node.value
            if key in result:
                first = self.source.keys[path + (key,)]
                self.problems.append(
                    Problem(
                        _location(self.source, key_node),
                        f"duplicate key '{key}' (first defined at line {first.line}); "
                        "remove or rename one of them",
                        "SP005",
                    )
                )
                continue
            self.source.keys[path + (key,)] = _location(self.source, key_node)
            result[key] = self.build(value_node, path + (key,))
        for key_node, value_node in merged:  # `<<: *anchor` fills only keys not set explicitly
            key = key_node.value
            if isinstance(key_node, yaml.ScalarNode) and key not in result:
                self.source.keys[path + (key,)] = _location(self.source, key_node)
                result[key] = self.build(value_node, path + (key,))
        return result

    def _merge_sources(self, node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for source_node in sources:
            if not isinstance(source_node, yaml.MappingNode):
                self.problems.append(
                    Problem(_location(self.source, source_node), "'<<' merges only mappings", "SP004")
                )
                continue
            pairs.extend(source_node.value)
        return pairs


def _open_parentheses(node: yaml.Node) -> int:
    if not isinstance(node, yaml.ScalarNode) or node.style:  # quoted or block
        return 0
    return node.value.count("(") - node.value.count(")")


def _rejoin_parentheses(node: yaml.MappingNode, source: SourceMap, text: _FileText) -> list[tuple[yaml.Node, yaml.Node]]:
    """Undo YAML's split of `{type: enum(a, b, c)}` at the commas inside the parentheses.

    In a flow mapping YAML reads `enum(a, b, c)` as the value `enum(a` plus keys `b` and `c)`
    with no values. SPEC.md writes types this way, so a plain value with an open parenthesis
    takes the following value-less keys back, as the exact text of the file. Every other YAML
    reader (an editor checking the JSON Schema) still splits it, so each one is noted (SP006).
    """
    pairs = list(node.value)
    if not node.flow_style:
        return pairs
    result = []
    i = 0
    while i < len(pairs):
        key_node, value_node = pairs[i]
        depth = _open_parentheses(value_node)
        j = i + 1
        while depth > 0 and j < len(pairs):
            extra_key, extra_value = pairs[j]
            if not (isinstance(extra_key, yaml.ScalarNode) and not extra_key.style
                    and extra_value.tag == _NULL and extra_value.value == ""):
                break
            depth += _open_parentheses(extra_key)
            j += 1
        if j > i + 1:
            start, end = value_node.start_mark, pairs[j - 1][0].end_mark
            written = text.text[text.offset(start) : text.offset(end)]
            value_node = yaml.ScalarNode(_STR, written, start, end, style=None)
            source.notes.append(Problem(
                _location(source, value_node), f"'{written}' in a flow mapping is split at its commas by other YAML "
                "readers (editors, the JSON Schema); schemaforge reads it whole", "SP006", "info",
                fix=f'quote it: "{written}"'))
        result.append((key_node, value_node))
        i = j
    return result


def _block_indent(buffer: str, pointer: int) -> int:
    """Column (1-based) of the first content line of the block scalar whose `|` is at pointer."""
    line_end = buffer.find("\n", pointer)
    if line_end < 0:
        return 1
    rest = buffer[line_end + 1 :]
    for line in rest.split("\n"):
        if line.strip():
            return len(line) - len(line.lstrip(" ")) + 1
    return 1
