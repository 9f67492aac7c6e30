"""With DATABASE_REPLICA_URL set, match searches read from the replica
(claims/engine/retrieval.py asks for it by name) and everything else uses default."""

from __future__ import annotations

POOL = {"default", "replica"}


class ReplicaRouter:
    def db_for_write(self, model, **hints) -> str:
        # A Match built from a reference the search read on the replica would
        # otherwise be written where that reference came from.
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # Both databases hold the same rows.
        if {obj1._state.db, obj2._state.db} <= POOL:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool | None:
        # The replica follows default by streaming replication.
        return db != "replica"
