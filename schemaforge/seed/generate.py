"""The seed generator: a design in, one Parquet file per entity out, in bounded memory.

Entities are generated in creation order, BATCH_ROWS rows at a time. In each batch the
identity and value columns are drawn first, then the references (from the parents' stored keys),
then the columns ordered after others. DuckDB then evaluates every check over the batch and the
rows that fail are redrawn, in new random streams, until none fail. References that close a
cycle are filled once every entity exists, and the business rules that have a known shape are
then made to hold (see rules.py). A last pass counts what still fails, so nothing is violated
silently: it is reported by name.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlglot import exp

from schemaforge.seed import keys
from schemaforge.seed.history import write_histories
from schemaforge.seed.trees import derive_closures, derive_tree_columns
from schemaforge.seed.estimate import LARGE_SEED_ROWS
from schemaforge.seed.events import number_the_streams
from schemaforge.seed.plan import EntityPlan, plan_entity, row_counts
from schemaforge.seed.report import SeedProblem, SeedResult
from schemaforge.seed.rules import make_rules_hold
from schemaforge.seed.sql import parquet_path, sandboxed_connection
from schemaforge.seed.streams import stream
from schemaforge.seed.tenants import DistinctWithinTenant, tenant_blocks
from schemaforge.seed.values import INTEGER_RANGES, Unsatisfiable, arrow_type, column_values, with_nulls
from schemaforge.seed.verify import verify
from schemaforge.design.literals import python_value
from schemaforge.design.model import Design, Entity, ForeignKey
from schemaforge.design.order import creation_order

BATCH_ROWS = 262_144  # fixed: the data depends on it, so it is part of the seed's definition
PROGRESS_BATCHES = 20  # a large entity's progress is logged every 5,242,880 rows
log = logging.getLogger(__name__)
REDRAW_ROUNDS = 8
# DuckDB's share of the build's memory (it spills past it): with the Python side's batches, the
# whole build stays under 2 GiB at any row count (bench/big_build.py).
DUCKDB_MEMORY_MB = 768
DUCKDB_MEMORY_LIMIT = f"{DUCKDB_MEMORY_MB}MB"


def quoted_sql(tree: exp.Expression, dialect: str = "duckdb") -> str:
    """An expression over logical column names, every identifier quoted."""
    def quote(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return exp.column(node.name, table=node.table or None, quoted=True)
        return node
    return tree.copy().transform(quote).sql(dialect=dialect)


def parquet_options(entity: Entity) -> dict:
    """Dictionary encoding only where values repeat (enums, booleans): elsewhere it costs half
    the write time and saves little."""
    repeated = [c.physical for c in entity.columns if c.type.kind in ("enum", "boolean")]
    return {"compression": "zstd", "use_dictionary": repeated}


def physical_schema(entity: Entity) -> pa.Schema:
    # A deferrable reference's column is empty until its cycle's other tables exist.
    filled_later = {c for fk in entity.foreign_keys if fk.deferrable for c in fk.columns}
    return pa.schema([pa.field(c.physical, arrow_type(c.type), nullable=c.nullable or c.generated is not None
                               or c.name in filled_later) for c in entity.columns])


class GeneratorFailed(Exception):
    """A column the generator could not fill: a bug or a limit of ours, reported as a seed
    problem at the column's line, never as a library's traceback."""

    def __init__(self, message: str, path: tuple):
        super().__init__(message)
        self.path = path


def one_per_parent(entity: Entity, fk: ForeignKey) -> bool:
    """A reference no two rows may share: declared one-to-one (`ref` + `unique`), or whose
    columns are by themselves the entity's key or one of its uniques."""
    columns = set(fk.columns)
    return fk.one_to_one or columns == set(entity.primary_key) or any(columns == set(u.columns) for u in entity.uniques)


def reference_null_fraction(design: Design, entity: Entity, fk: ForeignKey) -> float:
    """The share of NULLs in a nullable reference: the seed section's `null_fraction:`, else a
    tenth (a fifth for a one-to-one, whose parents run out sooner)."""
    seed = design.doc.seed.fields.get(f"{entity.name}.{fk.field}")
    if seed is not None and seed.null_fraction is not None:
        return float(seed.null_fraction)
    return 0.2 if fk.one_to_one else 0.1


class _EntityGenerator:
    def __init__(self, design: Design, plan: EntityPlan, counts: dict[str, int], store: keys.KeyStore,
                 con: duckdb.DuckDBPyConnection):
        self.design = design
        self.plan = plan
        self.entity = plan.entity
        self.counts = counts
        self.store = store
        self.con = con
        self.random_seed = design.doc.seed.random_seed
        self.blocks = tenant_blocks(design, counts) if self.entity.tenant_key else None
        self.distinct = {name: self._distinct(name, group) for name, group in plan.distinct_within.items()}
        self._group_rows: dict[str, np.ndarray] = {}  # group reference -> this batch's parent rows

    def _distinct(self, name: str, group: str):
        group_n, second_n = self.counts[self._fk(group).target], self.counts[self._fk(name).target]
        excluding = self._excludes_own_group(name, group)
        if self._fk(name).tenant_scoped and self.blocks is not None:
            return DistinctWithinTenant(self.blocks, group_n, second_n, self._key(name), excluding_own_group=excluding)
        return keys.DistinctWithinGroup(group_n, second_n, self._key(name), excluding_own_group=excluding)

    def _in_tenant(self, fk: ForeignKey, rows: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(parent rows, has one) of the tenant reference and of each tenant-scoped reference:
        the row's own tenant, and parents of that tenant only (see seed/tenants.py)."""
        n, parent_n = self.counts[self.entity.name], self.counts[fk.target]
        if not fk.tenant_scoped:  # the tenant reference itself
            return self.blocks.tenant_of(n, rows), np.ones(len(rows), dtype=bool)
        if fk.target == self.entity.name:
            picked, valid = self.blocks.earlier(rng, n, rows)
            return (picked, valid) if fk.nullable else (np.where(valid, picked, rows), np.ones(len(rows), dtype=bool))
        picked, valid = (self.blocks.one_each if one_per_parent(self.entity, fk) else
                         lambda *a: self.blocks.parents(rng, *a))(n, parent_n, rows)
        if not fk.nullable and not valid.all():
            raise Unsatisfiable(f"'{self.entity.name}' needs a '{fk.target}' row of the same tenant for each of its rows, "
                                f"and {self.counts[fk.target]} rows of '{fk.target}' leave some tenants without one", fk.path)
        return picked, valid

    def _excludes_own_group(self, name: str, group: str) -> bool:
        """Must the reference `name` differ from its group reference, both to the same table?"""
        return self.plan.differs_from.get(name) == group and self._fk(name).target == self._fk(group).target

    def _fk(self, name: str) -> ForeignKey:
        return next(fk for fk in self.entity.foreign_keys if fk.name == name)

    def _key(self, *parts) -> int:
        return int(stream(self.random_seed, self.entity.name, "key", *parts).integers(0, 2**62))

    def _rng(self, column: str, batch: int, round_: int = 0) -> np.random.Generator:
        return stream(self.random_seed, self.entity.name, column, batch, round_)

    # -- one batch -------------------------------------------------------------------------
    def batch(self, number: int, start: int, n: int) -> pa.Table:
        rows = np.arange(start, start + n, dtype=np.int64)
        values: dict[str, pa.Array] = {}
        for column in self.entity.columns:
            if column.identity:
                values[column.name] = pa.array(rows + 1, arrow_type(column.type))
        for name, spec in self.plan.columns.items():
            if name not in self.plan.orderings:
                values[name] = self._generated(spec, lambda: column_values(spec, self._rng(name, number), rows))
        self.store.add(self.entity.name, values)
        fk_values: dict[str, pa.Array] = {}
        for fk in self.plan.foreign_keys:
            drawn = self.references(fk, number, rows, values | fk_values)
            # Stored as soon as drawn (once per column: a tenant key comes from several
            # references), for a self reference drawn next to read this batch's rows.
            self.store.add(self.entity.name, {c: v for c, v in drawn.items() if c not in fk_values})
            fk_values.update(drawn)
        values |= fk_values
        for fk in self.plan.deferred:
            for column in fk.columns:
                values[column] = pa.nulls(n, arrow_type(self.entity.column(column).type))
        for later in self._ordered_later():
            values[later] = self._generated(self.plan.columns[later],
                                            lambda: self.after(later, self._rng(later, number), rows, values))
        table, failed = self.evaluate(pa.table({c.name: values[c.name] for c in self.entity.columns if c.generated is None}))
        return self.enforce_checks(table, failed, number, rows)

    def _generated(self, spec, make) -> pa.Array:
        """`make()`'s values for a column; a failure names the entity, the column and its line."""
        try:
            return make()
        except Unsatisfiable:
            raise
        except Exception as error:  # any library's error: report it where the column is written
            raise GeneratorFailed(
                f"could not generate values for '{self.entity.name}.{spec.column.name}' ({spec.type}): "
                f"{type(error).__name__}: {error}", spec.column.path) from error

    def _ordered_later(self) -> list[str]:
        done, order = set(), []

        def visit(name: str) -> None:
            if name in done:
                return
            done.add(name)
            earlier = self.plan.orderings[name].earlier
            if earlier in self.plan.orderings:
                visit(earlier)
            order.append(name)

        for name in self.plan.orderings:
            visit(name)
        return order

    def references(self, fk: ForeignKey, number: int, rows: np.ndarray, values: dict) -> dict[str, pa.Array]:
        parents = self.counts[fk.target]
        rng = self._rng(fk.name, number)
        n = len(rows)
        valid = np.ones(n, dtype=bool)
        if parents == 0:
            if not fk.nullable:
                raise Unsatisfiable(f"'{self.entity.name}' needs rows of '{fk.target}' to reference, and it has none", fk.path)
            picked = np.zeros(n, dtype=np.int64)
            valid[:] = False
        elif fk.name in self.distinct:
            group_fk = self._fk(self.plan.distinct_within[fk.name])
            group_rows = self._group_rows[group_fk.name]
            new_groups, picked = self.distinct[fk.name].assign(rng, group_rows)
            if self._excludes_own_group(fk.name, group_fk.name):
                picked = self.distinct[fk.name].avoiding_groups(new_groups, picked)
            if not np.array_equal(new_groups, group_rows):  # a full group passed children on
                return self._take(group_fk, new_groups, valid) | self._take(fk, picked, valid)
        elif self.blocks is not None and (fk.tenant_scoped or fk.columns == (self.entity.tenant_key,)):
            picked, valid = self._in_tenant(fk, rows, rng)
        elif fk.target == self.entity.name and fk.one_to_one:
            # Distinct earlier rows: each row points `lag` rows back (a reversal of an entry).
            lag = 1 + self._key(fk.name, "lag") % 7
            picked, valid = np.maximum(rows - lag, 0), rows >= lag
        elif fk.target == self.entity.name:
            picked = keys.earlier_rows(rng, rows)
            valid &= rows > 0 if fk.nullable else True
        elif one_per_parent(self.entity, fk):
            picked, valid = keys.one_to_one_parents(rows, parents, self._key(fk.name))
            if not fk.nullable and not valid.all():
                raise Unsatisfiable(f"one-to-one reference '{self.entity.name}.{fk.field}' needs a '{fk.target}' row per row: "
                                    f"{self.counts[self.entity.name]} rows but {parents} to reference", fk.path)
        else:
            picked = keys.skewed_parents(rng, n, parents, self._key(fk.name))
        if fk.name in self.plan.distinct_within.values():
            self._group_rows[fk.name] = picked
        if fk.nullable and fk.name not in self.distinct:
            fraction = reference_null_fraction(self.design, self.entity, fk)
            valid &= rng.random(n) >= fraction
        partner = self.plan.differs_from.get(fk.name)
        if partner is not None and fk.name not in self.distinct:
            return self._differing(fk, picked, valid, values[self._fk(partner).columns[0]], parents, rng)
        return self._take(fk, picked, valid)

    def _differing(self, fk: ForeignKey, picked: np.ndarray, valid: np.ndarray, other: pa.Array,
                   parents: int, rng: np.random.Generator) -> dict[str, pa.Array]:
        """The reference drawn again where it equals `other` (the reference it must differ from):
        moved to another parent, a few rounds at most (a parent never moves onto itself)."""
        taken = self._take(fk, picked, valid)
        for _ in range(4):
            same = np.asarray(pc.fill_null(pc.equal(taken[fk.columns[0]], other), False))
            if not same.any() or parents < 2:
                break
            picked = picked.copy()
            picked[same] = (picked[same] + 1 + rng.integers(0, parents - 1, int(same.sum()))) % parents
            taken = self._take(fk, picked, valid)
        return taken


    def _take(self, fk: ForeignKey, parent_rows: np.ndarray, valid: np.ndarray) -> dict[str, pa.Array]:
        out = {}
        mask = pa.array(~valid)
        # A tenant-scoped reference writes its own columns: the tenant key is the tenant
        # reference's, and stays set where the reference is NULL.
        skip = len(fk.columns) - len(fk.own_columns)
        for column, target_column in zip(fk.columns[skip:], fk.target_columns[skip:]):
            taken = self.store.take(fk.target, target_column, parent_rows)
            out[column] = pc.if_else(mask, pa.nulls(len(taken), taken.type), taken) if not valid.all() else taken
        return out

    def after(self, later: str, rng: np.random.Generator, rows: np.ndarray, values: dict) -> pa.Array:
        """The later column of an ordering: the earlier value plus a positive offset."""
        ordering = self.plan.orderings[later]
        spec = self.plan.columns[later]
        earlier = values[ordering.earlier]
        kind = spec.type.kind
        n = len(rows)
        if kind in ("timestamp", "timestamptz"):
            offset = (rng.exponential(3 * 86_400, n).astype(np.int64) + 60) * 1_000_000  # whole seconds
            base = pc.cast(pc.cast(earlier, arrow_type(spec.type)), pa.int64())
            result = pc.cast(pc.add(base, pa.array(offset)), arrow_type(spec.type))
        elif kind == "time":  # later the same day: up to 8 hours on, never past midnight
            base = np.asarray(pc.fill_null(pc.cast(pc.cast(earlier, pa.time64("us")), pa.int64()), 0))
            room = np.minimum(86_400_000_000 - 1 - base, 8 * 3_600_000_000)
            offset = (rng.random(n) * np.maximum(room, 0)).astype(np.int64) // 1_000_000 * 1_000_000 + 1_000_000
            result = pa.array(np.where(room >= 1_000_000, base + offset, base), pa.int64()).cast(pa.time64("us"))
            result = pc.if_else(pc.is_null(earlier), pa.nulls(n, pa.time64("us")), result)
        elif kind == "date":  # a day or more after the earlier date (or the day of a timestamp)
            base = pc.cast(pc.cast(earlier, pa.date32()), pa.int32())
            result = pc.cast(pc.add(base, pa.array(rng.integers(1, 31, n).astype(np.int32))), pa.date32())
        elif kind in ("smallint", "integer", "bigint"):  # from any number: past its ceiling
            base = np.ceil(np.asarray(pc.fill_null(pc.cast(earlier, pa.float64()), 0)))
            low, high = INTEGER_RANGES[kind]
            stepped = np.minimum(base + rng.integers(1, 10, n), high).astype(np.int64)
            result = pc.if_else(pc.is_null(earlier), pa.nulls(n, pa.int64()), pa.array(stepped)).cast(arrow_type(spec.type))
        elif kind in ("decimal", "real", "double"):
            step = pa.array(rng.integers(1, 10, n)).cast(pa.int64() if kind == "decimal" else pa.float64())
            result = pc.add(pc.cast(earlier, arrow_type(spec.type)) if kind != "decimal" else earlier, step).cast(arrow_type(spec.type))
        else:
            return column_values(spec, rng, rows)
        return with_nulls(result, rng, spec.null_fraction)

    # -- generated columns and checks ---------------------------------------------------------
    @cached_property
    def _generated_sql(self) -> list[tuple[str, str]]:
        """(column, DuckDB expression) of each generated column, rendered once."""
        return [(c.name, quoted_sql(c.generated)) for c in self.entity.columns if c.generated is not None]

    @cached_property
    def _check_sql(self) -> list[str]:
        return [quoted_sql(c.expression) for c in self.entity.checks]

    def evaluate(self, base: pa.Table) -> tuple[pa.Table, dict[str, np.ndarray]]:
        """`base` (the drawn columns) with its generated columns computed, and for each check
        the positions of the rows where it is FALSE (NULL passes, as in SQL): one DuckDB query."""
        generated, checks = self._generated_sql, self._check_sql
        if (not generated and not checks) or base.num_rows == 0:
            return base, {}
        self.con.register("seed_batch", base)
        computed = "".join(f", {sql} AS \"{name}\"" for name, sql in generated)
        outputs = [f'"{name}"' for name, _ in generated] + [f"({sql}) IS FALSE AS __f{i}" for i, sql in enumerate(checks)]
        # A projection keeps the rows in their order (DuckDB's preserve_insertion_order, on by
        # default), so row i of the result is row i of `base`.
        result = self.con.execute(f"SELECT {', '.join(outputs)} FROM (SELECT *{computed} FROM seed_batch)").to_arrow_table()
        self.con.unregister("seed_batch")
        table = base
        for name, _ in generated:
            table = table.append_column(name, result.column(name).cast(arrow_type(self.entity.column(name).type)))
        table = table.select([c.name for c in self.entity.columns]) if generated else table
        failed = {}
        for i, check in enumerate(self.entity.checks):
            flags = np.asarray(pc.fill_null(result.column(f"__f{i}"), False).combine_chunks(), dtype=bool)
            if flags.any():
                failed[check.name] = np.flatnonzero(flags)
        return table, failed

    def enforce_checks(self, table: pa.Table, failed: dict[str, np.ndarray], number: int, rows: np.ndarray) -> pa.Table:
        """Redraw the rows that fail a check, in fresh streams, then settle what is left. Only
        the failing rows change, so the rounds work on them alone, put back at the end."""
        if not failed:
            return table
        touched = np.unique(np.concatenate(list(failed.values())))
        subset, subset_rows = table.take(pa.array(touched)), rows[touched]
        failed = {name: np.searchsorted(touched, positions) for name, positions in failed.items()}
        for round_ in range(1, REDRAW_ROUNDS + 2):
            if not failed:
                break
            for check in self.entity.checks:
                if check.name not in failed:
                    continue
                names = {c.name for c in check.expression.find_all(exp.Column)}
                names |= {later for later, o in self.plan.orderings.items() if o.earlier in names}
                redraw = self.plan.redrawable(names)
                if round_ <= REDRAW_ROUNDS and redraw:
                    subset = self.redraw(subset, failed[check.name], subset_rows, redraw, number, round_)
                else:
                    subset = self.settle(subset, check.name, failed[check.name], redraw)
            subset, failed = self.evaluate(self._base(subset))
            failed = failed if round_ <= REDRAW_ROUNDS else {}
        return self._put_back(table, touched, subset)  # what still fails is named by verify() at the end

    @staticmethod
    def _put_back(table: pa.Table, positions: np.ndarray, subset: pa.Table) -> pa.Table:
        """`table` with its rows at `positions` (ascending) replaced by `subset`'s rows."""
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[positions] = True
        chosen = pa.array(mask)
        columns = [pc.replace_with_mask(table.column(name).combine_chunks(), chosen, subset.column(name).combine_chunks())
                   for name in table.column_names]
        return pa.table(columns, names=table.column_names)

    def _base(self, table: pa.Table) -> pa.Table:
        return table.select([c.name for c in self.entity.columns if c.generated is None])

    def _fallbacks(self, name: str) -> list:
        """Values that often satisfy a check when random ones keep failing: the default, the
        ends of the checked range, zero."""
        spec = self.plan.columns[name]
        values = []
        if spec.column.default is not None and spec.column.default.kind == "literal":
            values.append(python_value(spec.column.default.value, spec.type))
        domain = spec.domain
        for bound, is_open, step in ((domain.low, domain.low_open, 1), (domain.high, domain.high_open, -1)):
            if bound is not None:
                values.append(bound + step if is_open and spec.type.is_integer else bound)
        if spec.type.kind in ("smallint", "integer", "bigint", "decimal", "real", "double"):
            values.append(0)
        return values

    def settle(self, table: pa.Table, check: str, positions: np.ndarray, names: set[str]) -> pa.Table:
        """Rows that redraws did not fix: try fallback values column by column, then NULL."""
        for name in sorted(names):
            for value in self._fallbacks(name):
                mask = np.zeros(table.num_rows, dtype=bool)
                mask[positions] = True
                column = table.column(name).combine_chunks()
                try:
                    constant = pa.array([value] * len(positions)).cast(column.type)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue
                trial = table.set_column(table.column_names.index(name), name,
                                         pc.replace_with_mask(column, pa.array(mask), constant))
                trial, failing = self.evaluate(self._base(trial))
                still = failing.get(check, np.array([], dtype=np.int64))
                if len(np.intersect1d(still, positions)) < len(positions):
                    table, positions = trial, np.intersect1d(still, positions)
                if not len(positions):
                    return table
        return self.null_out(table, positions, names)

    def redraw(self, table, positions, rows, names, number, round_) -> pa.Table:
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[positions] = True
        subset_rows = rows[positions]
        current = {name: table.column(name).combine_chunks().take(pa.array(positions)) for name in table.column_names}
        for name in sorted(names - set(self.plan.orderings)) + [n for n in self._ordered_later() if n in names]:
            rng = self._rng(name, number, round_)
            if name in self.plan.orderings:
                current[name] = self.after(name, rng, subset_rows, current)
            else:
                current[name] = column_values(self.plan.columns[name], rng, subset_rows)
            replaced = pc.replace_with_mask(table.column(name).combine_chunks(), pa.array(mask), current[name])
            table = table.set_column(table.column_names.index(name), name, replaced)
        return table

    def null_out(self, table, positions, names) -> pa.Table:
        """Last resort for a check that redraws do not meet: NULL its nullable columns there."""
        mask = np.zeros(table.num_rows, dtype=bool)
        mask[positions] = True
        for name in names:
            if self.entity.column(name).nullable:
                column = table.column(name).combine_chunks()
                nulled = pc.if_else(pa.array(mask), pa.nulls(len(column), column.type), column)
                table = table.set_column(table.column_names.index(name), name, nulled)
        return table

    # -- the whole entity ----------------------------------------------------------------------
    def write(self, path: Path) -> None:
        schema = physical_schema(self.entity)
        # One writer thread: batch k is compressed and written while batch k+1 is generated
        # (Arrow and NumPy release the GIL for the heavy parts).
        with pq.ParquetWriter(path, schema, **parquet_options(self.entity)) as writer, \
                ThreadPoolExecutor(max_workers=1) as background:
            pending = None
            for number, start in enumerate(range(0, self.plan.rows, BATCH_ROWS)):
                if self.plan.rows >= LARGE_SEED_ROWS and number % PROGRESS_BATCHES == 0:
                    log.info("%s: seed: %s, %s of %s rows", self.design.name, self.entity.name,
                             f"{start:,}", f"{self.plan.rows:,}")
                table = self.batch(number, start, min(BATCH_ROWS, self.plan.rows - start))
                physical = pa.Table.from_arrays(
                    [table.column(c.name).cast(arrow_type(c.type)) for c in self.entity.columns], schema=schema,
                )
                if pending is not None:
                    pending.result()
                pending = background.submit(writer.write_table, physical, row_group_size=BATCH_ROWS)
            if pending is not None:
                pending.result()
            if self.plan.rows == 0:
                writer.write_table(schema.empty_table())


def _fill_deferred(design: Design, entity: Entity, fk: ForeignKey, counts, store, path: Path) -> None:
    """Fill a reference that closes a cycle, now that its target's keys exist."""
    table = pq.read_table(path)
    rng = stream(design.doc.seed.random_seed, entity.name, fk.name, "deferred")
    n, parents = table.num_rows, counts[fk.target]
    if parents == 0:
        return
    rows = np.arange(n, dtype=np.int64)
    if one_per_parent(entity, fk):
        picked, valid = keys.one_to_one_parents(rows, parents, int(rng.integers(0, 2**62)))
    else:
        picked, valid = keys.skewed_parents(rng, n, parents, int(rng.integers(0, 2**62))), np.ones(n, dtype=bool)
    if fk.nullable:
        valid &= rng.random(n) >= reference_null_fraction(design, entity, fk)
    for column, target_column in zip(fk.columns, fk.target_columns):
        taken = store.take(fk.target, target_column, picked)
        filled = pc.if_else(pa.array(~valid), pa.nulls(n, taken.type), taken)
        physical = entity.physical(column)
        table = table.set_column(table.column_names.index(physical), physical, filled.cast(table.schema.field(physical).type))
    pq.write_table(table, path, row_group_size=BATCH_ROWS, **parquet_options(entity))


def generate_seed(design: Design, out_dir: Path, scale: float = 1.0) -> SeedResult:
    """Write `<entity>.parquet` for every entity of `design` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = row_counts(design, scale)
    order, deferred = creation_order(design)
    store = keys.KeyStore()
    for entity in design.entities.values():
        for fk in entity.foreign_keys:
            store.want(fk.target, fk.target_columns)
    result = SeedResult(rows=dict(counts))
    con = sandboxed_connection(out_dir, DUCKDB_MEMORY_LIMIT)
    for entity in order:
        if entity.derived_from is not None:  # a closure table: written from its tree below
            pq.write_table(physical_schema(entity).empty_table(), parquet_path(out_dir, entity))
            continue
        plan = plan_entity(design, entity, counts[entity.name], [fk for e, fk in deferred if e is entity])
        generator = _EntityGenerator(design, plan, counts, store, con)
        try:
            try:
                generator.write(parquet_path(out_dir, entity))
            except (Unsatisfiable, GeneratorFailed):
                raise
            except Exception as error:  # checks or generated columns the engine could not evaluate
                raise GeneratorFailed(f"could not generate rows of '{entity.name}': {type(error).__name__}: {error}",
                                      entity.path) from error
        except (Unsatisfiable, GeneratorFailed) as problem:
            kind = problem.kind if isinstance(problem, Unsatisfiable) else "generator"
            result.problems.append(SeedProblem(kind, entity.name, entity.name, counts[entity.name], str(problem),
                                               problem.path or entity.path))
            counts[entity.name] = result.rows[entity.name] = 0
            pq.write_table(physical_schema(entity).empty_table(), parquet_path(out_dir, entity))
    for entity, fk in deferred:
        _fill_deferred(design, entity, fk, counts, store, parquet_path(out_dir, entity))
    del store  # the referenced keys, no longer needed: the rules and the checks run in DuckDB's memory
    pa.default_memory_pool().release_unused()  # and Arrow's cached blocks go back to the system
    if sum(counts.values()) >= LARGE_SEED_ROWS:
        log.info("%s: seed: the rules made to hold, every constraint counted again", design.name)
    number_the_streams(design, out_dir, con)
    derive_tree_columns(design, out_dir, con)
    for name, rows in derive_closures(design, out_dir, con).items():
        counts[name] = result.rows[name] = rows
    result.repaired_rules = make_rules_hold(design, out_dir, con)
    write_histories(design, out_dir, con)  # from the rows as they are now, rules made to hold
    result.problems += verify(design, out_dir, con)
    con.close()
    return result
