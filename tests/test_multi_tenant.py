"""The multi_tenant pattern (issue 16): every tenant-owned entity holds the tenant key, every
reference between tenant-owned tables leads with it on both sides, uniques are unique per
tenant, and the seed keeps every reference inside its tenant. On PostgreSQL, MariaDB and SQLite
the database itself refuses a reference to another tenant's row."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import ROOT, mariadb_rows, pg_rows, psql_file
from schemaforge.ddl.render import render_ddl
from schemaforge.design.loader import load_design_text
from schemaforge.findings import DesignErrors

HELPDESK = ROOT / "tests" / "designs" / "helpdesk.yaml"
OWNED = ["agent", "customer", "ticket", "reply", "label", "ticket_label", "ticket_event"]


@pytest.fixture(scope="module")
def helpdesk(helpdesk_build):
    design, root = helpdesk_build
    return design, root / "seed"


def scoped_references(design):
    """(child table, its tenant column, its own columns, parent table, parent tenant column,
    parent columns) of every tenant-scoped reference."""
    for entity in design.entities.values():
        for fk in entity.foreign_keys:
            if fk.tenant_scoped:
                parent = design.entities[fk.target]
                yield (entity.table, entity.physical(fk.columns[0]), [entity.physical(c) for c in fk.columns[1:]],
                       parent.table, parent.physical(fk.target_columns[0]), [parent.physical(c) for c in fk.target_columns[1:]])


def test_every_owned_entity_holds_the_tenant_key_and_the_shared_ones_do_not(helpdesk):
    design, _ = helpdesk
    assert [e.name for e in design.entities.values() if e.tenant_key] == OWNED
    assert design.entities["country"].tenant_key is None and design.entities["company"].tenant_key is None
    for name in OWNED:
        entity = design.entities[name]
        assert entity.tenant_key == "company_id" and not entity.column("company_id").nullable
        for fk in entity.foreign_keys:
            if fk.target in OWNED:  # between owned tables: led by the tenant key on both sides
                assert fk.tenant_scoped and fk.columns[0] == "company_id" and fk.target_columns[0] == "company_id", fk
            else:  # the tenant itself, and the shared country: one column as written
                assert not fk.tenant_scoped and len(fk.columns) == 1, fk
        for unique in entity.uniques:
            assert unique.columns[0] == "company_id", unique
    assert design.entities["ticket"].indexes[0].columns == ("company_id", "status", "priority")
    query = design.queries["open_tickets_of_assignee"]
    assert [f.columns for f in query.filters][0] == ("company_id",)  # a query runs inside one tenant


def cross_tenant_rows(execute, design) -> tuple[int, int]:
    """(rows whose reference is set, of those the ones whose parent has another tenant) over
    every tenant-scoped reference."""
    total = crossing = 0
    for child, tenant, columns, parent, parent_tenant, parent_columns in scoped_references(design):
        on = " AND ".join(f"p.{pc} = c.{cc}" for cc, pc in zip(columns, parent_columns))
        [(count, other)] = execute(f"SELECT COUNT(*), COUNT(CASE WHEN p.{parent_tenant} <> c.{tenant} THEN 1 END) "
                                   f"FROM {child} c JOIN {parent} p ON {on}")
        total, crossing = total + count, crossing + other
    return total, crossing


def a_crossing_insert(execute) -> tuple[str, str]:
    """(an INSERT of a ticket whose customer belongs to another company, its good twin)."""
    [(company, customer)] = execute("SELECT company_id, id FROM customer ORDER BY id LIMIT 1")
    [(other,)] = execute(f"SELECT id FROM company WHERE id <> '{company}' ORDER BY id LIMIT 1")
    insert = ("INSERT INTO ticket (company_id, number, customer_id, subject, priority) "
              "VALUES ('{company}', 999999, {customer}, 'cross', 3)")
    return insert.format(company=other, customer=customer), insert.format(company=company, customer=customer)


def test_on_postgresql_a_cross_tenant_reference_is_refused(helpdesk, pg_database):
    psycopg = pytest.importorskip("psycopg")
    design, seed = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    psql_file(pg_database, seed / "postgres.sql")

    execute = pg_rows(pg_database)
    total, crossing = cross_tenant_rows(execute, design)
    assert total > 5000 and crossing == 0  # the seed loaded with every scoped key on, all inside
    bad, good = a_crossing_insert(execute)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        pg_database.execute(bad)
    pg_database.execute(good)
    # An update that moves a reply onto another company's ticket is refused too.
    [(reply, company)] = execute("SELECT id, company_id FROM reply ORDER BY id LIMIT 1")
    [(foreign_ticket,)] = execute(f"SELECT id FROM ticket WHERE company_id <> '{company}' ORDER BY id LIMIT 1")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        pg_database.execute(f"UPDATE reply SET ticket_id = {foreign_ticket} WHERE id = {reply}")
    # ON DELETE SET NULL clears the assignee only: the ticket keeps its tenant.
    [(agent, count)] = execute("SELECT assignee_id, COUNT(*) FROM ticket WHERE assignee_id IS NOT NULL "
                               "GROUP BY assignee_id ORDER BY 2 DESC, 1 LIMIT 1")
    execute_tickets = "SELECT COUNT(*) FROM ticket WHERE company_id IS NOT NULL AND assignee_id IS NULL"
    before = execute(execute_tickets)[0][0]
    pg_database.execute(f"UPDATE reply SET author_id = NULL WHERE author_id = {agent}")
    pg_database.execute(f"DELETE FROM agent WHERE id = {agent}")
    assert execute(execute_tickets)[0][0] == before + count


def test_on_mariadb_a_cross_tenant_reference_is_refused(helpdesk, mariadb_database):
    pymysql = pytest.importorskip("pymysql")
    design, seed = helpdesk
    mariadb_database.run(render_ddl(design, "mysql").sql)
    mariadb_database.run((seed / "mysql.sql").read_text())

    execute = mariadb_rows(mariadb_database)
    total, crossing = cross_tenant_rows(execute, design)
    assert total > 5000 and crossing == 0
    bad, good = a_crossing_insert(execute)
    with pytest.raises(pymysql.err.IntegrityError, match="1452"):  # a foreign key constraint fails
        execute(bad)
    execute(good)
    # MariaDB cannot clear only the reference's columns: the assignee's key is NO ACTION there,
    # and the DDL's finding says so at the field.
    findings = [f for f in render_ddl(design, "mysql").findings if f.code == "TG102" and "tenant key" in f.message]
    assert {f.location.line for f in findings} == {_line("assignee: {ref: agent"), _line("team_lead: {ref: agent")}
    [(agent,)] = execute("SELECT assignee_id FROM ticket WHERE assignee_id IS NOT NULL ORDER BY 1 LIMIT 1")
    execute(f"UPDATE reply SET author_id = NULL WHERE author_id = {agent}")
    execute(f"UPDATE agent SET team_lead_id = NULL WHERE team_lead_id = {agent}")
    with pytest.raises(pymysql.err.IntegrityError, match="1451"):  # a parent row is referenced
        execute(f"DELETE FROM agent WHERE id = {agent}")


def test_on_sqlite_a_cross_tenant_reference_is_refused(helpdesk):
    design, seed = helpdesk
    lite = sqlite3.connect(":memory:", isolation_level=None)
    lite.executescript(render_ddl(design, "sqlite").sql)
    lite.executescript((seed / "sqlite.sql").read_text())
    lite.execute("PRAGMA foreign_keys = ON")

    def execute(sql):
        return lite.execute(sql).fetchall()
    total, crossing = cross_tenant_rows(execute, design)
    assert total > 5000 and crossing == 0
    bad, good = a_crossing_insert(execute)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        execute(bad)
    execute(good)


def test_a_unique_holds_per_tenant(helpdesk, pg_database):
    psycopg = pytest.importorskip("psycopg")
    design, _ = helpdesk
    pg_database.execute(render_ddl(design, "postgres").sql)
    pg_database.execute("INSERT INTO company (id, name) VALUES ('00000000-0000-0000-0000-00000000000a', 'A'), "
                        "('00000000-0000-0000-0000-00000000000b', 'B')")
    agent = "INSERT INTO agent (company_id, email, name) VALUES ('00000000-0000-0000-0000-00000000000{}', 'x@y.io', 'X')"
    pg_database.execute(agent.format("a"))
    pg_database.execute(agent.format("b"))  # the same email in another company
    with pytest.raises(psycopg.errors.UniqueViolation):
        pg_database.execute(agent.format("a"))


def test_without_the_pattern_the_same_references_cross_tenants_freely():
    """The twin: the design without multi_tenant has single-column references and global uniques."""
    text = HELPDESK.read_text().replace("patterns: [{pattern: multi_tenant, shared: [country]}, timestamps]",
                                        "patterns: [timestamps]").replace("group_by: [company, status]", "group_by: [status]")
    design = load_design_text(text, "tests/designs/helpdesk.yaml", "helpdesk")
    assert not any(e.tenant_key for e in design.entities.values())
    assert all(len(fk.columns) == 1 and not fk.tenant_scoped for e in design.entities.values() for fk in e.foreign_keys)
    assert design.entities["agent"].uniques[0].columns == ("email",)


def test_an_entity_level_pattern_owns_that_entity_and_its_junction():
    text = HELPDESK.read_text().replace("patterns: [{pattern: multi_tenant, shared: [country]}, timestamps]",
                                        "patterns: [timestamps]").replace("group_by: [company, status]", "group_by: [status]")
    text = text.replace("  label:\n    description: A company's own word for sorting tickets\n",
                        "  label:\n    description: A company's own word for sorting tickets\n    patterns: [multi_tenant]\n")
    design = load_design_text(text, "tests/designs/helpdesk.yaml", "helpdesk")
    assert [e.name for e in design.entities.values() if e.tenant_key] == ["label", "ticket_label"]
    # The junction's reference to the (unowned) ticket stays as written; the one to label is scoped.
    scoped = {fk.target: fk.tenant_scoped for fk in design.entities["ticket_label"].foreign_keys}
    assert scoped == {"company": False, "ticket": False, "label": True}


def _line(needle: str, text: str | None = None) -> int:
    text = text if text is not None else HELPDESK.read_text()
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("old", "new", "code", "where"), [
    ("  tenancy: {entity: company, isolation: row_level_security}\n", "", "SP105", "patterns: [{pattern: multi_tenant"),
    ("shared: [country]", "shared: [contry]", "SP401", "patterns: [{pattern: multi_tenant"),
    ("shared: [country]", "shared: [company]", "SP105", "patterns: [{pattern: multi_tenant"),
    ("      name: {type: \"string(80)\", unique: true}\n",
     "      name: {type: \"string(80)\", unique: true}\n      owner: {ref: company}\n", "SP105",
     "patterns: [{pattern: multi_tenant"),
    ("      name: {type: \"string(40)\", unique: true}\n",
     "      name: {type: \"string(40)\", unique: true}\n      company: {ref: company, nullable: true}\n", "SP105",
     "company: {ref: company, nullable: true}"),
    ("      body: text\n", "      body: text\n      company: \"string(10)\"\n", "SP202", "company: \"string(10)\""),
    ("timestamps]\n", "{pattern: timestamps, shared: [country]}]\n", "SP105", "patterns: [{pattern: multi_tenant"),
])
def test_a_tenant_layout_it_cannot_make_is_a_located_error(old, new, code, where):
    text = HELPDESK.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(DesignErrors) as raised:
        load_design_text(text, "tests/designs/helpdesk.yaml", "helpdesk")
    found = [f for f in raised.value.findings if f.code == code]
    assert found, raised.value.findings
    assert found[0].location.line == _line(where, text), found
