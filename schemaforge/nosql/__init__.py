"""The NoSQL targets: a physical model per family, made from the design and its access patterns
(`reads.py` says what each pattern asks of one entity), then rendered as the store's own schema,
seed and requests."""
