"""The durable store (SQLite and PostgreSQL, the same tests on both) and the batching usage writer."""
