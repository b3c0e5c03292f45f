"""Reserved words per target: an identifier spelled like one is quoted there, never renamed.

Each list is the engine's own: tests compare them with `pg_get_keywords()`,
`duckdb_keywords()` and SQLite's behaviour, so a new engine release that reserves more fails CI.
"""

# pg_get_keywords() of PostgreSQL 15, categories R (reserved) and T (type or function name).
POSTGRES = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast
    check collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user default
    deferrable desc distinct do else end except false fetch for foreign freeze from full grant
    group having ilike in initially inner intersect into is isnull join lateral leading left
    like limit localtime localtimestamp natural not notnull null offset on only or order outer
    overlaps placing primary references returning right select session_user similar some
    symmetric table tablesample then to trailing true union unique user using variadic verbose
    when where window with
    """.split()
)

# duckdb_keywords() of DuckDB 1.5, categories reserved and type_function.
DUCKDB = frozenset(
    """
    all analyse analyze and anti any array as asc asof asymmetric at authorization binary both
    by case cast check collate collation column columns concurrently constraint create cross
    default deferrable desc describe distinct do else end except false fetch for foreign freeze
    from full generated glob group having ilike in initially inner intersect into is isnull join
    lambda lateral leading left like limit map natural not notnull null offset on only or order
    outer overlaps pivot pivot_longer pivot_wider placing positional primary qualify references
    returning right select semi show similar some struct summarize symmetric table tablesample
    then to trailing true try_cast union unique unpack unpivot using variadic verbose when where
    window with
    """.split()
)

# SQLite's keyword list (sqlite3_keyword_name), all 147 of them: quoting them is always safe.
SQLITE = frozenset(
    """
    abort action add after all alter always analyze and as asc attach autoincrement before begin
    between by cascade case cast check collate column commit conflict constraint create cross
    current current_date current_time current_timestamp database default deferrable deferred
    delete desc detach distinct do drop each else end escape except exclude exclusive exists
    explain fail filter first following for foreign from full generated glob group groups having
    if ignore immediate in index indexed initially inner insert instead intersect into is isnull
    join key last left like limit match materialized natural no not nothing notnull null nulls
    of offset on or order others outer over partition plan pragma preceding primary query raise
    range recursive references regexp reindex release rename replace restrict returning right
    rollback row rows savepoint select set table temp temporary then ties to transaction trigger
    unbounded union unique update using vacuum values view virtual when where window with
    without
    """.split()
)
