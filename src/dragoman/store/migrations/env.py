"""Alembic's entry point: migrates over the connection ``database.run_migrations`` puts in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from dragoman.store.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "dragoman's migrations run from dragoman.store.database.open_store, which passes its connection in "
        "config.attributes['connection']; there is no alembic.ini to run them from the command line"
    )

# SQLite cannot ALTER most things in place; batch mode rebuilds the table instead, so later revisions work there.
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
