# SPDX-License-Identifier: Apache-2.0
"""Alembic environment: runs on the connection handed over by ``migrate.upgrade``."""

from alembic import context

from directory.store.tables import metadata

connection = context.config.attributes["connection"]


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """The R*Tree (and its shadow tables) and PostGIS's own tables are not ours to autogenerate."""
    if type_ == "table" and name is not None and (name.startswith("venue_rtree") or name == "spatial_ref_sys"):
        return False
    return not (type_ == "column" and name == "geog")


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
