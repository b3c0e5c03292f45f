"""sqlglot dialects adjusted where a target's engines disagree with sqlglot's stock output.

Written the way sqlglot's own dialects are: a subclass whose generator overrides entries of the
TRANSFORMS table.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.dialects.oracle import Oracle
from sqlglot.generators.mysql import MySQLGenerator
from sqlglot.generators.oracle import OracleGenerator


class TypedLiteral(exp.Expression):
    """An ANSI typed literal, `TIMESTAMP '2024-01-31 12:00:00'` or `INTERVAL '0 09:30:00' DAY TO
    SECOND`: a constant of a type with no implicit conversion from text to depend on (Oracle
    reads a plain string through the session's NLS formats)."""

    arg_types = {"this": True, "keyword": True, "qualifier": False}


def typed_literal_sql(generator, node: TypedLiteral) -> str:
    qualifier = node.text("qualifier")
    return f"{node.text('keyword')} {generator.sql(node, 'this')}" + (f" {qualifier}" if qualifier else "")


class MySQLAndMariaDB(MySQL):
    """MySQL 8 SQL that MariaDB 10.11 runs too.

    MariaDB has no REGEXP_LIKE function; both have the REGEXP operator, with the same meaning for
    the patterns a design writes.
    """

    class Generator(MySQLGenerator):
        TRANSFORMS = {
            **MySQLGenerator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
            # `~*`: the same operator with PCRE's / ICU's inline case-insensitive flag.
            exp.RegexpILike: lambda self, e: f"{self.sql(e, 'this')} REGEXP "
            + self.sql(exp.func("CONCAT", exp.Literal.string("(?i)"), e.expression)),
        }


class OracleWithTypedLiterals(Oracle):
    """Oracle, writing date, time and timestamp constants as typed literals."""

    class Generator(OracleGenerator):
        TRANSFORMS = {**OracleGenerator.TRANSFORMS, TypedLiteral: typed_literal_sql}
        CTE_RECURSIVE_KEYWORD_REQUIRED = False  # Oracle's recursive WITH has no RECURSIVE keyword
