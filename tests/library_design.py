"""A lending library's design with eight access patterns of every filter shape (a soft delete,
NULLs in a sort, a join in an `sql` query): the queries' and the index plan's tests use it."""

LIBRARY = """\
design: library
version: 1.0.0
description: A lending library's books, members and loans
targets: [postgres, mysql, sqlite, sqlserver, oracle, duckdb, clickhouse]
entities:
  member:
    patterns: [soft_delete]
    fields:
      id: {type: bigint, pk: true}
      handle: {type: string(40), unique: true}
      name: {type: string(200)}
      joined_on: {type: date}
  book:
    fields:
      id: {type: bigint, pk: true}
      isbn: {type: string(20), unique: true}
      title: {type: string(200)}
      genre: {type: "enum(fiction, science, history, poetry)"}
      published_on: {type: date, nullable: true}
  loan:
    fields:
      id: {type: bigint, pk: true}
      book: {ref: book}
      member: {ref: member}
      lent_at: {type: timestamptz}
      returned_at: {type: timestamptz, nullable: true}
      status: {type: "enum(open, returned, lost)", default: open}
queries:
  member_by_handle: {entity: member, filter: {handle: eq}}
  loans_of_member:
    entity: loan
    filter: {member: eq, lent_at: range}
    order_by: [lent_at desc, id]
    select: [id, book, lent_at]
    limit: 20
    rate: 500
    p95_ms: 20
  books_in_genres: {entity: book, filter: {genre: in}, order_by: [id], limit: 50}
  books_by_title_prefix: {entity: book, filter: {title: prefix}, order_by: [title, id], limit: 20}
  returned_loans_of_book: {entity: loan, filter: {book: eq, returned_at: not_null}, order_by: [returned_at desc, id]}
  open_loans: {entity: loan, filter: {status: {eq: open}}, order_by: [lent_at, id], limit: 100}
  books_by_publication: {entity: book, order_by: [published_on desc, id], limit: 10}
  titles_lent_to_member:
    sql: "SELECT l.id, b.title FROM loan l JOIN book b ON b.id = l.book_id WHERE l.member_id = :member_id ORDER BY l.id"
seed:
  random_seed: 3
  rows: {member: 200, book: 300, loan: 2000}
"""
