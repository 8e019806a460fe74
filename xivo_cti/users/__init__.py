"""CTI users: accounts, password hashes, profiles, where they are loaded from, and what
clients see of them (presence, DND and forwards, read back from the AstDB)."""

from xivo_cti.users._astdb import (
    ASTDB_FAMILY,
    READ_RETRY_FIRST,
    READ_RETRY_MAX,
    follow_astdb_features,
    parse_features_tree,
    read_features,
)
from xivo_cti.users._presences import DEFAULT_PRESENCES, PresenceConfig, check_presences
from xivo_cti.users._status import FEATURE_DEFAULTS, UserStatusBook

__all__ = [
    "ASTDB_FAMILY",
    "DEFAULT_PRESENCES",
    "FEATURE_DEFAULTS",
    "PresenceConfig",
    "READ_RETRY_FIRST",
    "READ_RETRY_MAX",
    "UserStatusBook",
    "check_presences",
    "follow_astdb_features",
    "parse_features_tree",
    "read_features",
]
