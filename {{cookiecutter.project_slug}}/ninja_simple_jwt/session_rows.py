"""The refresh path's two statements in SQL written once per database from the models' metadata.

Every refresh reads its session with the user (one JOIN) and rotates it (one conditional
UPDATE). Through the ORM, building those two statements costs several times running them:
about 300 µs of a refresh's 1.5 ms in-process on SQLite, against about 50 µs of SQL. Here the
statements are written once from ``_meta`` (tables, columns, the backend's quoting) and their
values go through the same field and backend conversions the ORM applies, so custom user
models, database routers and every backend Django supports behave as with the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, models, router
from ninja_simple_jwt.models import Session

__all__ = ["find_session", "swap_refresh_jti"]

Converter = Callable[[Any, Any, Any], Any]


def _column(connection: Any, field: Any, table: str = "") -> str:
    """A field's column quoted for ``connection``, prefixed with ``table.`` when given."""
    column = str(connection.ops.quote_name(field.column))
    return f"{table}.{column}" if table else column


def _table(connection: Any, model: type[models.Model]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


@functools.cache
def _select(alias: str) -> tuple[str, list[tuple[Any, list[Converter]]], int]:
    """The SELECT of a session and its user on ``alias``, each column's ``Col`` and converters,
    and how many of the columns are the session's."""
    connection = connections[alias]
    user_model = get_user_model()
    user_fk: Any = Session._meta.get_field("user")
    columns: list[str] = []
    conversions: list[tuple[Any, list[Converter]]] = []
    for model, table in ((Session, "s"), (user_model, "u")):
        for field in model._meta.concrete_fields:
            col = field.get_col(table)
            columns.append(_column(connection, field, table))
            conversions.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
    join = f"{_column(connection, user_fk.target_field, 'u')} = {_column(connection, user_fk, 's')}"
    # Identifiers come from the models' metadata, quoted; the one value is a parameter.
    sql = (
        f"SELECT {', '.join(columns)} FROM {_table(connection, Session)} s"  # noqa: S608
        f" INNER JOIN {_table(connection, user_model)} u"
        f" ON {join}"
        f" WHERE {_column(connection, Session._meta.get_field('public_id'), 's')} = %s"
    )
    return sql, conversions, len(Session._meta.concrete_fields)


def _instance(model: type[models.Model], alias: str, values: list[Any]) -> Any:
    return model.from_db(alias, [field.attname for field in model._meta.concrete_fields], values)


def find_session(public_id: str) -> Session | None:
    """The session of ``public_id`` with its user (``session.user`` needs no query), or None."""
    alias = router.db_for_read(Session)
    sql, conversions, split = _select(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [public_id])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for value, (col, converters) in zip(row, conversions, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        values.append(value)
    session: Session = _instance(Session, alias, values[:split])
    session.user = _instance(get_user_model(), alias, values[split:])
    return session


def swap_refresh_jti(session: Session, jti: str, changes: dict[str, Any]) -> bool:
    """Compare and swap: apply ``changes`` to the session only if ``jti`` is still its current
    refresh jti and it is not revoked. Whether it did (only one of concurrent callers can)."""
    alias = router.db_for_write(Session, instance=session)
    connection = connections[alias]
    fields: list[Any] = [Session._meta.get_field(name) for name in changes]
    assignments = ", ".join(f"{_column(connection, field)} = %s" for field in fields)
    meta = Session._meta
    # Identifiers come from the model's metadata, quoted; every value is a parameter.
    sql = (
        f"UPDATE {_table(connection, Session)} SET {assignments}"  # noqa: S608
        f" WHERE {_column(connection, meta.pk)} = %s"
        f" AND {_column(connection, meta.get_field('refresh_jti'))} = %s"
        f" AND {_column(connection, meta.get_field('revoked_at'))} IS NULL"
    )
    values = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, changes.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, session.pk, jti])
        return bool(cursor.rowcount == 1)
