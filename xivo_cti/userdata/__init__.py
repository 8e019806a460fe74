"""Per-user data of xivo-ctid that outlives a restart: call history, personal contacts,
favourites; and the queue calls of the last day (the queue statistics' window).

One store (``UserDataStore``): PostgreSQL when ``users_db`` is configured, else a SQLite
file under the state directory; nothing runs in the reactor's thread (SQLite in a thread
of its own, PostgreSQL asynchronously).  Finished calls and queue calls are written in
batches (``HistoryWriter``); contacts are kept in memory per user once read
(``ContactBooks``); ``UserData.kept_outcomes`` are the queue calls read back at start.
"""

from xivo_cti.userdata._books import ContactBook, ContactBooks
from xivo_cti.userdata._config import PRODUCTION_STATE_DIRECTORY, UserDataConfig, state_directory
from xivo_cti.userdata._model import (
    COLLEAGUES,
    CONTACT_FIELDS,
    MISSED,
    PERSONAL,
    RECEIVED,
    SENT,
    Contact,
    HistoryRow,
    QueueOutcome,
)
from xivo_cti.userdata._runners import PostgresRunner, Runner, SQLiteRunner, StoreError
from xivo_cti.userdata._service import DATABASE_FILE, UserData, make_userdata
from xivo_cti.userdata._store import UserDataStore
from xivo_cti.userdata._writer import HistoryWriter

__all__ = [
    "COLLEAGUES",
    "CONTACT_FIELDS",
    "DATABASE_FILE",
    "MISSED",
    "PERSONAL",
    "PRODUCTION_STATE_DIRECTORY",
    "RECEIVED",
    "SENT",
    "Contact",
    "ContactBook",
    "ContactBooks",
    "HistoryRow",
    "HistoryWriter",
    "PostgresRunner",
    "QueueOutcome",
    "Runner",
    "SQLiteRunner",
    "StoreError",
    "UserData",
    "UserDataConfig",
    "UserDataStore",
    "make_userdata",
    "state_directory",
]
