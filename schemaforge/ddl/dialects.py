"""sqlglot dialects adjusted where a target's engines disagree with sqlglot's stock output.

Written the way sqlglot's own dialects are: a subclass whose generator overrides entries of the
TRANSFORMS table.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.generators.mysql import MySQLGenerator


class MySQLAndMariaDB(MySQL):
    """MySQL 8 SQL that MariaDB 10.11 runs too.

    MariaDB has no REGEXP_LIKE function; both have the REGEXP operator, with the same meaning for
    the patterns a design writes.
    """

    class Generator(MySQLGenerator):
        TRANSFORMS = {
            **MySQLGenerator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
        }
