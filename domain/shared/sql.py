"""Hot statements written once as SQL and sent through Tortoise's connection.

Building a query and its model objects through the ORM costs more CPU than the statement itself
(docs/performance.md, the booking section): the booking's hottest statements skip that, and only
those. The models stay the one description of the tables: every table and column name here comes
from the model's ``_meta``, every value is encoded by its field's ``to_db_value`` and decoded by
its ``to_python_value`` (or the model's own ``_init_from_db``), exactly as the ORM does.

SQL is written with asyncpg's placeholders (``$1``, ``$2`` … in order); SQLite gets ``?``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"\$(\d+)")
_texts: dict[tuple[str, str], str] = {}


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return bool(conn.capabilities.dialect == "postgres")


def text(sql: str, conn: BaseDBAsyncClient) -> str:
    """``sql`` (written with ``$1``, ``$2`` … each once, in order) for ``conn``'s dialect."""
    dialect = conn.capabilities.dialect
    found = _texts.get((sql, dialect))
    if found is None:
        if dialect == "postgres":
            found = sql
        else:
            numbers = [int(n) for n in _PLACEHOLDER.findall(sql)]
            if numbers != list(range(1, len(numbers) + 1)):
                raise ValueError(f"placeholders must be $1, $2 … in order, each once: {sql}")
            found = _PLACEHOLDER.sub("?", sql)
        _texts[(sql, dialect)] = found
    return found


def params(first: int, count: int) -> str:
    """``$first, $first+1, …`` (``count`` of them)."""
    return ", ".join(f"${n}" for n in range(first, first + count))


def table(model: type[Model]) -> str:
    return f'"{model._meta.db_table}"'


def column(model: type[Model], field: str) -> str:
    return f'"{model._meta.fields_db_projection[field]}"'


def columns(model: type[Model], fields: Iterable[str] | None = None) -> str:
    """The model's columns (all of them by default), quoted, in ``_meta``'s order."""
    names = model._meta.fields_db_projection if fields is None else fields
    return ", ".join(column(model, name) for name in names)


def db_value(model: type[Model], field: str, value: object) -> Any:
    """``value`` as the ORM sends it for ``field`` (JSON encoded, encrypted …)."""
    return model._meta.fields_map[field].to_db_value(value, model)


def python_value(model: type[Model], field: str, value: object) -> Any:
    """A column read through SQL as the ORM gives it back (SQLite's text dates become datetimes)."""
    return model._meta.fields_map[field].to_python_value(value)


def _insert_columns(model: type[Model]) -> list[str]:
    """What the ORM's INSERT names: every field with a column but a generated one (the id)."""
    fields_map = model._meta.fields_map
    return [name for name in model._meta.fields_db_projection if not fields_map[name].generated]


_inserts: dict[tuple[type[Model], int, str], tuple[str, list[str]]] = {}


def _insert_text(model: type[Model], rows: int, conn: BaseDBAsyncClient) -> tuple[str, list[str]]:
    dialect = conn.capabilities.dialect
    key = (model, rows, dialect)
    found = _inserts.get(key)
    if found is None:
        names = _insert_columns(model)
        width = len(names)
        values = ", ".join(f"({params(1 + row * width, width)})" for row in range(rows))
        sql = f"INSERT INTO {table(model)} ({columns(model, names)}) VALUES {values}"
        if rows == 1 and dialect == "postgres":
            sql += f' RETURNING "{model._meta.db_pk_column}"'
        found = _inserts[key] = (text(sql, conn), names)
    return found


def _values(instances: Sequence[Model], names: list[str]) -> list[Any]:
    fields_map = instances[0]._meta.fields_map
    return [
        fields_map[name].to_db_value(getattr(instance, name), instance)
        for instance in instances
        for name in names
    ]


async def insert(conn: BaseDBAsyncClient, instance: M) -> M:
    """Insert ``instance`` (made with the model's constructor, defaults and all) as ``create`` does,
    without the ORM's per-call machinery: its id is set and it counts as saved."""
    sql, names = _insert_text(type(instance), 1, conn)
    if is_postgres(conn):
        row = await conn.execute_insert(sql, _values([instance], names))
        instance.pk = row[0]
    else:
        instance.pk = await conn.execute_insert(sql, _values([instance], names))  # the rowid
    instance._saved_in_db = True
    return instance


async def insert_all(conn: BaseDBAsyncClient, instances: Sequence[Model]) -> None:
    """Insert several instances of one model in one statement; their ids are not read back."""
    if not instances:
        return
    if len(instances) == 1:
        await insert(conn, instances[0])
        return
    sql, names = _insert_text(type(instances[0]), len(instances), conn)
    await conn.execute_query(sql, _values(instances, names))


@cache
def select_list(model: type[Model], alias: str, prefix: str = "") -> str:
    """The model's columns read from ``alias``, each named ``prefix`` + its column (for a join)."""
    return ", ".join(
        f'{alias}."{name}" AS "{prefix}{name}"' for name in model._meta.fields_db_projection.values()
    )


def from_row(model: type[M], row: dict[str, Any], prefix: str = "") -> M:
    """A model instance from a row of :func:`select_list`'s columns, decoded as the ORM does."""
    if prefix:
        row = {name: row[prefix + name] for name in model._meta.fields_db_projection.values()}
    return model._init_from_db(**row)


async def first(conn: BaseDBAsyncClient, model: type[M], where: str, values: list[Any]) -> M | None:
    """The first row of ``model`` matching ``where`` (SQL over the model's columns, ``$1`` …)."""
    query = f"SELECT {select_list(model, table(model))} FROM {table(model)} WHERE {where} LIMIT 1"
    rows = await conn.execute_query_dict(text(query, conn), values)
    return from_row(model, rows[0]) if rows else None
