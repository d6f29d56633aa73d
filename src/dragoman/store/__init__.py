"""Durable state: API keys and usage records, in SQLite (default) or PostgreSQL."""
