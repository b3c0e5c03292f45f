"""Business rules enforced by the database (`enforce: trigger` or `both`).

A rule is a query that returns the violating rows. Its trigger runs that query after a change of
any table the rule reads, and refuses the change when a row comes back. Where the target can
wait for the end of the transaction, it does, so an order and its lines written one after the
other commit together:

- PostgreSQL: a deferred constraint trigger (checked at COMMIT). Each row event of the
  transaction queues one; the first to fire at COMMIT runs the query, and the rest skip it while
  the transaction has changed no row of the rule's tables since (pg_stat_xact_user_tables).
- SQLite: triggers run per row, but foreign keys can wait: after each change the trigger leaves
  a row in `rule_pending` while the rule fails (and takes it away once it holds); the row's
  deferred reference to the always empty `rule_holds` fails the COMMIT. The row names the rule.

MySQL/MariaDB (after each row), SQL Server and Oracle (after each statement) cannot wait: the
rule must hold after every step of a transaction (TG115 says so). On MySQL the refusal is an
INSERT into `rule_violation`, whose CHECK names the rule; its seed load script holds the checks
until every row is in, then runs each rule once (PostgreSQL's runs the queued checks then too). DuckDB and ClickHouse have no triggers (TG116):
the rule is an expectation there.
"""

from __future__ import annotations

from typing import Callable, ClassVar

from schemaforge.design.model import Entity, Rule
from schemaforge.naming import shorten
from schemaforge.patterns.triggers import Statement

SEED_LOAD_SETTING = "@schemaforge_seed_load"  # MySQL: set while its seed load script runs


class RuleTriggers:
    """One target's rule triggers. `quote` quotes an identifier and `table` names an entity's
    table as the DDL writes them; `assertion` is the rule's query in the target's SQL."""

    target: ClassVar[str]
    DEFERRED: ClassVar[bool] = False  # checked at COMMIT
    CHECKED: ClassVar[str] = "after each statement"

    def __init__(self, quote: Callable[[str], str], table: Callable[[Entity], str]):
        self.quote = quote
        self.table = table

    def setup(self, rules: list[Rule]) -> list[Statement]:
        return []

    def triggers(self, rule: Rule, assertion: str, entities: list[Entity]) -> list[Statement]:
        raise NotImplementedError

    def name(self, rule: Rule, entity: Entity | None = None, operation: str | None = None) -> str:
        parts = ["rule", rule.name] + ([entity.table] if entity else []) + ([operation] if operation else [])
        return self.quote("_".join(parts))

    def trigger(self, rule: Rule, entity: Entity, sql: str, operation: str | None = None, procedural: bool = True) -> Statement:
        return Statement(sql, procedural, object=("trigger", self.name(rule, entity, operation), self.table(entity)))

    def seed_prologue(self, rules: list[Rule]) -> list[str]:
        return []

    def seed_loaded(self, rules: list[Rule], assertions: dict[str, str]) -> list[str]:
        """What a seed load runs once every row is in."""
        return []


class PostgresRuleTriggers(RuleTriggers):
    target = "postgres"
    DEFERRED = True

    def seed_loaded(self, rules: list[Rule], assertions: dict[str, str]) -> list[str]:
        # The queued checks run now: a table with pending trigger events cannot take its
        # foreign keys back (the COPY load drops them).
        return ["SET CONSTRAINTS ALL IMMEDIATE;  -- every row is in: the rules are checked now"] if rules else []

    def triggers(self, rule: Rule, assertion: str, entities: list[Entity]) -> list[Statement]:
        function = self.name(rule)
        tables = ", ".join(f"to_regclass({_literal(self.table(e))})" for e in entities)
        # The count of rows the transaction changed in the rule's tables: unchanged since the last
        # check means the answer is the same (the deferred events of one COMMIT fire in a row).
        changes = ("(SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::text FROM pg_stat_xact_user_tables "
                   f"WHERE relid = ANY (ARRAY[{tables}]))")
        setting = f"schemaforge_rules.{rule.name}"
        body = (f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"DECLARE\n  changed text := {changes};\nBEGIN\n"
                f"  IF current_setting('{setting}', true) IS NOT DISTINCT FROM changed THEN\n    RETURN NULL;\n  END IF;\n"
                f"  PERFORM set_config('{setting}', changed, true);\n"
                f"  IF EXISTS ({assertion}) THEN\n"
                f"    RAISE EXCEPTION 'rule {rule.name} is violated' USING ERRCODE = 'check_violation', "
                f"HINT = {_literal(rule.description or 'the rule query returns the violating rows')};\n"
                "  END IF;\n  RETURN NULL;\nEND\n$$")
        found = [Statement(body, procedural=True, object=("function", f"{function}()", None))]
        for entity in entities:
            found.append(self.trigger(rule, entity, f"CREATE CONSTRAINT TRIGGER {self.name(rule, entity)} AFTER INSERT OR "
                                      f"UPDATE OR DELETE ON {self.table(entity)} DEFERRABLE INITIALLY DEFERRED FOR EACH "
                                      f"ROW EXECUTE FUNCTION {function}()"))
        return found


class SqliteRuleTriggers(RuleTriggers):
    target = "sqlite"
    DEFERRED = True
    PENDING, HOLDS = "rule_pending", "rule_holds"

    def setup(self, rules: list[Rule]) -> list[Statement]:
        holds, pending = self.quote(self.HOLDS), self.quote(self.PENDING)
        return [
            Statement(f"CREATE TABLE {pending} (rule_name TEXT PRIMARY KEY REFERENCES {holds} (rule_name) DEFERRABLE "
                      "INITIALLY DEFERRED)", object=("table", pending, None)),
            Statement(f"CREATE TABLE {holds} (rule_name TEXT PRIMARY KEY)", object=("table", holds, None)),
        ]

    def triggers(self, rule: Rule, assertion: str, entities: list[Entity]) -> list[Statement]:
        pending = self.quote(self.PENDING)
        body = (f"  DELETE FROM {pending} WHERE rule_name = '{rule.name}';\n"
                f"  INSERT INTO {pending} (rule_name) SELECT '{rule.name}' WHERE EXISTS ({assertion});")
        return [self.trigger(rule, entity, f"CREATE TRIGGER {self.name(rule, entity, operation)} AFTER "
                             f"{operation.upper()} ON {self.table(entity)}\nBEGIN\n{body}\nEND", operation)
                for entity in entities for operation in ("insert", "update", "delete")]


class MySQLRuleTriggers(RuleTriggers):
    target = "mysql"
    CHECKED = "after each row"
    VIOLATION = "rule_violation"

    def setup(self, rules: list[Rule]) -> list[Statement]:
        checks = ", ".join(f"CONSTRAINT {self.name(rule)} CHECK (rule_name <> '{rule.name}')" for rule in rules)
        table = self.quote(self.VIOLATION)
        return [Statement(f"CREATE TABLE {table} (rule_name VARCHAR(64) NOT NULL, {checks})", object=("table", table, None))]

    def refusal(self, rule: Rule, assertion: str, condition: str = "") -> str:
        return (f"INSERT INTO {self.quote(self.VIOLATION)} (rule_name) SELECT '{rule.name}' FROM DUAL WHERE "
                f"{condition}EXISTS ({assertion})")

    def triggers(self, rule: Rule, assertion: str, entities: list[Entity]) -> list[Statement]:
        found = []
        for entity in entities:
            for operation in ("insert", "update", "delete"):
                name = self.name(rule, entity, operation)
                found += [self.trigger(rule, entity, f"DROP TRIGGER IF EXISTS {name}", operation, procedural=False),
                          self.trigger(rule, entity, f"CREATE TRIGGER {name} AFTER {operation.upper()} ON {self.table(entity)} "
                                       "FOR EACH ROW " + self.refusal(rule, assertion, f"{SEED_LOAD_SETTING} IS NULL AND "),
                                       operation, procedural=False)]
        return found

    def seed_prologue(self, rules: list[Rule]) -> list[str]:
        return [f"SET {SEED_LOAD_SETTING} = 1;  -- the rules are checked once every row is in"] if rules else []

    def seed_loaded(self, rules: list[Rule], assertions: dict[str, str]) -> list[str]:
        if not rules:
            return []
        return [f"SET {SEED_LOAD_SETTING} = NULL;"] + [self.refusal(rule, assertions[rule.name]) + ";" for rule in rules]


class SqlServerRuleTriggers(RuleTriggers):
    target = "sqlserver"

    def triggers(self, rule: Rule, assertion: str, entities: list[Entity]) -> list[Statement]:
        return [self.trigger(
            rule, entity, f"CREATE OR ALTER TRIGGER {self.name(rule, entity)} ON {self.table(entity)} AFTER INSERT, UPDATE, "
            f"DELETE AS\nBEGIN\n  SET NOCOUNT ON;\n  IF EXISTS ({assertion})\n"
            f"    THROW 50001, N'rule {rule.name} is violated', 1;\nEND") for entity in entities]


class OracleRuleTriggers(RuleTriggers):
    target = "oracle"

    def triggers(self, rule: Rule, assertion: str, entities: list[Entity]) -> list[Statement]:
        # A statement trigger (no FOR EACH ROW) may read its own table: no mutating-table error.
        return [self.trigger(
            rule, entity, f"CREATE OR REPLACE TRIGGER {self.name(rule, entity)} AFTER INSERT OR UPDATE OR DELETE ON {self.table(entity)}\n"
            f"DECLARE\n  violations NUMBER;\nBEGIN\n  SELECT COUNT(*) INTO violations FROM ({assertion}) WHERE ROWNUM = 1;\n"
            f"  IF violations > 0 THEN\n    RAISE_APPLICATION_ERROR(-20001, 'rule {rule.name} is violated');\n"
            "  END IF;\nEND;") for entity in entities]


RULE_TRIGGERS: dict[str, type[RuleTriggers]] = {
    cls.target: cls for cls in (PostgresRuleTriggers, SqliteRuleTriggers, MySQLRuleTriggers, SqlServerRuleTriggers,
                                OracleRuleTriggers)
}


def triggered_rules(design) -> list[Rule]:
    """The rules the design asks the database to enforce, in the design's order."""
    asked = {rule.name for rule in design.doc.rules if rule.enforce in ("trigger", "both")}
    return [rule for rule in design.rules if rule.name in asked]


def read_entities(design, rule: Rule) -> list[Entity]:
    """The entities a rule's query reads, in the design's order."""
    from sqlglot import exp

    names = {table.name for table in rule.query.find_all(exp.Table)}
    return [entity for name, entity in design.entities.items() if name in names]


def _literal(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def rendered_rules(design, renderer) -> tuple[RuleTriggers | None, list[Rule], dict[str, str]]:
    """(the target's rule triggers or None, the triggered rules, each rule's query in the target's
    SQL) for a DDL renderer."""
    from schemaforge.design.physical import physical_tree

    rules = triggered_rules(design)
    target = renderer.target
    writer = RULE_TRIGGERS.get(target.name)
    dialect = target.dialect
    assertions = {rule.name: target.generate(physical_tree(design, rule.query, target.quote_needed)) for rule in rules}
    # A trigger's name joins the rule's, the table's and the operation's: fitted to the target's
    # limit (MySQL's 64 characters) as constraint names are.
    limit = target.MAX_IDENTIFIER_LENGTH
    made = writer(lambda name: renderer.ident(shorten(name, limit)).sql(dialect),
                  lambda e: renderer.table(e).sql(dialect)) if writer else None
    return made, rules, assertions
