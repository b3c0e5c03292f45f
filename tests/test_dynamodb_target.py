"""The DynamoDB target on dynalite, a local DynamoDB that validates requests as DynamoDB does:
the CreateTable input (ddl/dynamodb.json) accepted, the seed's BatchWriteItem requests loaded,
every access pattern answered by its request (queries/dynamodb.json) and compared with DuckDB's
answer to the design's own DuckDB query over the same seed (tests/nosql_answers.py says how).

The designs: orderdesk (written for DynamoDB: an order service) and every other example rendered
for DynamoDB. A design that needs more than DynamoDB's 20 GSIs is a located error, and nothing
is written for it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, require_module, unavailable
from nosql_answers import Reference, check_pattern, design_for, example_loader
from schemaforge.cli import main as cli_main
from schemaforge.deliverables.generate import nosql_queries_artifacts, nosql_schema_artifacts
from schemaforge.design.loader import load_design_text
from schemaforge.findings import DesignErrors
from schemaforge.lint.rules import lint_design
from schemaforge.nosql.dynamodb.model import dynamodb_model
from schemaforge.nosql.dynamodb.render import create_table_input
from schemaforge.nosql.dynamodb.run import answer, create_table, load_seed

DYNALITE = ROOT / ".node" / "node_modules" / ".bin" / "dynalite"
DESIGNS_HERE = EXAMPLES
# dynalite writes a few thousand items a second: each design's seed is scaled to this many rows
# (the reference answers from the same seed).
SEED_ITEMS = 12_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def dynamodb():
    """A dynalite of the module's own (in memory), and a boto3 client of it."""
    boto3 = require_module("boto3")
    if not DYNALITE.exists():
        unavailable(f"dynalite is not installed at {DYNALITE}; ./setup.sh installs it with npm")
    port = _free_port()
    server = subprocess.Popen([str(DYNALITE), "--port", str(port), "--createTableMs", "0", "--deleteTableMs", "0",
                               "--updateTableMs", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    deadline = time.monotonic() + 20
    while True:
        try:
            client.list_tables()
            break
        except Exception:  # not listening yet
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                unavailable(f"dynalite did not start: {server.stdout.read().decode()[-500:]}")
            time.sleep(0.1)
    yield client
    server.kill()
    server.wait()


class Built:
    def __init__(self, design, root: Path, client):
        self.design, self.client = design, client
        files = {a.path: a.content for a in nosql_schema_artifacts(design, "dynamodb", None)}
        self.create_input = json.loads(files["ddl/dynamodb.json"])
        self.requests = json.loads(nosql_queries_artifacts(design, "dynamodb")[0].content)["queries"]
        self.reference = Reference(design, root / "seed")
        create_table(client, self.create_input)
        self.items = load_seed(client, root / "seed" / "dynamodb.json")


@pytest.fixture(scope="module")
def loaded(dynamodb, tmp_path_factory):
    """Each design's table created and its seed loaded once for the module (its patterns only read)."""
    return example_loader(tmp_path_factory, "dynamodb", SEED_ITEMS, lambda design, root: Built(design, root, dynamodb))


def _cases():
    for name in DESIGNS_HERE:
        for lookup in dynamodb_model(design_for(name, "dynamodb")).lookups:
            yield name, lookup.read.name


@pytest.mark.parametrize("design_name, query", list(_cases()))
def test_each_access_pattern_answers_from_dynamodb_as_duckdb_does_over_the_same_seed(loaded, design_name, query):
    built = loaded(design_name)
    read = next(lookup.read for lookup in dynamodb_model(built.design).lookups if lookup.read.name == query)
    check_pattern(built.reference, read, built.requests[query], lambda request, p: answer(built.client, request, p))


def test_orderdesk_keeps_orders_in_their_customers_partition_and_items_in_their_orders(loaded):
    built = loaded("orderdesk")
    model = dynamodb_model(built.design)
    assert (model.items["order"].partition_prefix, model.items["order"].order) == ("customer", "placed_at")
    assert (model.items["order_item"].partition_prefix, model.items["order_item"].order) == ("order", "line")
    assert model.items["shipment"].partition_prefix == "order"  # the order's collection holds both
    customer = built.reference.parameters("orders_of_customer")["customer_id"]
    collection = built.client.query(TableName=model.table, KeyConditionExpression="PK = :p",
                                    ExpressionAttributeValues={":p": {"S": f"customer#{customer}"}})["Items"]
    kinds = {item["_entity"]["S"] for item in collection}
    assert kinds == {"customer", "order"}  # one Query reads the customer and their orders
    assert built.create_input["BillingMode"] == "PAY_PER_REQUEST" and len(built.create_input["GlobalSecondaryIndexes"]) == 4


def test_a_sparse_index_holds_only_the_rows_its_pattern_can_return(loaded):
    built = loaded("orderdesk")
    keys = next(k for k in dynamodb_model(built.design).indexes["order"] if "pending_orders" in k.queries)
    pages = built.client.get_paginator("scan").paginate(TableName=built.create_input["TableName"],
                                                         IndexName=keys.index, Select="COUNT")
    held = sum(page["Count"] for page in pages)
    pending, orders = built.reference.duck.execute(
        "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FROM \"order\"").fetchone()
    assert held == pending and 0 < pending < orders


GSI_HEAVY = """
design: wide
version: 1.0.0
description: one entity read twenty-one ways
database: dynamodb
entities:
  reading:
    description: a sensor reading
    fields:
      id: {type: bigint, pk: true}
{fields}
queries:
{queries}
"""


def _gsi_text(count: int) -> str:
    fields = "\n".join(f"      f{i}: {{type: integer}}" for i in range(count))
    queries = "\n".join(f"  by_f{i}: {{entity: reading, filter: {{f{i}: eq}}}}" for i in range(count))
    return GSI_HEAVY.replace("{fields}", fields).replace("{queries}", queries)


def _gsi_design(count: int):
    return load_design_text(_gsi_text(count), "designs/wide.yaml", "wide")


def test_twenty_gsis_are_accepted_by_the_local_dynamodb_and_a_21st_is_a_located_error(dynamodb, tmp_path, capsys):
    twenty = _gsi_design(20)
    assert not [f for f in lint_design(twenty) if f.code == "DY101"]
    create_table(dynamodb, create_table_input(dynamodb_model(twenty)) | {"TableName": "wide_twenty"})
    assert len(dynamodb.describe_table(TableName="wide_twenty")["Table"]["GlobalSecondaryIndexes"]) == 20
    # DynamoDB itself refuses a 21st, as the model says
    too_many = create_table_input(dynamodb_model(twenty)) | {"TableName": "wide_refused"}
    too_many["GlobalSecondaryIndexes"].append(dict(too_many["GlobalSecondaryIndexes"][0], IndexName="GSI21"))
    with pytest.raises(Exception, match="GlobalSecondaryIndex count exceeds the per-table limit of 20"):
        dynamodb.create_table(**too_many)
    # a design that needs a 21st: the error is at the query that needs it
    text = _gsi_text(21)
    [error] = [f for f in lint_design(_gsi_design(21)) if f.code == "DY101"]
    line = text.splitlines().index("  by_f20: {entity: reading, filter: {f20: eq}}") + 1
    assert (error.location.file, error.location.line, error.severity) == ("designs/wide.yaml", line, "error")
    with pytest.raises(DesignErrors, match="DY101"):
        nosql_schema_artifacts(_gsi_design(21), "dynamodb", None)
    # and the build stops before any file of the DynamoDB schema is written
    design_file = tmp_path / "designs" / "wide.yaml"
    design_file.parent.mkdir()
    design_file.write_text(text)
    assert cli_main(["build", "--build", str(tmp_path / "build"), str(design_file)]) != 0
    said = capsys.readouterr()
    assert f":{line}:" in said.out + said.err and "[DY101]" in said.out + said.err
    assert not list((tmp_path / "build").rglob("dynamodb.*"))
