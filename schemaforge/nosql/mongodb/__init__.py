"""The MongoDB target: collections with embedding decided per relationship, $jsonSchema
validators with a faithful validator, indexes from the queries, the seed as insert commands, and
pipelines that answer each pattern."""
