"""Reserved words per target: an identifier spelled like one is quoted there, never renamed.

Each list is the engine's own: tests compare them with `pg_get_keywords()`, `duckdb_keywords()`,
what SQLite, MariaDB and chdb refuse as bare names, and MySQL 8's list as sqlglot keeps it, so an
engine release that reserves more fails CI. SQL Server's and Oracle's come from their manuals.
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

# MySQL 8.0's reserved words (INFORMATION_SCHEMA.KEYWORDS where RESERVED = 1, as sqlglot lists
# them) and the three more that MariaDB 10.11 reserves: current_role, offset, returning.
MYSQL = frozenset(
    """
    accessible add all alter analyze and as asc asensitive before between bigint binary blob
    both by call cascade case change char character check collate column condition constraint
    continue convert create cross cube cume_dist current_date current_role current_time
    current_timestamp current_user cursor database databases day_hour day_microsecond day_minute
    day_second dec decimal declare default delayed delete dense_rank desc describe deterministic
    distinct distinctrow div double drop dual each else elseif empty enclosed escaped except
    exists exit explain false fetch first_value float float4 float8 for force foreign from
    fulltext function generated get grant group grouping groups having high_priority
    hour_microsecond hour_minute hour_second if ignore in index infile inner inout insensitive
    insert int int1 int2 int3 int4 int8 integer intersect interval into io_after_gtids
    io_before_gtids is iterate join json_table key keys kill lag last_value lateral lead leading
    leave left like limit linear lines load localtime localtimestamp lock long longblob longtext
    loop low_priority master_bind master_ssl_verify_server_cert match maxvalue mediumblob
    mediumint mediumtext middleint minute_microsecond minute_second mod modifies natural
    no_write_to_binlog not nth_value ntile null numeric of offset on optimize optimizer_costs
    option optionally or order out outer outfile over partition percent_rank precision primary
    procedure purge range rank read read_write reads real recursive references regexp release
    rename repeat replace require resignal restrict return returning revoke right rlike row
    row_number rows schema schemas second_microsecond select sensitive separator set show signal
    smallint spatial specific sql sql_big_result sql_calc_found_rows sql_small_result
    sqlexception sqlstate sqlwarning ssl starting stored straight_join system table terminated
    then tinyblob tinyint tinytext to trailing trigger true undo union unique unlock unsigned
    update usage use using utc_date utc_time utc_timestamp values varbinary varchar varcharacter
    varying virtual when where while window with write xor year_month zerofill
    """.split()
)

# Words sqlglot's parser cannot read as a bare name in these dialects (found by parsing each
# word's DDL back): they are quoted too, so the parse check holds; the engines accept either.
SQLGLOT_TSQL_BARE = frozenset(
    "concurrently exclude false glob ilike lateral notnull out qualify regexp returning rlike true using xor".split()
)
SQLGLOT_ORACLE_BARE = frozenset(
    """
    case concurrently constraint cross except exclude fetch function glob if ilike inner join lateral
    notnull out outer qualify regexp returning rlike rollback sample tablesample true false using when xor
    """.split()
)

# SQL Server's reserved keywords (Transact-SQL reference), and the ODBC ones it also refuses bare.
SQLSERVER = frozenset(
    """
    add all alter and any as asc authorization backup begin between break browse bulk by cascade
    case check checkpoint close clustered coalesce collate column commit compute constraint
    contains containstable continue convert create cross current current_date current_time
    current_timestamp current_user cursor database dbcc deallocate declare default delete deny
    desc disk distinct distributed double drop dump else end errlvl escape except exec execute
    exists exit external fetch file fillfactor for foreign freetext freetexttable from full
    function goto grant group having holdlock identity identity_insert identitycol if in index
    inner insert intersect into is join key kill left like lineno load merge national nocheck
    nonclustered not null nullif of off offsets on open opendatasource openquery openrowset
    openxml option or order outer over percent pivot plan precision primary print proc procedure
    public raiserror read readtext reconfigure references replication restore restrict return
    revert revoke right rollback rowcount rowguidcol rule save schema securityaudit select
    semantickeyphrasetable semanticsimilaritydetailstable semanticsimilaritytable session_user
    set setuser shutdown some statistics system_user table tablesample textsize then to top tran
    transaction trigger truncate try_convert tsequal union unique unpivot update updatetext use
    user values varying view waitfor when where while with within writetext
    """.split()
) | SQLGLOT_TSQL_BARE


# Oracle's reserved words (SQL Language Reference, "Oracle SQL Reserved Words").
ORACLE = frozenset(
    """
    access add all alter and any as asc audit between by char check cluster column column_value
    comment compress connect create current date decimal default delete desc distinct drop else
    exclusive exists file float for from grant group having identified immediate in increment
    index initial insert integer intersect into is level like lock long maxextents minus mlslabel
    mode modify nested_table_id noaudit nocompress not nowait null number of offline on online
    option or order pctfree prior public raw rename resource revoke row rowid rownum rows select
    session set share size smallint start successful synonym sysdate table then to trigger uid
    union unique update user validate values varchar varchar2 view whenever where with
    """.split()
) | SQLGLOT_ORACLE_BARE


# ClickHouse reserves few words; these are the ones it refuses as a bare table or column name in
# DDL, a CHECK or an ORDER BY (probed with chdb), and the clause words quoted to be safe.
CLICKHOUSE = frozenset(
    """
    alias all and any array as asof between by case constraint default distinct else end except
    false final format from function global group having in index interval is join key like limit
    materialized not null on or order prewhere primary sample select settings table then top true
    union when where with
    """.split()
)

# PostgreSQL's own type names (pg_catalog, which every search_path reads first) and the SQL
# standard's spellings of its types: a domain of one of these names would never be found.
POSTGRES_TYPE_NAMES = frozenset(
    """
    aclitem any anyarray anycompatible anycompatiblearray anycompatiblemultirange anycompatiblenonarray
    anycompatiblerange anyelement anyenum anymultirange anynonarray anyrange bit bool box bpchar bytea char cid
    cidr circle cstring date datemultirange daterange event_trigger fdw_handler float4 float8 gtsvector
    index_am_handler inet int2 int2vector int4 int4multirange int4range int8 int8multirange int8range internal
    interval json jsonb jsonpath language_handler line lseg macaddr macaddr8 money name numeric nummultirange
    numrange oid oidvector path point polygon record refcursor regclass regcollation regconfig regdictionary
    regnamespace regoper regoperator regproc regprocedure regrole regtype table_am_handler text tid time
    timestamp timestamptz timetz trigger tsm_handler tsmultirange tsquery tsrange tstzmultirange tstzrange
    tsvector txid_snapshot unknown uuid varbit varchar void xid xid8 xml
    int integer smallint bigint real float double decimal dec boolean character national nchar
    """.split()
)
