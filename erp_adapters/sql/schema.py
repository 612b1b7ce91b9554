"""Checking the mapping against the database's catalogue, once, before any query.

Every table and column the mapping names is looked up by reflection. A missing one
stops the adapter with an `ErpMisconfiguredError` that lists what does exist (the
tables and views of the schema, or the columns of the table), so a merchant can fix
the name without a database client. The checked names become SQLAlchemy `table()`
and `column()` objects: quoting is the dialect's, values are always bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.sql import column, table
from sqlalchemy.sql.expression import ColumnClause, TableClause

from erp_adapters.base import ErpMisconfiguredError
from erp_adapters.sql.mapping import SqlOptions, TableMapping

LISTED_NAMES_MAX = 40


@dataclass(frozen=True, slots=True)
class MappedTable:
    """A checked table and its mapped columns by field."""

    clause: TableClause
    columns: Mapping[str, ColumnClause[object]]

    def has(self, field: str) -> bool:
        """Whether the field is mapped to a column."""
        return field in self.columns

    def c(self, field: str) -> ColumnClause[object]:
        """The column of a mapped field."""
        return self.columns[field]


@dataclass(frozen=True, slots=True)
class Schema:
    """The checked tables; None for a part the options leave out."""

    accounts: MappedTable
    contacts: MappedTable | None
    relations: MappedTable | None
    salespeople: MappedTable | None


def reflect(connection: Connection, options: SqlOptions) -> Schema:
    """Checks every mapped name against the catalogue (runs in `run_sync`).

    Raises:
        ErpMisconfiguredError: a table or column is missing; the message names it and
            lists the tables, or the table's columns, that exist.
    """
    inspector = inspect(connection)
    schema = options.schema
    existing = [
        *inspector.get_table_names(schema=schema),
        *inspector.get_view_names(schema=schema),
    ]
    checked: dict[str, MappedTable] = {}
    for mapping in options.tables():
        _require_table(mapping, existing, schema)
        names = [c["name"] for c in inspector.get_columns(mapping.name, schema=schema)]
        checked[mapping.part] = _mapped(mapping, names, schema)

    return Schema(
        accounts=checked["accounts"],
        contacts=checked.get("contacts"),
        relations=checked.get("relations"),
        salespeople=checked.get("salespeople"),
    )


def _require_table(
    mapping: TableMapping, existing: list[str], schema: str | None
) -> None:
    if mapping.name in existing:
        return
    where = f"schema {schema!r}" if schema else "the database"
    raise ErpMisconfiguredError(
        f"the sql adapter's {mapping.part}.table {mapping.name!r} does not exist in "
        f"{where}; its tables and views are {_listed(existing)}"
    )


def _mapped(mapping: TableMapping, names: list[str], schema: str | None) -> MappedTable:
    wanted = {field: name for field, name in mapping.columns.items() if name}
    missing = sorted(
        f"{mapping.part}.columns.{field} = {name!r}"
        for field, name in wanted.items()
        if name not in names
    )
    if missing:
        raise ErpMisconfiguredError(
            f"the sql adapter's table {mapping.name!r} has no column for "
            f"{'; '.join(missing)}; its columns are {_listed(names)}"
        )
    unique = sorted(set(wanted.values()))
    clause = table(mapping.name, *(column(name) for name in unique), schema=schema)
    return MappedTable(
        clause, {field: clause.c[name] for field, name in wanted.items()}
    )


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in sorted(names)[:LISTED_NAMES_MAX])
    if not names:
        return "none (check the schema option and the login's rights)"
    if len(names) > LISTED_NAMES_MAX:
        shown += f" and {len(names) - LISTED_NAMES_MAX} more"
    return shown
