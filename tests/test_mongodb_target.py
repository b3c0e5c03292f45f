"""The MongoDB target, checked by emulation: no MongoDB server can be installed here (it is not in
Debian, and mongodb-memory-server downloads a binary). So:
- every seed document is validated against its collection's `$jsonSchema` by a faithful
  validator (jsonschema's draft 4 with MongoDB's `bsonType`, refusing the keywords MongoDB does
  not support), and a document corrupted for each keyword the validators use fails it while its
  good twin passes;
- the seed's `insert` commands are loaded into mongomock (a MongoDB query engine in Python), every
  access pattern's aggregation pipeline is run there, and the answer is compared with DuckDB's
  answer to the design's own DuckDB query over the same seed (tests/nosql_answers.py);
- the mongosh script parses with `node --check`.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLES, require_module, unavailable
from nosql_answers import Reference, check_pattern, design_for, example_loader
from schemaforge.deliverables.generate import nosql_queries_artifacts, nosql_schema_artifacts
from schemaforge.nosql.mongodb.model import document_field, mongodb_model
from schemaforge.nosql.mongodb.run import answer, load_seed
from schemaforge.nosql.mongodb.schema import validate

SEED_ROWS = 12_000  # mongomock inserts and scans in Python: each design's seed scaled to this many rows


def _teach_mongomock_decimal_order():
    """mongomock 4.3 cannot compare or sort a Decimal128 (NotImplementedError); MongoDB orders it
    among the numbers, by value. Comparisons here read it as its value, as MongoDB does."""
    from decimal import Decimal

    from bson import Decimal128
    from mongomock import filtering

    if getattr(filtering, "_decimal_order_taught", False):
        return
    compare, compare_type = filtering.bson_compare, filtering._get_compare_type

    def as_value(value):
        return value.to_decimal() if isinstance(value, Decimal128) else value

    filtering.bson_compare = lambda op, a, b, can_compare_types=True: compare(op, as_value(a), as_value(b),
                                                                               can_compare_types)
    filtering._get_compare_type = lambda value: compare_type(Decimal(0) if isinstance(value, Decimal128) else value)
    filtering._decimal_order_taught = True


class Built:
    def __init__(self, design, root: Path):
        mongomock = require_module("mongomock")
        _teach_mongomock_decimal_order()
        self.design, self.root = design, root
        files = {a.path: a.content for a in nosql_schema_artifacts(design, "mongodb", None)}
        self.script = files["ddl/mongodb.js"].decode()
        self.collections = {c["name"]: c for c in json.loads(files["ddl/mongodb.json"])["collections"]}
        self.requests = json.loads(nosql_queries_artifacts(design, "mongodb")[0].content)["queries"]
        self.reference = Reference(design, root / "seed")
        self.database = mongomock.MongoClient()[design.name]
        self.documents = load_seed(self.database, root / "seed" / "mongodb.jsonl")

    def schema(self, collection: str) -> dict:
        return self.collections[collection]["options"]["validator"]["$jsonSchema"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    return example_loader(tmp_path_factory, "mongodb", SEED_ROWS, Built)


def _cases():
    for name in EXAMPLES:
        for read in mongodb_model(design_for(name, "mongodb")).reads:
            yield name, read.name


@pytest.mark.parametrize("design_name, query", list(_cases()))
def test_each_access_pattern_answers_from_the_mongo_engine_as_duckdb_does_over_the_same_seed(loaded, design_name,
                                                                                                query):
    built = loaded(design_name)
    model = mongodb_model(built.design)
    read = next(r for r in model.reads if r.name == query)

    def projected(request: dict, parameters: dict):
        """The pipeline's $project also names the sort fields the comparison asks for."""
        entity = read.entity
        columns = {entity.physical(c.name): c.name for c in entity.columns}
        embedded = entity.name in model.embedded
        project = dict(request["pipeline"][-1]["$project"])
        for field in request["fields"]:
            project.setdefault(field, "$" + (field if embedded else document_field(entity, columns[field])))
        request = dict(request, pipeline=request["pipeline"][:-1] + [{"$project": project}])
        return answer(built.database, request, parameters)

    check_pattern(built.reference, read, built.requests[query], projected)


@pytest.mark.parametrize("design_name", EXAMPLES)
def test_every_seed_document_passes_its_collections_validator(loaded, design_name):
    built = loaded(design_name)
    checked = 0
    for name in built.collections:
        for document in built.database[name].find():
            problems = validate(built.schema(name), document)
            assert not problems, (name, document["_id"], problems)
            checked += 1
    assert checked == built.documents > 0  # every document loaded was checked


# One corruption per keyword the validators use: (collection, what it does to a good document,
# the keyword that refuses it). Each good document passes unchanged first (its twin).
CORRUPTIONS = [
    ("customer", lambda d: d.update(tier="platinum"), "enum"),
    ("customer", lambda d: d.update(email="no-at-sign.example.org"), "pattern"),
    ("customer", lambda d: d.update(name="x" * 121), "maxLength"),
    ("customer", lambda d: d.pop("email"), "required"),
    ("customer", lambda d: d.update(nickname="extra"), "additionalProperties"),
    ("customer", lambda d: d.update(created_at="2024-01-01"), "bsonType"),
    ("product", lambda d: d.update(price=__import__("bson").Decimal128("0")), "exclusiveMinimum"),
    ("order", lambda d: d.update(total=__import__("bson").Decimal128("-0.01")), "minimum"),
    ("order", lambda d: d["order_item"][0].update(quantity=101), "maximum"),
    ("order", lambda d: d["order_item"][0].pop("unit_price"), "items"),
]


@pytest.mark.parametrize("collection, corrupt, keyword", CORRUPTIONS, ids=[c[2] for c in CORRUPTIONS])
def test_a_document_corrupted_for_each_keyword_fails_its_validator_and_its_good_twin_passes(loaded, collection,
                                                                                             corrupt, keyword):
    built = loaded("orderdesk")
    schema = built.schema(collection)
    query = {"order_item.0": {"$exists": True}} if collection == "order" else {}
    good = built.database[collection].find_one(query)
    assert validate(schema, good) == []
    bad = copy.deepcopy(good)
    corrupt(bad)
    problems = validate(schema, bad)
    assert problems, f"{keyword}: the corrupted document passed"
    assert keyword in json.dumps(schema), f"the validator does not use {keyword}"


def test_a_schema_with_a_keyword_mongodb_does_not_support_is_refused(loaded):
    built = loaded("orderdesk")
    schema = copy.deepcopy(built.schema("customer"))
    schema["properties"]["email"]["format"] = "email"  # JSON Schema's, not MongoDB's
    with pytest.raises(ValueError, match=r"\$\.properties\.email\.format"):
        validate(schema, built.database["customer"].find_one())


def test_owned_one_to_few_children_are_embedded_and_the_rest_referenced(loaded):
    built = loaded("orderdesk")
    model = mongodb_model(built.design)
    assert {child: e.parent for child, e in model.embedded.items()} == {"order_item": "order"}
    assert set(built.collections) == {"customer", "product", "order", "shipment"}  # shipment: its own queries
    order = built.database["order"].find_one({"order_item.0": {"$exists": True}})
    assert all(item["order_id"] == order["_id"] for item in order["order_item"])
    indexes = {(i["options"]["name"], i["options"].get("unique", False)) for i in built.collections["customer"]["indexes"]}
    assert ("email_1", True) in indexes
    # an index's keys keep their order in the JSON (equality, then the sort: ESR)
    biggest = next(i for i in built.collections["order"]["indexes"] if "biggest_orders_of_customer" in i["queries"])
    assert list(biggest["key"].items()) == [("customer_id", 1), ("total", -1), ("placed_at", -1)]


@pytest.mark.parametrize("design_name", EXAMPLES)
def test_the_mongosh_script_parses(loaded, design_name, tmp_path):
    if shutil.which("node") is None:
        unavailable("node is not installed (Debian: nodejs)")
    script = tmp_path / "mongodb.js"
    script.write_text(loaded(design_name).script)
    checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
