"""Alembic migrations of the store's schema, run by ``dragoman.store.database.open_store`` on every start.

No ``alembic.ini``: ``database.alembic_config()`` builds the configuration and ``env.py`` migrates over the
connection it is handed. A new revision goes in ``versions/`` next to the first one, written in the same
self-contained style (plain SQLAlchemy types, explicit index names), with ``down_revision`` naming the previous
head; ``tests/store`` fails when the migrated schema and ``store/tables.py`` disagree.
"""
