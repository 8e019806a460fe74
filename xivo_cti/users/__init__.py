"""CTI users: accounts, password hashes, profiles, where they are loaded from, and what
clients see of them (presences, DND and forwards, read back from the AstDB)."""

from xivo_cti.users._astdb import (
    ASTDB_FAMILY,
    READ_RETRY_FIRST,
    READ_RETRY_MAX,
    FeaturesFollower,
    parse_features_tree,
    read_features,
)
from xivo_cti.users._batch import StatusBatch
from xivo_cti.users._checkpool import CheckPool, default_size
from xivo_cti.users._config import DEFAULT_USERS_FILE, UsersDBConfig
from xivo_cti.users._factory import InitialLoad, make_user_store, user_source
from xivo_cti.users._handoff import VerifierHandoff
from xivo_cti.users._hashing import Argon2Cost, hash_password
from xivo_cti.users._loader import parse_users_text, users_from_records
from xivo_cti.users._logins import LoginChecks, LoginRefused
from xivo_cti.users._model import Profile, User
from xivo_cti.users._presences import DEFAULT_PRESENCES, PresenceConfig, check_presences
from xivo_cti.users._status import FEATURE_DEFAULTS, StatusChanged, UserStatusBook
from xivo_cti.users._store import RunInThread, UserSource, UserStore, thread_runner
from xivo_cti.users._verifiers import VerifierCache

__all__ = [
    "ASTDB_FAMILY",
    "DEFAULT_PRESENCES",
    "DEFAULT_USERS_FILE",
    "FEATURE_DEFAULTS",
    "FeaturesFollower",
    "READ_RETRY_FIRST",
    "READ_RETRY_MAX",
    "CheckPool",
    "InitialLoad",
    "LoginChecks",
    "LoginRefused",
    "PresenceConfig",
    "Profile",
    "RunInThread",
    "StatusBatch",
    "StatusChanged",
    "User",
    "UserSource",
    "UserStatusBook",
    "UserStore",
    "UsersDBConfig",
    "VerifierCache",
    "VerifierHandoff",
    "check_presences",
    "default_size",
    "Argon2Cost",
    "hash_password",
    "make_user_store",
    "parse_features_tree",
    "parse_users_text",
    "read_features",
    "thread_runner",
    "user_source",
    "users_from_records",
]
