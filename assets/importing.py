"""The `import_design` job: `schemaforge import` from the Dagster UI, the source as run config.

Launch it from the Launchpad with, say:

    ops:
      import_design:
        config: {source: "postgresql://app@db.internal:5432/shop", design: shop}

It writes designs/shop.yaml (never over a design that is there unless `force: true`) and logs
each finding; after a reload of the code location the design's assets appear.
"""

# No `from __future__ import annotations`: Dagster reads the config class's annotations as types.
from typing import Optional

import dagster as dg

from schemaforge.config import designs_dir
from schemaforge.importer.run import ImportFailed, import_design


class ImportConfig(dg.Config):
    source: str  # postgresql://..., mysql://..., a SQLite file, or a DDL file
    design: str  # the design's name: writes designs/<design>.yaml
    schema_name: Optional[str] = None  # PostgreSQL: the schema to read (public)
    dialect: Optional[str] = None  # a DDL file's dialect, when its name does not say it
    force: bool = False  # replace the design if it exists


@dg.op(name="import_design", description=__doc__.splitlines()[0])
def import_design_op(context: dg.OpExecutionContext, config: ImportConfig) -> str:
    try:
        path, findings = import_design(config.source, config.design, designs_dir(), schema=config.schema_name,
                                       dialect=config.dialect, force=config.force)
    except ImportFailed as problem:
        raise dg.Failure(description=str(problem)) from None
    for finding in findings:
        if finding.severity != "info":
            context.log.warning(str(finding))
    context.add_output_metadata({
        "design_file": dg.MetadataValue.path(str(path)),
        "findings": len(findings),
        "not held (IM)": sum(f.code.startswith("IM") for f in findings),
    })
    return str(path)


@dg.job(name="import_design", description="Write designs/<design>.yaml from an existing database or DDL file")
def import_job():
    import_design_op()
