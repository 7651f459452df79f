"""Embedded (SQLite) event-log storage tuned for day-range runs.

A run over a two-year range writes one materialization event per raw asset per day — about ten thousand events
for the demo build. Dagster's stock SQLite event log builds a new SQLAlchemy engine for every connection, so each
event pays for engine creation and for compiling its INSERT statements again (the compiled-statement cache lives on
the engine), and commits with a full fsync. Here each database file (the index and one per run) keeps its engine,
so statements compile once; the per-day events of one asset are written as one batch (two transactions instead of
two per event, enabled by DAGSTER_EVENT_BATCH_SIZE, which `write_instance_config` sets); and commits skip the fsync: a crashed process cannot corrupt the file, only an OS crash
or power cut can lose the newest events. PostgreSQL storage (KPI_DAGSTER_PG_URL) does not use this class.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from dagster import DagsterEventType, EventLogEntry
from dagster._core.storage.event_log import SqlEventLogStorageTable, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from sqlalchemy.pool import NullPool

# Index database + the runs being written or watched at once; older engines are disposed.
MAX_ENGINES = 8
BUSY_TIMEOUT_SECONDS = 30  # as the stock storage


def _no_fsync(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("pragma synchronous = off")
    cursor.close()


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that keeps one engine per database file instead of one per connection."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = create_engine(
                self.conn_string_for_shard(shard),
                # A connection per use, as the stock storage does: SQLite files are shared with other processes.
                poolclass=NullPool,
                connect_args={"timeout": BUSY_TIMEOUT_SECONDS},
            )
            sa.event.listen(engine, "connect", _no_fsync)
            self._engines[shard] = engine
            while len(self._engines) > MAX_ENGINES:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store a range run's per-partition materializations (or observations) of one asset in two transactions.

        Mirrors the stock SQLite storage, event by event: each event goes into its run's database and into the
        index database with its tags; the asset's latest-event entry is updated once, from the last event, as
        Dagster's PostgreSQL storage does for a batch.
        """
        events = [e for e in events if not e.get_dagster_event().is_asset_failed_to_materialize]
        kinds = {e.get_dagster_event().event_type for e in events}
        run_ids = {e.run_id for e in events}
        if (
            not events
            or len(run_ids) != 1
            or kinds not in ({DagsterEventType.ASSET_MATERIALIZATION}, {DagsterEventType.ASSET_OBSERVATION})
        ):
            return super().store_event_batch(events)
        insert = self.prepare_insert_event_batch(events)
        with self.run_connection(events[0].run_id) as conn:
            conn.execute(insert)
        with self.index_transaction() as conn:
            conn.execute(insert)
            # One statement inside one write transaction: SQLite numbers the new rows consecutively.
            last_id = conn.execute(sa.select(sa.func.max(SqlEventLogStorageTable.c.id))).scalar_one()
            event_ids = list(range(last_id - len(events) + 1, last_id + 1))
            self._store_asset_event_tags(conn, events, event_ids)
            self._store_asset_event(conn, events[-1], event_ids[-1])

    def dispose(self) -> None:
        super().dispose()
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
