"""SQL written in a design (checks, rules, generated columns, index predicates, queries).

Expressions are PostgreSQL SQL parsed by sqlglot. We check that they parse, that a row-level
expression has no subquery or aggregate, and that every table and column they name exists; each
finding points at the offending token inside the YAML scalar.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.qualify import qualify

from schemaforge.findings import Finding, Location
from schemaforge.design.source import Path, SourceMap
from schemaforge.design.structure import suggest

DIALECT = "postgres"
# Functions that reach outside the database (files) whatever the allow-list says.
_FILE_FUNCTIONS = (exp.ReadCSV, exp.ReadParquet, exp.ToFile)
# Functions sqlglot parses as unknown that design SQL may still call (all pure, in every target).
ALLOWED_UNMODELLED_FUNCTIONS = frozenset({"char_length", "character_length", "octet_length", "btrim", "initcap"})
_STATEMENTS = (exp.Query, exp.DDL, exp.DML, exp.Command, exp.Block, exp.Transaction)
_UNRESOLVED = re.compile(r"(?:Unknown column: |Column ')([^' ]+)")


class ExpressionChecker:
    """Parses and checks the SQL of one design, appending findings to a shared list."""

    def __init__(self, source: SourceMap, findings: list[Finding]):
        self.source = source
        self.findings = findings

    def _error(self, location: Location, message: str, code: str, fix: str | None = None) -> None:
        self.findings.append(Finding(location, message, code, fix=fix))

    def at(self, node: exp.Expression, path: Path) -> Location:
        """Where `node` (an identifier or column) stands in the file."""
        ident = node.this if isinstance(node, (exp.Column, exp.Table)) else node
        meta = getattr(ident, "meta", None) or {}
        if "line" in meta and "col" in meta:
            width = meta.get("end", 0) - meta.get("start", 0)
            return self.source.inside(path, meta["line"], max(1, meta["col"] - width))
        return self.source.value(path)

    def parse(self, text: str, path: Path, engine_functions: frozenset[str] = frozenset()) -> exp.Expression | None:
        if not text.strip():
            self._error(self.source.value(path), "the SQL is empty", "SP501")
            return None
        try:
            tree = sqlglot.parse_one(text, dialect=DIALECT)
        except RecursionError:
            self._error(self.source.value(path), "the SQL nests too deep for schemaforge to follow (thousands of "
                        "levels); split it into simpler parts", "SP501")
            return None
        except ParseError as error:
            first = error.errors[0] if error.errors else {}
            line, col = first.get("line") or 1, first.get("col") or 1
            description = first.get("description") or str(error)
            self._error(self.source.inside(path, line, col), f"SQL does not parse: {description}", "SP501")
            return None
        except TokenError as error:
            self._error(self.source.value(path), f"SQL does not parse: {error}", "SP501")
            return None
        if tree is None:
            self._error(self.source.value(path), "the SQL is empty", "SP501")
            return None
        if not self._only_allowed_calls(tree, path, engine_functions) or not self._portable_literals(tree, path):
            return None
        return tree.transform(_portable_node, copy=False)  # the tree is our own, just parsed

    def _portable_literals(self, tree: exp.Expression, path: Path) -> bool:
        """Bit and hex strings (B'0101', X'1F') mean a different type on each target; a control
        character in a literal ends a line or a literal in some targets' clients. Both are
        refused where they stand; every other literal form becomes a plain string (see
        _plain_literal), which each target then writes as its own literal."""
        ok = True
        for node in tree.find_all(exp.BitString, exp.HexString):
            self._error(self.source.value(path), f"{node.sql(DIALECT)} is a bit or hex string, which the targets "
                        "read as different types", "SP506", fix="write the value as a number or a plain string")
            ok = False
        for node in tree.find_all(exp.Literal, exp.ByteString, exp.RawString, exp.National):
            text = _plain_literal(node)
            if isinstance(text, exp.Literal) and text.is_string and _CONTROL_CHARACTER.search(text.this):
                self._error(self.source.value(path), "a string literal holds a control character; write text",
                            "SP007")
                ok = False
        return ok

    def _only_allowed_calls(self, tree: exp.Expression, path: Path, engine_functions: frozenset[str]) -> bool:
        """Design SQL reads the design's entities and calls SQL's own functions. A function
        sqlglot does not know (`pg_sleep`, `current_setting`, a user's UDF), a table function
        (`read_csv('/etc/passwd')`) or a file function is refused where it stands: the build runs
        design SQL on DuckDB, and the targets run it on their servers. A query a pattern makes may
        call `engine_functions`, which the query writer spells per target (queries/render.py)."""
        ok = True
        for node in tree.find_all(exp.Anonymous, *_FILE_FUNCTIONS, exp.Table):
            if isinstance(node, exp.Table):
                if isinstance(node.this, exp.Identifier):
                    continue
                name = node.this.sql(DIALECT).split("(")[0]
            else:  # as the design wrote it
                name = node.name if isinstance(node, exp.Anonymous) else node.sql(DIALECT).split("(")[0]
            if isinstance(node, exp.Anonymous) and name.lower() in ALLOWED_UNMODELLED_FUNCTIONS | engine_functions:
                continue
            self._error(self.source.value(path), f"design SQL may not call {name.lower()}(): it reads only the "
                        "design's entities with SQL's own functions", "SP505",
                        fix="compute the value in the application, or write it with standard SQL functions")
            ok = False
        return ok

    def row_expression(self, text: str, path: Path, columns: set[str], what: str,
                       condition: bool = False) -> exp.Expression | None:
        """A scalar expression over one row's `columns` (generated columns), or with `condition`
        a true-or-false one (checks, index predicates)."""
        tree = self.parse(text, path)
        if tree is None:
            return None
        if isinstance(tree, _STATEMENTS):
            self._error(self.source.value(path), f"{what} must be one expression, not a statement", "SP504")
            return None
        if condition and isinstance(tree.unnest(), _VALUES):
            self._error(self.source.value(path), f"{what} must be a condition (true or false), not a value "
                        f"such as '{tree.sql(DIALECT)}'", "SP504", fix="compare it: for example value > 0")
            return None
        for node in tree.find_all(exp.Subquery, exp.Select, exp.AggFunc, exp.Window):
            kind = "an aggregate" if isinstance(node, (exp.AggFunc, exp.Window)) else "a subquery"
            self._error(
                self.at(node, path),
                f"{what} cannot contain {kind}; a rule over several rows belongs under rules:",
                "SP504",
            )
            return None
        ok = True
        for column in tree.find_all(exp.Column):
            if column.table:
                self._error(self.at(column, path), f"write bare column names in {what}, not '{column.sql()}'", "SP502")
                ok = False
            elif column.name not in columns:
                self._error(
                    self.at(column, path),
                    f"unknown column '{column.name}' in {what}{suggest(column.name, sorted(columns))}",
                    "SP502",
                )
                ok = False
        return tree if ok else None

    def query(self, text: str, path: Path, tables: dict[str, dict[str, str]], what: str,
              engine_functions: frozenset[str] = frozenset()) -> exp.Query | None:
        """A SELECT over the design's entities (`tables`: entity -> column -> type)."""
        tree = self.parse(text, path, engine_functions)
        if tree is None:
            return None
        if not isinstance(tree, exp.Query):
            self._error(self.source.value(path), f"{what} must be a SELECT query", "SP504")
            return None
        cte_names = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
        known = True
        for table in tree.find_all(exp.Table):
            if table.name and table.name not in tables and table.name not in cte_names:
                self._error(
                    self.at(table, path),
                    f"unknown entity '{table.name}' in {what}{suggest(table.name, sorted(tables))}",
                    "SP503",
                )
                known = False
        if not known:
            return None
        try:
            qualify(
                tree.copy(), schema=tables, dialect=DIALECT, validate_qualify_columns=True,
                quote_identifiers=False, infer_schema=False,
            )
        except OptimizeError as error:
            self._unresolved_column(tree, path, tables, str(error), what)
            return None
        return tree

    def _unresolved_column(self, tree, path, tables, message, what) -> None:
        match = _UNRESOLVED.search(message)
        name = match.group(1) if match else None
        node = next((c for c in tree.find_all(exp.Column) if c.name == name), None) if name else None
        all_columns = sorted({c for cols in tables.values() for c in cols})
        if node is None:
            self._error(self.source.value(path), f"{what}: {message}", "SP502")
            return
        self._error(
            self.at(node, path), f"unknown column '{name}' in {what}{suggest(name, all_columns)}", "SP502"
        )


# Roots that make a value, never true or false: arithmetic, concatenation, a number or a string.
_VALUES = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv, exp.DPipe, exp.Neg, exp.BitwiseAnd,
           exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot, exp.BitwiseLeftShift, exp.BitwiseRightShift, exp.Literal)


def similar_to_regex(pattern: str) -> str:
    """PostgreSQL's reading of a `SIMILAR TO` pattern as an anchored regex: `%` is any text, `_`
    one character, `.` `^` `$` are literal, a backslash quotes the next character, and `| * + ?
    {m,n} ( ) [...]` keep their regex meaning."""
    out, in_class, chars = [], False, iter(pattern)
    for ch in chars:
        if ch == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif in_class:
            out.append(ch)
            in_class = ch != "]"
        elif ch == "[":
            out.append(ch)
            in_class = True
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch in ".^$":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "^(?:" + "".join(out) + ")$"


def _portable_node(node: exp.Expression) -> exp.Expression:
    return _similar_to_as_regex(_plain_literal(node))


def _similar_to_as_regex(node: exp.Expression) -> exp.Expression:
    """`x SIMILAR TO 'p'` as the regex match PostgreSQL defines it to be, so that every target
    (DuckDB reads SIMILAR TO patterns as plain regexes) and the seed generator mean the same."""
    if isinstance(node, exp.SimilarTo) and isinstance(node.expression, exp.Literal) and node.expression.is_string \
            and not node.args.get("escape"):
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(similar_to_regex(node.expression.this)))
    return node


_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNICODE_ESCAPE = re.compile(r"\\(\\|[0-9A-Fa-f]{4}|\+[0-9A-Fa-f]{6})")


def _plain_literal(node: exp.Expression) -> exp.Expression:
    """A string written in any of PostgreSQL's forms as a plain string literal holding the same
    text: escape strings E'it\\'s', dollar quotes $$...$$, N'...', and U&'d\\0061t' (which
    sqlglot reads as `U & '...'`). Rendered per target from the plain form, its content is
    always quoted there; an E'' string was written unquoted on five targets."""
    if isinstance(node, (exp.ByteString, exp.RawString, exp.National)) and isinstance(node.this, str):
        return exp.Literal.string(node.this)
    if (isinstance(node, exp.BitwiseAnd) and isinstance(node.left, exp.Column) and not node.left.table
            and node.left.name.lower() == "u" and isinstance(node.right, exp.Literal) and node.right.is_string):
        return exp.Literal.string(_UNICODE_ESCAPE.sub(_unicode_character, node.right.this))
    return node


def _unicode_character(match: re.Match) -> str:
    code = match.group(1)
    return "\\" if code == "\\" else chr(int(code.lstrip("+"), 16))
