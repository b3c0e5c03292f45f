"""The language reference (docs/design-language.md) in step with the loader: every key the loader
knows is documented, every example reads in a standard YAML parser and fits the shipped JSON
Schema, and a complete example loads. The README stays inside the repository."""

from __future__ import annotations

import copy
import json
import re
import typing

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from conftest import ROOT
from schemaforge.design.loader import load_design_text
from schemaforge.design.syntax import DesignDoc

DOC = ROOT / "docs" / "design-language.md"
SCHEMA = json.loads((ROOT / "schemaforge" / "design" / "design.schema.json").read_text())
BASE = {"design": "library", "version": "1.0.0", "description": "docs example",
        "entities": {"book": {"fields": {"id": {"type": "bigint", "pk": True}}}}}


def models(annotation, seen=None) -> set[type[BaseModel]]:
    """Every pydantic model reachable from `annotation`."""
    seen = set() if seen is None else seen
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for info in annotation.model_fields.values():
                models(info.annotation, seen)
        return seen
    for arg in typing.get_args(annotation):
        models(arg, seen)
    return seen


def documented_keys() -> set[tuple[str, str]]:
    return {(m.__name__, info.alias or name) for m in models(DesignDoc) for name, info in m.model_fields.items()}


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)


def test_every_key_the_loader_knows_is_documented():
    text = DOC.read_text()
    missing = sorted(f"{model}.{key}" for model, key in documented_keys() if f"`{key}`" not in text and f"{key}:" not in text)
    assert missing == []


def _as_design(block: dict) -> dict:
    """A fragment placed where it belongs in a small design."""
    design = copy.deepcopy(BASE)
    if "design" in block:
        return block
    if set(block) <= {"fields"}:
        design["entities"]["book"]["fields"] |= block["fields"]
    elif set(block) <= {"indexes"}:
        design["entities"]["book"]["indexes"] = block["indexes"]
    else:
        design |= block
    return design


@pytest.mark.parametrize("number", range(len(yaml_blocks())))
def test_every_example_reads_in_standard_yaml_and_fits_the_json_schema(number):
    block = yaml.safe_load(yaml_blocks()[number])
    jsonschema.validate(_as_design(block), SCHEMA)


def test_the_complete_examples_load():
    complete = [b for b in yaml_blocks() if re.search(r"^design:", b, re.M)]
    assert complete
    for block in complete:
        load_design_text(block, "docs/design-language.md", "library")


def test_a_key_the_loader_rejects_is_not_documented_as_valid():
    # The good twin of the test above: a misspelt key fails the same schema check.
    bad = _as_design({"fields": {"isbn": {"type": "string(13)", "uniqe": True}}})
    with pytest.raises(jsonschema.ValidationError, match="uniqe"):
        jsonschema.validate(bad, SCHEMA)


def test_the_readme_links_the_reference_and_nothing_outside_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "(docs/design-language.md)" in readme
    links = re.findall(r"\]\(([^)#]+)", readme)
    outside = [link for link in links if not link.startswith(("http://", "https://"))
               and not (ROOT / link).resolve().is_relative_to(ROOT)]
    assert outside == []
    missing = [link for link in links if not link.startswith(("http://", "https://")) and not (ROOT / link).exists()]
    assert missing == []
