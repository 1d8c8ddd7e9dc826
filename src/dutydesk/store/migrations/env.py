"""Alembic's environment: the migrations run on the connection dutydesk hands over, inside
its write transaction (store/engine.py), never on one of their own."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
