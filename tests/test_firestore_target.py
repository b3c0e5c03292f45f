"""The Firestore target, checked without a server (the Firestore emulator is a download from
Google that this machine cannot reach; the npm emulator @firestore-emulator/server was tried and
orders a null among numbers and answers no collection group query, so it proves nothing). So:
- firestore.indexes.json is validated against the structure `firebase deploy` reads, and every
  indexed field is a field of the collection's documents;
- firestore.rules is validated structurally: its match blocks nest as the collections do, every
  `allow` names a Firestore method and roles of the design, braces and statements are whole;
- every access pattern's structured query is run over the seed's documents with Firestore's
  semantics (nosql/firestore/run.py), after checking that an index serves it as Firestore
  requires (a query without its index is refused, with a twin), and the answer equals DuckDB's
  answer to the design's own query over the same seed.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import EXAMPLES
from nosql_answers import Reference, check_pattern, design_for, example_loader
from schemaforge.deliverables.generate import nosql_queries_artifacts, nosql_schema_artifacts
from schemaforge.design.loader import load_design_text
from schemaforge.nosql.firestore.model import firestore_model
from schemaforge.nosql.firestore.render import firestore_findings
from schemaforge.nosql.firestore.run import QueryRefused, Store, answer, bound_query, run_query

SEED_ROWS = 12_000

INDEXES_SCHEMA = {
    "type": "object", "required": ["indexes", "fieldOverrides"], "additionalProperties": False,
    "properties": {
        "indexes": {"type": "array", "items": {
            "type": "object", "required": ["collectionGroup", "queryScope", "fields"], "additionalProperties": False,
            "properties": {
                "collectionGroup": {"type": "string", "pattern": "^[^/]+$"},
                "queryScope": {"enum": ["COLLECTION", "COLLECTION_GROUP"]},
                "fields": {"type": "array", "minItems": 2, "items": {
                    "type": "object", "required": ["fieldPath"], "additionalProperties": False,
                    "properties": {"fieldPath": {"type": "string"}, "order": {"enum": ["ASCENDING", "DESCENDING"]},
                                   "arrayConfig": {"enum": ["CONTAINS"]}},
                    "oneOf": [{"required": ["order"]}, {"required": ["arrayConfig"]}]}}}}},
        "fieldOverrides": {"type": "array", "items": {
            "type": "object", "required": ["collectionGroup", "fieldPath", "indexes"], "additionalProperties": False,
            "properties": {"collectionGroup": {"type": "string"}, "fieldPath": {"type": "string"}, "ttl": {"type": "boolean"},
                           "indexes": {"type": "array", "items": {
                               "type": "object", "required": ["queryScope"], "additionalProperties": False,
                               "properties": {"queryScope": {"enum": ["COLLECTION", "COLLECTION_GROUP"]},
                                              "order": {"enum": ["ASCENDING", "DESCENDING"]},
                                              "arrayConfig": {"enum": ["CONTAINS"]}}}}}}},
    },
}


class Built:
    def __init__(self, design, root: Path):
        self.design, self.root = design, root
        files = {a.path: a.content.decode() for a in nosql_schema_artifacts(design, "firestore", None)}
        self.indexes = json.loads(files["ddl/firestore.indexes.json"])
        self.rules = files["ddl/firestore.rules"]
        self.requests = json.loads(nosql_queries_artifacts(design, "firestore")[0].content)["queries"]
        self.reference = Reference(design, root / "seed")
        self.store = Store()
        self.documents = self.store.load(root / "seed" / "firestore.json")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    return example_loader(tmp_path_factory, "firestore", SEED_ROWS, Built)


def _cases():
    for name in EXAMPLES:
        for lookup in firestore_model(design_for(name, "firestore")).lookups:
            yield name, lookup.read.name


@pytest.mark.parametrize("design_name, query", list(_cases()))
def test_each_access_pattern_answers_from_the_documents_as_duckdb_does_over_the_same_seed(loaded, design_name, query):
    built = loaded(design_name)
    read = next(lookup.read for lookup in firestore_model(built.design).lookups if lookup.read.name == query)
    check_pattern(built.reference, read, built.requests[query],
                  lambda request, p: answer(built.store, built.indexes, request, p))


@pytest.mark.parametrize("design_name", EXAMPLES)
def test_the_indexes_file_has_the_structure_firebase_reads_and_indexes_fields_the_documents_hold(loaded, design_name):
    built = loaded(design_name)
    jsonschema.validate(built.indexes, INDEXES_SCHEMA)
    held: dict[str, set[str]] = {}
    for path, fields in built.store.documents.items():
        held.setdefault(path.split("/")[-2], set()).update(fields)
    for index in built.indexes["indexes"]:
        assert {f["fieldPath"] for f in index["fields"]} <= held[index["collectionGroup"]], index
    keys = [json.dumps(i, sort_keys=True) for i in built.indexes["indexes"]]
    assert len(keys) == len(set(keys))


def test_a_malformed_index_is_refused_and_its_twin_taken(loaded):
    indexes = copy.deepcopy(loaded("chirp").indexes)
    jsonschema.validate(indexes, INDEXES_SCHEMA)
    indexes["indexes"][0]["fields"][0]["order"] = "UP"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(indexes, INDEXES_SCHEMA)


def test_a_query_without_the_index_it_needs_is_refused_and_runs_with_it(loaded):
    built = loaded("chirp")
    parent, query = bound_query(built.requests["posts_of_person"], built.reference.parameters("posts_of_person"))
    assert run_query(built.store, parent, query, built.indexes)
    needed = [i for i in built.indexes["indexes"] if [f["fieldPath"] for f in i["fields"]] == ["author_id", "posted_at"]]
    assert needed
    without = {"indexes": [i for i in built.indexes["indexes"] if i not in needed], "fieldOverrides": []}
    with pytest.raises(QueryRefused, match="no composite index"):
        run_query(built.store, parent, query, without)


def test_a_collection_group_query_needs_its_field_exemption(loaded):
    built = loaded("pocket")
    groups = {name: r for name, r in built.requests.items() if r["structuredQuery"]["from"][0]["allDescendants"]}
    assert groups, "pocket reads a person's tasks across every board"
    for name, request in groups.items():
        parent, query = bound_query(request, built.reference.parameters(name))
        run_query(built.store, parent, query, built.indexes)
    single = [(n, r) for n, r in groups.items() if "orderBy" not in r["structuredQuery"]]
    assert single, "pocket has a collection group query on one field"
    for name, request in single:
        parent, query = bound_query(request, built.reference.parameters(name))
        with pytest.raises(QueryRefused, match="collection group"):
            run_query(built.store, parent, query, {"indexes": built.indexes["indexes"], "fieldOverrides": []})


METHODS = {"get", "list", "create", "update", "delete", "read", "write"}


def rules_problems(rules: str, design, model) -> list[str]:
    """What is wrong with a rules file's structure (nothing, for a good one)."""
    problems = []
    if not rules.startswith("rules_version = '2';\n"):
        problems.append("no rules_version '2'")
    if rules.count("{") != rules.count("}"):
        problems.append("unbalanced braces")
    roles = set(design.doc.security.roles)
    stack: list[str] = []
    allowed_paths = {c.name: c.parent for c in model.collections.values()}
    for number, line in enumerate(rules.splitlines(), 1):
        text = line.strip()
        match = re.fullmatch(r"match /(\{path=\*\*\}/)?([A-Za-z0-9_]+)/\{\w+\} \{(  //.*)?", text)
        if match:
            name = match.group(2)
            entity_parent = allowed_paths.get(name, "?")
            expected = design.entities[entity_parent].table if entity_parent not in (None, "?") else None
            if name not in allowed_paths or (not match.group(1) and (stack[-1] if stack else None) != expected):
                problems.append(f"line {number}: match /{name} is not where its collection is")
            stack.append(name)
        elif text.startswith("match /databases/") or text.startswith("service cloud.firestore"):
            continue
        elif text == "}":
            if stack:
                stack.pop()
        elif text.startswith("allow "):
            head, _, condition = text[len("allow "):].partition(": if ")
            if not condition.endswith(";") or not set(m.strip() for m in head.split(",")) <= METHODS:
                problems.append(f"line {number}: not an allow statement: {text}")
            for named in re.findall(r"hasRole\(\[(.*?)\]\)", condition):
                unknown = {r.strip(" '") for r in named.split(",")} - roles
                if unknown:
                    problems.append(f"line {number}: unknown roles {sorted(unknown)}")
    return problems


@pytest.mark.parametrize("design_name", EXAMPLES)
def test_the_rules_are_whole_and_nest_as_the_collections_do(loaded, design_name):
    built = loaded(design_name)
    assert rules_problems(built.rules, built.design, firestore_model(built.design)) == []


def test_a_broken_rules_file_is_caught_and_its_twin_passes(loaded):
    built = loaded("shop")
    model = firestore_model(built.design)
    assert "allow get, list" in built.rules and rules_problems(built.rules, built.design, model) == []
    assert rules_problems(built.rules.replace("allow get, list", "allow fetch", 1), built.design, model)
    assert rules_problems(built.rules.replace("}\n", "\n", 1), built.design, model)
    role = next(iter(built.design.doc.security.roles))
    assert rules_problems(built.rules.replace(f"'{role}'", "'intruder'", 1), built.design, model)


ROLES = """\
design: notes
version: 1.0.0
description: Notes of a team's members
database: firestore
entities:
  team:
    fields:
      id: {type: bigint, pk: true}
  member:
    fields:
      id: {type: bigint, pk: true}
      email: {type: string(200), pii: email}
  note:
    fields:
      id: {type: bigint, pk: true}
      body: {type: text}
patterns: [multi_tenant]
security:
  roles:
    app: {grants: {"*": [select, insert, update, delete]}}
    analyst: {grants: {"*": [select]}, pii: masked}
  tenancy: {entity: team, isolation: row_level_security}
"""


def _block(rules: str, collection: str) -> str:
    """The text of a collection's match block, to its closing brace."""
    lines = rules.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"match /{collection}/"))
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == indent + "}")
    return "\n".join(lines[start:end])


def test_rules_follow_the_roles_and_tenancy_and_a_role_that_may_not_read_pii_gets_no_read():
    design = load_design_text(ROLES, "designs/notes.yaml", "notes")
    files = {a.path: a.content.decode() for a in nosql_schema_artifacts(design, "firestore", None)}
    rules = files["ddl/firestore.rules"]
    note = _block(rules, "note")
    assert "allow get, list: if hasRole(['analyst', 'app']) && inTenant(resource.data, 'team_id');" in note
    assert "allow create: if hasRole(['app']) && inTenant(request.resource.data, 'team_id');" in note
    member = _block(rules, "member")
    assert "hasRole(['app'])" in member and "analyst" not in member
    assert "allow update: if hasRole(['app']) && teamId == request.auth.token.tenant_id;" in rules  # the tenant itself
    found = [(f.code, f.location.line) for f in firestore_findings(design)]
    assert ("FS102", ROLES.splitlines().index("    analyst: {grants: {\"*\": [select]}, pii: masked}") + 1) in found
    twin = load_design_text(ROLES.replace(", pii: masked", ""), "designs/notes.yaml", "notes")
    assert [f for f in firestore_findings(twin) if f.code == "FS102"] == []


def test_an_owned_child_is_a_subcollection_and_its_documents_live_under_the_parent(loaded):
    built = loaded("chirp")
    model = firestore_model(built.design)
    assert model.collections["reply"].parent == "post" and model.collections["like"].parent is None
    replies = [p for p in built.store.documents if p.split("/")[-2] == "reply"]
    assert replies and all(re.fullmatch(r"post/\d+/reply/\d+", p) for p in replies)
    commits = json.loads((built.root / "seed" / "firestore.json").read_text())
    assert all(len(c["writes"]) <= 500 for c in commits) and sum(len(c["writes"]) for c in commits) == built.documents
